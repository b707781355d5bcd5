-- Consent: invitations to rooms, which the invited person accepts or declines, and
-- blocking. Memberships that existed before this migration stay as they are.

CREATE TABLE invitations (
    room_id          BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_by       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX invitations_user ON invitations (user_id, created_at);
CREATE INDEX invitations_inviter ON invitations (invited_by);

CREATE TABLE blocks (
    -- user_id blocked blocked_id.
    user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (user_id, blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);
