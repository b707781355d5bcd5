-- Link previews. A message's preview is JSON in `events.preview`
-- (store::previews::PreviewRecord), with its picture's blob in `preview_image` so
-- that the file sweep keeps it; `preview_removed` is set once the sender removed
-- it, so that a fetch finishing later does not bring it back. `link_previews`
-- caches what a link gave, by URL (`preview` NULL: nothing to show), for
-- --link-preview-cache-ttl.
ALTER TABLE events ADD COLUMN preview TEXT;
ALTER TABLE events ADD COLUMN preview_image TEXT;
ALTER TABLE events ADD COLUMN preview_removed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_preview_image ON events (preview_image) WHERE preview_image IS NOT NULL;
CREATE TABLE link_previews (
    url          TEXT PRIMARY KEY,
    preview      TEXT,
    image_sha256 TEXT,
    fetched_at   INTEGER NOT NULL
);
CREATE INDEX link_previews_image ON link_previews (image_sha256) WHERE image_sha256 IS NOT NULL;
CREATE INDEX link_previews_age ON link_previews (fetched_at);
