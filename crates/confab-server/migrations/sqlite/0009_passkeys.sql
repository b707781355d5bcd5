-- Passkeys (WebAuthn) registered to accounts, and the ceremonies under way.

CREATE TABLE passkeys (
    id              TEXT    PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The authenticator's credential id, base64url; one account only.
    credential_id   TEXT    NOT NULL UNIQUE,
    -- The WebAuthn user handle (a random UUID per account) the passkey was made
    -- with; a discoverable sign-in names the account by it.
    user_handle     TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    -- The credential as webauthn-rs keeps it (JSON): public key, counter, flags.
    credential      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- The server's half of a registration or sign-in between its two requests (JSON,
-- webauthn-rs's state with the challenge). Taken once, by the second request.
CREATE TABLE passkey_ceremonies (
    id              TEXT    PRIMARY KEY,
    -- `register` or `sign_in`.
    purpose         TEXT    NOT NULL,
    -- The account registering (purpose `register`).
    user_id         INTEGER REFERENCES users (id) ON DELETE CASCADE,
    state           TEXT    NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
