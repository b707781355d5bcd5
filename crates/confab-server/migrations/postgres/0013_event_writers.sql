-- Several event writers (ARCHITECTURE.md, "Several event writers"): transactions
-- that store events no longer wait for each other, so event ids are no longer
-- committed in id order. Each such transaction first takes a marker from the
-- events' id sequence and holds the advisory lock (25446 << 48) | marker until it
-- ends. This function returns the settled position: every event id at or below it
-- is committed or never will be, so readers of the log stop there.
--
-- The order of the two reads matters. An id at or below `issued` was drawn before
-- the first read, after its transaction had locked its (lower) marker; so when the
-- second read no longer lists that marker, the transaction has ended. Reading the
-- locks first would miss a transaction that began between the two reads.
CREATE FUNCTION confab_settled_event_id() RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    issued BIGINT;
    lowest_open BIGINT;
BEGIN
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
      INTO issued
      FROM events_id_seq;
    SELECT MIN(((classid::bigint & 65535) << 32) | objid::bigint)
      INTO lowest_open
      FROM pg_locks
     WHERE locktype = 'advisory'
       AND granted
       AND objsubid = 1
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND (classid::bigint >> 16) = 25446;
    RETURN LEAST(issued, COALESCE(lowest_open - 1, issued));
END
$$;
