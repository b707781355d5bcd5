-- Two-factor sign-in: TOTP authenticators (RFC 6238), recovery codes, and how each
-- device session was signed in.

CREATE TABLE totp_credentials (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The shared secret (20 random bytes, base32). It must be readable to check codes, so it
    -- is stored as it is: protect the database and its backups.
    secret          TEXT    NOT NULL,
    -- NULL while the user is setting it up: sign-in asks for codes only once a code
    -- from the authenticator confirmed it.
    confirmed_at    INTEGER,
    -- The last 30-second step whose code was accepted: a code is good once.
    last_used_step  INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Hex SHA-256 of the normalised code (50 random bits each); the code is shown once.
    code_hash       TEXT    NOT NULL,
    used_at         INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- `password`, `password_totp` or `password_recovery_code`.
ALTER TABLE device_sessions ADD COLUMN sign_in_method TEXT NOT NULL DEFAULT 'password';
