-- Accounts, device sessions, refresh tokens, sign-in throttling and server secrets.
-- Timestamps are Unix milliseconds (INTEGER) so both backends share one representation.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT    NOT NULL,
    -- Lower-cased username: the uniqueness and lookup key.
    username_key    TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    status_text     TEXT    NOT NULL DEFAULT '',
    avatar_file_id  TEXT,
    -- NULL for accounts that can only sign in through an external identity provider.
    password_hash   TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE device_sessions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_name     TEXT    NOT NULL,
    user_agent      TEXT,
    ip              TEXT,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    -- Sliding expiry: pushed forward on every refresh.
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER,
    revoke_reason   TEXT
);
CREATE INDEX device_sessions_user ON device_sessions (user_id);

CREATE TABLE refresh_tokens (
    -- Hex SHA-256 of the token; the token itself is never stored.
    token_hash      TEXT    PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES device_sessions (id) ON DELETE CASCADE,
    issued_at       INTEGER NOT NULL,
    -- Set when the token was exchanged for a new one; presenting it again is reuse.
    rotated_at      INTEGER
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE signin_failures (
    -- "user:<username_key>" or "ip:<address>"
    throttle_key    TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
);

CREATE TABLE server_secrets (
    name            TEXT    PRIMARY KEY,
    value           TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);
