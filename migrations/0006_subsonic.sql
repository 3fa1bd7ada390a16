-- 0006: what existing music apps (Subsonic clients) need: per-app credentials, stars of
-- albums and artists (stars of songs are the liked songs), ratings, and the play queue
-- that follows a user from one device to the next.

-- App passwords (sealed: Subsonic's token auth needs the password back; the key is in
-- the configuration, named by key_id, never here) and API keys (only a SHA-256).
CREATE TABLE app_credentials (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('password', 'api_key')),
    label        text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    sealed       bytea,
    key_id       text,
    key_hash     bytea UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    CHECK ((kind = 'password' AND sealed IS NOT NULL AND key_id IS NOT NULL AND key_hash IS NULL)
        OR (kind = 'api_key' AND key_hash IS NOT NULL AND sealed IS NULL AND key_id IS NULL))
);
CREATE INDEX app_credentials_user_idx ON app_credentials (user_id, kind, id);

CREATE TABLE starred_albums (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id   bigint NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    starred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, album_id)
);
CREATE INDEX starred_albums_recent_idx ON starred_albums (user_id, starred_at DESC);

CREATE TABLE starred_authors (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id  bigint NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    starred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, author_id)
);
CREATE INDEX starred_authors_recent_idx ON starred_authors (user_id, starred_at DESC);

-- setRating: 1 to 5; a rating of 0 deletes the row.
CREATE TABLE ratings (
    user_id  bigint   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     "char"   NOT NULL CHECK (kind IN ('s', 'l', 'a')),  -- song, album, artist
    item_id  bigint   NOT NULL,
    rating   smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    PRIMARY KEY (user_id, kind, item_id)
);

-- One queue per user: the songs, the one playing and where in it, and who saved it.
CREATE TABLE play_queues (
    user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    song_ids    bigint[] NOT NULL,
    current_id  bigint,
    position_ms bigint NOT NULL DEFAULT 0 CHECK (position_ms >= 0),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text NOT NULL DEFAULT '' CHECK (length(changed_by) <= 100),
    CHECK (cardinality(song_ids) <= 10000)
);

-- The albums a user played lately (getAlbumList2?type=recent), one row per album.
CREATE TABLE listened_albums (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id    bigint NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    listened_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, album_id)
);
CREATE INDEX listened_albums_recent_idx ON listened_albums (user_id, listened_at DESC);

-- getAlbumList2's orders that read a page from the front of an index.
CREATE INDEX albums_created_idx ON albums (created_at DESC, id DESC);
CREATE INDEX albums_release_idx ON albums (release_date, id);
