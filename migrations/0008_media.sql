-- 0008: renditions and loudness. A rendition is an encoded version of a song (Opus
-- in Ogg, AAC in M4A; names in media/renditions.hpp), a blob under its SHA-256 like
-- the original. media_jobs is the queue of songs still to encode or measure: ingest
-- adds a song, `tonearm renditions` takes it (a lease, so runners can share the queue
-- and a crashed one's songs come back) and deletes it when done; a failure waits
-- longer after each attempt.
CREATE TABLE renditions (
    song_id       bigint NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
    format        text NOT NULL CHECK (format IN ('opus-96', 'opus-160', 'opus-256', 'aac-128')),
    blob_key      text NOT NULL,
    byte_size     bigint NOT NULL CHECK (byte_size > 0),
    bitrate_kbps  integer NOT NULL CHECK (bitrate_kbps > 0),
    duration_ms   integer NOT NULL CHECK (duration_ms >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (song_id, format)
);
CREATE INDEX renditions_blob_key_idx ON renditions (blob_key);

CREATE TABLE media_jobs (
    song_id       bigint PRIMARY KEY REFERENCES songs (id) ON DELETE CASCADE,
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    not_before    timestamptz NOT NULL DEFAULT now(),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_jobs_due_idx ON media_jobs (not_before, song_id);

-- EBU R128: integrated loudness (LUFS; -70 for silence) and true peak (dBTP; NULL
-- for digital silence). An album's loudness is its tracks' energy mean, weighted by
-- duration; its peak, their highest.
ALTER TABLE songs ADD COLUMN loudness_lufs real, ADD COLUMN true_peak_dbtp real;
ALTER TABLE albums ADD COLUMN loudness_lufs real, ADD COLUMN true_peak_dbtp real;

-- The songs already in the catalog are measured and encoded by the next job run.
INSERT INTO media_jobs (song_id) SELECT id FROM songs;
