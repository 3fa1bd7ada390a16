-- 0002: search. Accent- and case-folded full text (weights: title A, author B,
-- album C) for exact and prefix matches, and a dictionary of catalog words with a
-- trigram index for typo correction ("radiohaed" -> "radiohead"), as in the
-- PostgreSQL pg_trgm docs: correcting a few query words against ~10^5 distinct words
-- is far cheaper than fuzzy-matching 10^8 songs.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;  -- levenshtein() to vet trigram candidates

-- lower(unaccent(x)); IMMUTABLE so it can back indexes and generated columns (the
-- unaccent dictionary is fixed per installation).
CREATE FUNCTION tonearm_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

ALTER TABLE authors ADD COLUMN name_fold text GENERATED ALWAYS AS (tonearm_fold(name)) STORED;
ALTER TABLE authors ADD COLUMN search_tsv tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', tonearm_fold(name))) STORED;
ALTER TABLE authors ADD COLUMN play_count bigint NOT NULL DEFAULT 0;  -- sum over songs, refreshed with counts
CREATE INDEX authors_search_idx ON authors USING gin (search_tsv);
CREATE INDEX authors_name_fold_idx ON authors (name_fold);
CREATE INDEX authors_country_idx ON authors (upper(country));
CREATE INDEX authors_popular_idx ON authors (play_count DESC, id);

ALTER TABLE albums ADD COLUMN search_tsv tsvector;
ALTER TABLE albums ADD COLUMN play_count bigint NOT NULL DEFAULT 0;
CREATE INDEX albums_search_idx ON albums USING gin (search_tsv);
CREATE INDEX albums_popular_idx ON albums (play_count DESC, id);
CREATE INDEX albums_title_fold_idx ON albums (tonearm_fold(title));

ALTER TABLE songs ADD COLUMN search_tsv tsvector;
ALTER TABLE songs ADD COLUMN genre_fold text GENERATED ALWAYS AS (tonearm_fold(genre)) STORED;
ALTER TABLE songs ADD COLUMN release_year integer
    GENERATED ALWAYS AS (extract(year FROM release_date)::integer) STORED;
CREATE INDEX songs_search_idx ON songs USING gin (search_tsv);
CREATE INDEX songs_genre_idx ON songs (genre_fold);
CREATE INDEX songs_year_idx ON songs (release_year);
-- The popularity walk of search: an index-only scan that tests the document and the
-- filters without visiting the table.
CREATE INDEX songs_popular_idx ON songs (play_count DESC, id)
    INCLUDE (search_tsv, genre_fold, release_year, author_id);
CREATE INDEX songs_title_fold_idx ON songs (tonearm_fold(title));  -- "a title equal to the query"
CREATE UNIQUE INDEX songs_blob_key_key ON songs (blob_key);
DROP INDEX songs_blob_key_idx;

-- Songs: the document is the song's title, its author's name and its album's title.
CREATE FUNCTION tonearm_song_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_tsv :=
      setweight(to_tsvector('simple', tonearm_fold(NEW.title)), 'A') ||
      setweight(to_tsvector('simple', coalesce((SELECT name_fold FROM authors WHERE id = NEW.author_id), '')), 'B') ||
      setweight(to_tsvector('simple', coalesce((SELECT tonearm_fold(title) FROM albums WHERE id = NEW.album_id), '')), 'C');
  RETURN NEW;
END $$;
CREATE TRIGGER songs_tsv BEFORE INSERT OR UPDATE OF title, author_id, album_id ON songs
    FOR EACH ROW EXECUTE FUNCTION tonearm_song_tsv();

CREATE FUNCTION tonearm_album_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_tsv :=
      setweight(to_tsvector('simple', tonearm_fold(NEW.title)), 'A') ||
      setweight(to_tsvector('simple', coalesce((SELECT name_fold FROM authors WHERE id = NEW.author_id), '')), 'B');
  RETURN NEW;
END $$;
CREATE TRIGGER albums_tsv BEFORE INSERT OR UPDATE OF title, author_id ON albums
    FOR EACH ROW EXECUTE FUNCTION tonearm_album_tsv();

-- A renamed author or album re-indexes what mentions it.
CREATE FUNCTION tonearm_author_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE songs SET title = title WHERE author_id = NEW.id;
  UPDATE albums SET title = title WHERE author_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER authors_renamed AFTER UPDATE OF name ON authors
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION tonearm_author_renamed();

CREATE FUNCTION tonearm_album_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE songs SET title = title WHERE album_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER albums_renamed AFTER UPDATE OF title ON albums
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION tonearm_album_renamed();

-- The dictionary for typo correction: every distinct word of the catalog.
CREATE TABLE search_words (
    word  text COLLATE "C" PRIMARY KEY,
    ndoc  integer NOT NULL DEFAULT 0   -- songs containing it: common words win ties
);
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);

-- Rebuilds the dictionary from the songs' documents; ingest and the bench generator
-- call it after loading. Words of one letter carry no typo signal and are left out.
CREATE FUNCTION tonearm_refresh_search_words() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
  INSERT INTO search_words (word, ndoc)
      SELECT word, ndoc FROM ts_stat('SELECT search_tsv FROM songs') WHERE length(word) > 1
  ON CONFLICT (word) DO UPDATE SET ndoc = EXCLUDED.ndoc;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- A counter that moves whenever the catalog changes, so servers know when to rebuild
-- their in-process search indexes (statement-level: one bump per statement).
CREATE TABLE catalog_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL
);
INSERT INTO catalog_version VALUES (true, 1);
CREATE FUNCTION tonearm_bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_version SET version = version + 1;
  RETURN NULL;
END $$;
CREATE TRIGGER songs_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON songs
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_catalog_version();
CREATE TRIGGER authors_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON authors
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_catalog_version();
CREATE TRIGGER albums_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON albums
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_catalog_version();
CREATE TRIGGER search_words_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON search_words
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_catalog_version();
