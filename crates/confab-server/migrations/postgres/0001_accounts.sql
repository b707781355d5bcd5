-- Accounts, device sessions, refresh tokens, sign-in throttling and server secrets.
-- Timestamps are Unix milliseconds (BIGINT) so both backends share one representation.

CREATE TABLE users (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        TEXT    NOT NULL,
    -- Lower-cased username: the uniqueness and lookup key. Byte order ("C") so that
    -- prefix search is a plain index range scan.
    username_key    TEXT    COLLATE "C" NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    status_text     TEXT    NOT NULL DEFAULT '',
    avatar_file_id  TEXT,
    -- NULL for accounts that can only sign in through an external identity provider.
    password_hash   TEXT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);

CREATE TABLE device_sessions (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_name     TEXT    NOT NULL,
    user_agent      TEXT,
    ip              TEXT,
    created_at      BIGINT  NOT NULL,
    last_seen_at    BIGINT  NOT NULL,
    -- Sliding expiry: pushed forward on every refresh.
    expires_at      BIGINT  NOT NULL,
    revoked_at      BIGINT,
    revoke_reason   TEXT
);
CREATE INDEX device_sessions_user ON device_sessions (user_id);

CREATE TABLE refresh_tokens (
    -- Hex SHA-256 of the token; the token itself is never stored.
    token_hash      TEXT    PRIMARY KEY,
    session_id      BIGINT  NOT NULL REFERENCES device_sessions (id) ON DELETE CASCADE,
    issued_at       BIGINT  NOT NULL,
    -- Set when the token was exchanged for a new one; presenting it again is reuse.
    rotated_at      BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE signin_failures (
    -- "user:<username_key>" or "ip:<address>"
    throttle_key    TEXT    PRIMARY KEY,
    failures        BIGINT  NOT NULL,
    last_failure_at BIGINT  NOT NULL
);

CREATE TABLE server_secrets (
    name            TEXT    PRIMARY KEY,
    value           TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
