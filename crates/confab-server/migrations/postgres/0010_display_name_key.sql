-- People search matches display names too: each word of the display name, folded
-- (lower case, as `store::search::fold`), is matched by prefix. Filled by the server
-- at start for accounts made before this migration (then kept at every change).
ALTER TABLE users ADD COLUMN display_name_key TEXT NOT NULL DEFAULT '';
