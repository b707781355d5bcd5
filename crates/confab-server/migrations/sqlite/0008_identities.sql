-- Sign-in with identity providers (OpenID Connect, GitHub): the identities linked to
-- each account, and the flows under way.

CREATE TABLE linked_identities (
    id              TEXT    PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The provider's id in the operator's --sign-in-providers file.
    provider_id     TEXT    NOT NULL,
    -- Who the user is at the provider: the ID token's `sub`, or GitHub's user id.
    subject         TEXT    NOT NULL,
    -- What to show the user: an email address or a username at the provider.
    label           TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    UNIQUE (provider_id, subject)
);
CREATE INDEX linked_identities_user ON linked_identities (user_id);

-- A sign-in or link started in a browser. The browser holds a random secret in an
-- HttpOnly cookie; `id` is its SHA-256. `state_hash` is the SHA-256 of the OAuth
-- `state`. After the provider's callback, `identity` holds the verified identity
-- (JSON) until the flow is completed.
CREATE TABLE provider_flows (
    id              TEXT    PRIMARY KEY,
    state_hash      TEXT    NOT NULL UNIQUE,
    provider_id     TEXT    NOT NULL,
    -- `sign_in` or `link`.
    intent          TEXT    NOT NULL,
    -- The account to link to (intent `link`).
    user_id         INTEGER REFERENCES users (id) ON DELETE CASCADE,
    nonce           TEXT    NOT NULL,
    pkce_verifier   TEXT    NOT NULL,
    redirect_uri    TEXT    NOT NULL,
    identity        TEXT,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX provider_flows_expiry ON provider_flows (expires_at);
