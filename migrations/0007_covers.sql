-- 0007: cover art. A cover is an image found at ingest (embedded in a file, or a
-- folder image), stored as a blob under its SHA-256 with its served sizes (JPEG, 64,
-- 300 and 640 px on the longer side), each a blob too.
CREATE TABLE covers (
    image_key   text PRIMARY KEY,  -- the original image's blob key
    mime_type   text NOT NULL,
    width       integer NOT NULL CHECK (width > 0),
    height      integer NOT NULL CHECK (height > 0),
    small_key   text NOT NULL,     -- 64 px
    medium_key  text NOT NULL,     -- 300 px
    large_key   text NOT NULL,     -- 640 px
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A song's own picture; an album's cover is the first picture found among its songs
-- (albums.cover_blob, unused until now, names it).
ALTER TABLE songs ADD COLUMN cover_key text REFERENCES covers (image_key);
ALTER TABLE albums ADD CONSTRAINT albums_cover_blob_fkey FOREIGN KEY (cover_blob) REFERENCES covers (image_key);
