-- Public channels and announcement rooms: who may join a group ('private': people
-- invited; 'public': anyone signed in, and it is listed in the channel directory)
-- and who may post in it ('everyone' | 'admins'). `directory_text` is the folded
-- name and topic the directory searches (store::rooms::directory_text), kept
-- current by every rename and topic change.
ALTER TABLE rooms ADD COLUMN visibility TEXT NOT NULL DEFAULT 'private';
ALTER TABLE rooms ADD COLUMN posting TEXT NOT NULL DEFAULT 'everyone';
ALTER TABLE rooms ADD COLUMN directory_text TEXT NOT NULL DEFAULT '';
CREATE INDEX rooms_directory ON rooms (member_count DESC, id) WHERE visibility = 'public';
