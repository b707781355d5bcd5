-- Rooms, membership, and the event log with message state, reactions and mentions.

CREATE TABLE rooms (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             TEXT    NOT NULL,              -- 'direct' | 'group'
    name             TEXT    NOT NULL DEFAULT '',
    topic            TEXT    NOT NULL DEFAULT '',
    avatar_file_id   TEXT,
    encrypted        BIGINT  NOT NULL DEFAULT 0,
    -- "<smaller user id>:<larger user id>" for direct rooms: one room per pair.
    direct_key       TEXT    UNIQUE,
    created_by       BIGINT  NOT NULL REFERENCES users (id),
    created_at       BIGINT  NOT NULL,
    -- Sequence number of the latest event; the next event gets last_seq + 1.
    last_seq         BIGINT  NOT NULL DEFAULT 0,
    last_activity_at BIGINT  NOT NULL,
    member_count     BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE room_members (
    room_id          BIGINT  NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id          BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             TEXT    NOT NULL,              -- 'owner' | 'admin' | 'member'
    joined_at        BIGINT  NOT NULL,
    -- Set when the user left or was removed: the last event they may see.
    left_seq         BIGINT,
    read_seq         BIGINT  NOT NULL DEFAULT 0,
    delivered_seq    BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user ON room_members (user_id);

CREATE TABLE events (
    -- Position in the global log. Event writers are serialised, so ids are assigned
    -- in commit order and a reader never sees id N+1 before id N.
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id          BIGINT  NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq              BIGINT  NOT NULL,
    kind             TEXT    NOT NULL,
    sender_id        BIGINT  NOT NULL REFERENCES users (id),
    -- JSON of the event content as it happened (for messages, see the columns below).
    content          TEXT    NOT NULL,
    in_timeline      BIGINT  NOT NULL,
    created_at       BIGINT  NOT NULL,
    -- Edits, deletions and reactions: the message they are about.
    target_seq       BIGINT,
    -- Messages only: idempotency key, current body (NULL once deleted), reply target,
    -- mentioned user ids (JSON array), edit and delete times.
    client_id        TEXT,
    body             TEXT,
    reply_to_seq     BIGINT,
    mentions         TEXT,
    edited_at        BIGINT,
    deleted_at       BIGINT,
    UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX events_sender_client_id ON events (sender_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX events_room_id ON events (room_id, id);
CREATE INDEX events_target ON events (room_id, target_seq) WHERE target_seq IS NOT NULL;

CREATE TABLE reactions (
    room_id          BIGINT  NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq              BIGINT  NOT NULL,
    emoji            TEXT    NOT NULL,
    user_id          BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       BIGINT  NOT NULL,
    PRIMARY KEY (room_id, seq, emoji, user_id)
);

CREATE TABLE mentions (
    user_id          BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id          BIGINT  NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq              BIGINT  NOT NULL,
    PRIMARY KEY (user_id, room_id, seq)
);
