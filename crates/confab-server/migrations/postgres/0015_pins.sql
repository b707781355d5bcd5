-- Pinned messages. `rooms.pinning` says who may pin ('admins' | 'everyone'); both
-- people of a direct room pin. A pin names a message by its room and seq; deleting
-- the message deletes its pin (store::sql::pin_changes).
ALTER TABLE rooms ADD COLUMN pinning TEXT NOT NULL DEFAULT 'admins';
UPDATE rooms SET pinning = 'everyone' WHERE kind = 'direct';
CREATE TABLE pins (
    room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    pinned_by BIGINT NOT NULL REFERENCES users (id),
    pinned_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, seq)
);
CREATE INDEX pins_by_time ON pins (room_id, pinned_at DESC);
