-- 0003: play counts change all the time; the search index should follow them at a
-- slower pace than catalog edits. catalog_version.version now moves on catalog edits
-- only, catalog_version.popularity on play count updates.

ALTER TABLE catalog_version ADD COLUMN popularity bigint NOT NULL DEFAULT 1;

CREATE FUNCTION tonearm_bump_popularity_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_version SET popularity = popularity + 1;
  RETURN NULL;
END $$;

DROP TRIGGER songs_version ON songs;
CREATE TRIGGER songs_version AFTER INSERT OR DELETE OR TRUNCATE ON songs
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_catalog_version();
CREATE TRIGGER songs_version_edit AFTER UPDATE OF author_id, album_id, title, genre, release_date ON songs
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_catalog_version();
CREATE TRIGGER songs_popularity AFTER UPDATE OF play_count ON songs
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_popularity_version();

DROP TRIGGER authors_version ON authors;
CREATE TRIGGER authors_version AFTER INSERT OR DELETE OR TRUNCATE ON authors
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_catalog_version();
CREATE TRIGGER authors_version_edit AFTER UPDATE OF name, country ON authors
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_catalog_version();
CREATE TRIGGER authors_popularity AFTER UPDATE OF play_count ON authors
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_popularity_version();

DROP TRIGGER albums_version ON albums;
CREATE TRIGGER albums_version AFTER INSERT OR DELETE OR TRUNCATE ON albums
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_catalog_version();
CREATE TRIGGER albums_version_edit AFTER UPDATE OF title, author_id, release_date ON albums
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_catalog_version();
CREATE TRIGGER albums_popularity AFTER UPDATE OF play_count ON albums
    FOR EACH STATEMENT EXECUTE FUNCTION tonearm_bump_popularity_version();
