-- End-to-end encryption (MLS): each device's signature key, the key packages
-- waiting to be claimed, the group of each encrypted room with its leaves, and the
-- Welcomes waiting for the devices they add. Nothing here decrypts anything.

-- A device session's MLS signature public key (base64); one per session, fixed.
CREATE TABLE mls_devices (
    session_id      BIGINT PRIMARY KEY REFERENCES device_sessions (id) ON DELETE CASCADE,
    user_id         BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    signature_key   TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX mls_devices_user ON mls_devices (user_id);

-- Key packages (MLSMessage, base64). A one-time one is deleted when claimed; the
-- device's last-resort one (at most one) stays.
CREATE TABLE mls_key_packages (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id      BIGINT  NOT NULL REFERENCES device_sessions (id) ON DELETE CASCADE,
    last_resort     BIGINT  NOT NULL,
    key_package     TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX mls_key_packages_session ON mls_key_packages (session_id, last_resort, id);

-- The group of an encrypted room, once a member's device created it: its epoch.
CREATE TABLE mls_groups (
    room_id         BIGINT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    epoch           BIGINT  NOT NULL
);

-- The occupied leaves of each group. A leaf outlives its session (no foreign key):
-- it stays until a commit removes it, and blocks sending until then.
CREATE TABLE mls_leaves (
    room_id         BIGINT  NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    leaf_index      BIGINT  NOT NULL,
    user_id         BIGINT  NOT NULL,
    session_id      BIGINT  NOT NULL,
    PRIMARY KEY (room_id, leaf_index)
);
CREATE UNIQUE INDEX mls_leaves_device ON mls_leaves (room_id, session_id);

-- A Welcome (MLSMessage, base64) for one device, deleted when the device takes it.
CREATE TABLE mls_welcomes (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id      BIGINT  NOT NULL REFERENCES device_sessions (id) ON DELETE CASCADE,
    room_id         BIGINT  NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    epoch           BIGINT  NOT NULL,
    welcome         TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX mls_welcomes_session ON mls_welcomes (session_id, id);

-- Which event holds the commit that started each epoch of a group; one per epoch.
CREATE TABLE mls_commits (
    room_id         BIGINT  NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    epoch           BIGINT  NOT NULL,
    seq             BIGINT  NOT NULL,
    PRIMARY KEY (room_id, epoch)
);
