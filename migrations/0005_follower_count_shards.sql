-- 0005: followers counted in 16 rows per user, author or playlist instead of one
-- column. A celebrity's release makes thousands follow at once; one counter row takes
-- them one at a time (each follow waits for the previous one's commit). A follow adds
-- to the row of shard (follower id % 16), a read sums at most 16 rows by primary key
-- (bench/follow-bench: about 2x the follows/s of one row).
-- A follow and its unfollow use the same shard, so no shard goes below zero.
--
-- Deploying: this drops the old columns, which older tonearm binaries read, so stop
-- them before the first new instance starts (it applies the migration). The locks
-- below make the move exact even if an old instance is still writing: its follows
-- wait, then fail on the missing column instead of being lost from the counts.

SET LOCAL lock_timeout = '30s';
LOCK TABLE users, authors, playlists, follows, author_follows, playlist_follows IN ACCESS EXCLUSIVE MODE;

CREATE TABLE follower_counts (
    kind   "char"   NOT NULL CHECK (kind IN ('u', 'a', 'p')),  -- user, author, playlist
    id     bigint   NOT NULL,
    shard  smallint NOT NULL CHECK (shard >= 0 AND shard < 16),
    n      bigint   NOT NULL,  -- no CHECK: the INSERT of an unfollow (-1) is checked before ON CONFLICT
    PRIMARY KEY (kind, id, shard)
);

-- Counted again from the follow rows (the truth), on the shards new follows will use.
INSERT INTO follower_counts (kind, id, shard, n)
    SELECT 'u', followee_id, follower_id % 16, count(*) FROM follows GROUP BY 2, 3
    UNION ALL SELECT 'a', author_id, user_id % 16, count(*) FROM author_follows GROUP BY 2, 3
    UNION ALL SELECT 'p', playlist_id, user_id % 16, count(*) FROM playlist_follows GROUP BY 2, 3;

ALTER TABLE users DROP COLUMN followers_count;
ALTER TABLE authors DROP COLUMN followers_count;
ALTER TABLE playlists DROP COLUMN followers_count;
