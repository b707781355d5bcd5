-- Whether an account is listed in user search for people it shares no room with
-- (1, the default) or not (0). Exact username lookups find it either way.
ALTER TABLE users ADD COLUMN discoverable BIGINT NOT NULL DEFAULT 1;
