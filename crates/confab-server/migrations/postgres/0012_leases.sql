-- Leases: work that one node of several does for all of them (recording
-- notifications from the log) belongs to the node that holds its lease. A holder
-- renews it while it works; once it expires (the node died), another node claims it.
CREATE TABLE leases (
    name        TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL
);
