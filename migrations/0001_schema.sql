-- 0001: the core schema of ARCHITECTURE.md: catalog, users, follows, playlists, tokens.

CREATE TABLE authors (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
    date_of_birth  date,
    country        text,                        -- ISO 3166-1 alpha-2 where known
    status         text,                        -- e.g. active, disbanded, deceased
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX authors_name_key ON authors (name);

CREATE TABLE albums (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id      bigint NOT NULL REFERENCES authors (id),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    release_date   date,
    release_precision smallint NOT NULL DEFAULT 0,  -- 0 unknown, 1 year, 2 month, 3 day
    cover_blob     text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX albums_author_title_key ON albums (author_id, title);

CREATE TABLE songs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id      bigint NOT NULL REFERENCES authors (id),
    album_id       bigint REFERENCES albums (id),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    genre          text,
    release_date   date,
    release_precision smallint NOT NULL DEFAULT 0,
    track_number   integer,
    duration_ms    integer NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
    bitrate_kbps   integer,
    blob_key       text NOT NULL,               -- SHA-256 of the audio bytes, hex
    byte_size      bigint NOT NULL CHECK (byte_size >= 0),
    mime_type      text NOT NULL,
    play_count     bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX songs_author_idx ON songs (author_id);
CREATE INDEX songs_album_idx ON songs (album_id, track_number);
CREATE INDEX songs_blob_key_idx ON songs (blob_key);

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username       text NOT NULL,
    password_hash  text NOT NULL,
    billing_id     text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- Bearer tokens: only a SHA-256 of the token is stored.
CREATE TABLE tokens (
    token_hash     bytea PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX tokens_user_idx ON tokens (user_id);

CREATE TABLE follows (
    follower_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followee_idx ON follows (followee_id, created_at);

CREATE TABLE author_follows (
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id      bigint NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, author_id)
);
CREATE INDEX author_follows_author_idx ON author_follows (author_id);

CREATE TABLE liked_songs (
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    song_id        bigint NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
    added_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, song_id)
);
CREATE INDEX liked_songs_recent_idx ON liked_songs (user_id, added_at DESC);

CREATE TABLE playlists (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description    text NOT NULL DEFAULT '',
    is_public      boolean NOT NULL DEFAULT true,
    snapshot       bigint NOT NULL DEFAULT 1,   -- bumped by every change
    item_count     integer NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX playlists_owner_idx ON playlists (owner_id, id);

CREATE TABLE playlist_items (
    playlist_id    bigint NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    position       integer NOT NULL CHECK (position >= 0),
    song_id        bigint NOT NULL REFERENCES songs (id),
    added_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (playlist_id, position) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE TABLE playlist_follows (
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    playlist_id    bigint NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, playlist_id)
);
