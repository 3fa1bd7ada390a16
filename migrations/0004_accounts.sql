-- 0004: accounts, following, library and playlists: counters kept with each change
-- (COUNT(*) over a celebrity's millions of followers would be too slow per request)
-- and indexes for the paged lists.

ALTER TABLE users ADD COLUMN followers_count bigint NOT NULL DEFAULT 0 CHECK (followers_count >= 0);
ALTER TABLE users ADD COLUMN following_count bigint NOT NULL DEFAULT 0 CHECK (following_count >= 0);
-- Not in the search triggers' column lists (authors_version_edit is UPDATE OF name,
-- country), so a follow does not make the search index rebuild.
ALTER TABLE authors ADD COLUMN followers_count bigint NOT NULL DEFAULT 0 CHECK (followers_count >= 0);
ALTER TABLE playlists ADD COLUMN followers_count bigint NOT NULL DEFAULT 0 CHECK (followers_count >= 0);

-- Newest first lists: who a user follows, authors a user follows, playlists followed.
CREATE INDEX follows_follower_idx ON follows (follower_id, created_at DESC, followee_id);
DROP INDEX follows_followee_idx;
CREATE INDEX follows_followee_idx ON follows (followee_id, created_at DESC, follower_id);
CREATE INDEX author_follows_user_idx ON author_follows (user_id, created_at DESC, author_id);
CREATE INDEX playlist_follows_playlist_idx ON playlist_follows (playlist_id);
CREATE INDEX playlist_follows_user_idx ON playlist_follows (user_id, created_at DESC, playlist_id);
-- Expired sessions are deleted by age.
CREATE INDEX tokens_expires_idx ON tokens (expires_at);
