-- Shared files: what was uploaded (the bytes live in blob storage, named by their
-- SHA-256), and which message of which room carries which file.

CREATE TABLE files (
    -- Random, unguessable (32 hex digits).
    id                 TEXT    PRIMARY KEY,
    uploader_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The uploader's idempotency key: a retried upload returns the first.
    client_id          TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    sha256             TEXT    NOT NULL,
    size               BIGINT NOT NULL,
    -- Sniffed from the bytes.
    content_type       TEXT    NOT NULL,
    -- Images only.
    width              BIGINT,
    height             BIGINT,
    thumb_sha256       TEXT,
    thumb_content_type TEXT,
    thumb_width        BIGINT,
    thumb_height       BIGINT,
    created_at         BIGINT NOT NULL,
    UNIQUE (uploader_id, client_id)
);
CREATE INDEX files_sha256 ON files (sha256);
CREATE INDEX files_thumb_sha256 ON files (thumb_sha256);

CREATE TABLE attachments (
    room_id            BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq                BIGINT NOT NULL,
    position           BIGINT NOT NULL,
    file_id            TEXT    NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    PRIMARY KEY (room_id, seq, position)
);
CREATE INDEX attachments_file ON attachments (file_id);

-- A message's attachments as sent (JSON array), cleared when it is deleted.
ALTER TABLE events ADD COLUMN attachments TEXT;
