-- Rooms, membership, and the event log with message state, reactions and mentions.

CREATE TABLE rooms (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT    NOT NULL,              -- 'direct' | 'group'
    name             TEXT    NOT NULL DEFAULT '',
    topic            TEXT    NOT NULL DEFAULT '',
    avatar_file_id   TEXT,
    encrypted        INTEGER NOT NULL DEFAULT 0,
    -- "<smaller user id>:<larger user id>" for direct rooms: one room per pair.
    direct_key       TEXT    UNIQUE,
    created_by       INTEGER NOT NULL REFERENCES users (id),
    created_at       INTEGER NOT NULL,
    -- Sequence number of the latest event; the next event gets last_seq + 1.
    last_seq         INTEGER NOT NULL DEFAULT 0,
    last_activity_at INTEGER NOT NULL,
    member_count     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE room_members (
    room_id          INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             TEXT    NOT NULL,              -- 'owner' | 'admin' | 'member'
    joined_at        INTEGER NOT NULL,
    -- Set when the user left or was removed: the last event they may see.
    left_seq         INTEGER,
    read_seq         INTEGER NOT NULL DEFAULT 0,
    delivered_seq    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user ON room_members (user_id);

CREATE TABLE events (
    -- Position in the global log. Event writers are serialised, so ids are assigned
    -- in commit order and a reader never sees id N+1 before id N.
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id          INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    kind             TEXT    NOT NULL,
    sender_id        INTEGER NOT NULL REFERENCES users (id),
    -- JSON of the event content as it happened (for messages, see the columns below).
    content          TEXT    NOT NULL,
    in_timeline      INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    -- Edits, deletions and reactions: the message they are about.
    target_seq       INTEGER,
    -- Messages only: idempotency key, current body (NULL once deleted), reply target,
    -- mentioned user ids (JSON array), edit and delete times.
    client_id        TEXT,
    body             TEXT,
    reply_to_seq     INTEGER,
    mentions         TEXT,
    edited_at        INTEGER,
    deleted_at       INTEGER,
    UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX events_sender_client_id ON events (sender_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX events_room_id ON events (room_id, id);
CREATE INDEX events_target ON events (room_id, target_seq) WHERE target_seq IS NOT NULL;

CREATE TABLE reactions (
    room_id          INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    emoji            TEXT    NOT NULL,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq, emoji, user_id)
);

CREATE TABLE mentions (
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id          INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id, seq)
);
