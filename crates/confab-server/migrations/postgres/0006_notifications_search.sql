-- Notifications (records, per-room levels, do-not-disturb, Web Push subscriptions
-- and retries) and the full-text search index of messages.

-- A consumer of the event log and how far it has read: the notifier records
-- notifications for every event up to `position`, in the same transaction.
CREATE TABLE log_cursors (
    name             TEXT    PRIMARY KEY,
    position         BIGINT NOT NULL
);
-- Notifications start with the events committed after this migration.
INSERT INTO log_cursors (name, position) SELECT 'notifications', COALESCE(MAX(id), 0) FROM events;

CREATE TABLE notifications (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id          BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    event_id         BIGINT NOT NULL,
    kind             TEXT    NOT NULL,
    actor_id         BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    read_at          BIGINT,
    -- JSON: excerpt, emoji, role, room name.
    details          TEXT    NOT NULL,
    -- When to push it if still unread and the user has no active device; NULL once
    -- handled or when it is not to be pushed.
    push_at          BIGINT,
    UNIQUE (user_id, event_id)
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, room_id, seq) WHERE read_at IS NULL;
CREATE INDEX notifications_push ON notifications (push_at) WHERE push_at IS NOT NULL;

-- NULL: the room kind's default ('all' for direct rooms, 'mentions' for groups).
ALTER TABLE room_members ADD COLUMN notification_level TEXT;

CREATE TABLE notification_settings (
    user_id          BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    dnd_until        BIGINT,
    -- JSON of the quiet hours, or NULL.
    quiet_hours      TEXT,
    reactions        BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE push_subscriptions (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id       BIGINT NOT NULL REFERENCES device_sessions (id) ON DELETE CASCADE,
    endpoint         TEXT    NOT NULL UNIQUE,
    p256dh           TEXT    NOT NULL,
    auth             TEXT    NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- A push that failed for a reason worth retrying, and when to try again.
CREATE TABLE push_retries (
    notification_id  BIGINT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    subscription_id  BIGINT NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    attempts         BIGINT NOT NULL,
    due_at           BIGINT NOT NULL,
    PRIMARY KEY (notification_id, subscription_id)
);
CREATE INDEX push_retries_due ON push_retries (due_at);

-- The text of every message that is not deleted, in plain rooms only, folded to
-- lower case by the server (the same folding on both backends), fed in the
-- transaction that stores, edits or deletes the message.
CREATE TABLE message_search (
    event_id         BIGINT PRIMARY KEY,
    room_id          BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    sender_id        BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    has_attachment   BIGINT NOT NULL,
    text             TEXT    NOT NULL
);
CREATE INDEX message_search_room ON message_search (room_id, event_id);

-- Trigram index (pg_trgm, a trusted extension: the database owner may create it):
-- matches any part of a word of three characters or more, in any script.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX message_search_text ON message_search USING gin (text gin_trgm_ops);

-- Messages stored before this migration are indexed by the server at start, in
-- batches, up to this event id (the row is removed when done).
CREATE TABLE search_backfill (
    upto             BIGINT NOT NULL
);
INSERT INTO search_backfill (upto) SELECT COALESCE(MAX(id), 0) FROM events;
