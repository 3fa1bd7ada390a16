-- Fills an empty, migrated Tonearm database with a synthetic catalog:
--   psql -v songs=1000000 -v authors=100000 -v albums=300000 -f bench/generate-catalog.sql
-- Names are built from a vocabulary of real words whose use follows a Zipf law (so
-- "love" is common and "quixotic" rare, as in real titles); play counts follow
-- Zipf(1.0) over a scrambled ranking of the songs. Deterministic (setseed). At most
-- 1 000 000 006 songs (the ranking's prime).
\set ON_ERROR_STOP on
SELECT setseed(0.42);

CREATE TEMP TABLE vocab (i serial PRIMARY KEY, w text NOT NULL);
INSERT INTO vocab (w) SELECT regexp_split_to_table(
'love night heart time day baby life world girl way man dream fire light home eyes
sun rain blue summer soul mind road star moon city song dance tonight forever river
gold heaven angel wild sky good lost black sweet kiss hand young end cold wind boy
tears red king alone rock free blood ocean wonder shadow magic silver morning crazy
fall stay run lonely paradise storm midnight memory ghost diamond highway sunset glory
thunder velvet echo harbor mirror garden winter spring autumn falling rising broken
golden electric secret hollow neon desert island mountain valley thousand hundred
little big last first only never always again back down up under over inside outside
between beyond behind across without together apart everything nothing somebody
nobody heartbeat daylight starlight moonlight firefly butterfly hurricane tornado
lightning rainbow snowfall wildfire waterfall sunrise horizon satellite rocket planet
galaxy universe cosmos orbit gravity atlas compass anchor sail voyage journey wander
return remember forget believe wonderland carousel circus parade festival carnival
serenade lullaby ballad anthem hymn rhapsody symphony sonata overture melody harmony
rhythm groove blues jazz soul funk disco fever boogie shuffle swing tango waltz rumba
samba salsa mambo bolero fandango flamenco cha rebel outlaw cowboy sheriff bandit
pirate sailor soldier hunter dancer dreamer stranger lover fighter runner drifter
queen prince princess lady lord sister brother mother father daughter son friend
enemy honey sugar candy cherry lemon peach apple orange wine whiskey champagne coffee
cigarette radio television telephone letter postcard photograph picture window door
street avenue boulevard alley bridge tunnel station train airplane car motor engine
wheel chrome steel iron stone glass paper feather velvet leather satin silk lace
crystal pearl ruby emerald sapphire amber ivory ebony scarlet crimson violet indigo
purple yellow green white grey pink brown copper bronze platinum quixotic ephemeral
luminous serene tender gentle fierce brave bold quiet loud slow fast high low deep
shallow empty full open closed hidden lucky wicked holy sacred savage modern ancient
endless timeless restless fearless careless hopeless breathless senseless faithless
ruthless mercy grace faith hope chance fate destiny karma dharma nirvana zen chaos
order system machine digital analog signal static noise silence whisper scream shout
cry laugh smile frown sigh breath pulse vein bone skin flesh spirit ghost phantom demon
devil saint sinner prayer church chapel temple tower castle palace kingdom empire
republic nation border frontier colony harvest orchard meadow prairie forest jungle
swamp canyon glacier volcano crater comet meteor eclipse solstice equinox tide wave
current stream creek lake sea bay coast shore beach sand dust ash smoke flame spark
ember blaze inferno frost ice snow hail mist fog cloud breeze gale tempest'
, '\s+');
-- One row per distinct word, ids 1..n in list order (common words first).
CREATE TEMP TABLE words AS
  SELECT row_number() OVER (ORDER BY first_i) AS i, w FROM (SELECT w, min(i) AS first_i FROM vocab WHERE w <> '' GROUP BY w) d;
CREATE UNIQUE INDEX ON words (i);
SELECT count(*) AS vocabulary FROM words \gset

-- A Zipf-distributed word index in 1..vocabulary: floor(n^u) is log-uniform, close
-- to Zipf(1) for ranks, and cheap.
SELECT format('CREATE FUNCTION pg_temp.zipf_word() RETURNS text LANGUAGE sql VOLATILE AS '
              '$f$ SELECT (SELECT w FROM words WHERE i = pick) FROM '
              '(SELECT least(floor(exp(random() * ln(%s)))::int, %s) AS pick) p $f$',
              :vocabulary, :vocabulary) \gexec

CREATE TEMP TABLE first_names (n text);
INSERT INTO first_names SELECT regexp_split_to_table('Anna Ben Clara David Elena Felix Greta Hugo Ines Jonas
Kira Leo Mara Nils Olga Pablo Quinn Rosa Sven Tara Uma Viktor Wanda Xavier Yara Zoe Ahmed Bjorn Chloe Diego
Emil Freya Goran Hana Ivan Jules Katya Lars Mei Noor Oskar Priya Rafael Sofia Tomas Yuki Zainab Aiko Bruno
Carmen Dmitri', '\s+');
CREATE TEMP TABLE last_names (n text);
INSERT INTO last_names SELECT regexp_split_to_table('Smith Novak Garcia Muller Rossi Dubois Silva Kowalski
Jensen Nakamura Kim Okafor Petrov Larsen Costa Moreau Fischer Lindqvist Haddad Ivanova Tanaka Reyes Bauer
Andersen Moretti Santos Horvat Eriksson Schmidt Lopez Weber Nilsson Kovacs Popescu Yilmaz Murphy Walsh Byrne
Kelly Chen Wang Singh Patel Khan Ali Cohen Levy Rivera Torres', '\s+');

\echo authors...
ALTER TABLE authors DISABLE TRIGGER authors_renamed;
INSERT INTO authors (name, country, status, date_of_birth)
SELECT name,
       (ARRAY['US','GB','SE','DE','FR','IS','NO','JP','BR','CA','AU','ES','IT','NL','KR','NG','MX','IE','PL','FI'])
         [1 + floor(random() * 20)::int],
       (ARRAY['active','active','active','disbanded','deceased'])[1 + floor(random() * 5)::int],
       CASE WHEN kind = 2 THEN date '1940-01-01' + floor(random() * 22000)::int END
FROM (
  SELECT DISTINCT ON (name) name, kind FROM (
    SELECT g, kind,
           CASE kind
             WHEN 0 THEN initcap(pg_temp.zipf_word() || ' ' || pg_temp.zipf_word())
             WHEN 1 THEN 'The ' || initcap(pg_temp.zipf_word()) || ' ' || initcap(pg_temp.zipf_word()) || 's'
             ELSE fn[1 + floor(random() * cardinality(fn))::int] || ' ' ||
                  ln[1 + floor(random() * cardinality(ln))::int] ||
                  CASE WHEN random() < 0.7 THEN ' ' || (g % 1000)::text ELSE '' END
           END AS name
    FROM (SELECT g, floor(random() * 3)::int AS kind FROM generate_series(1, (:authors * 3)::int) g) s,
         (SELECT array_agg(n) AS fn FROM first_names) f, (SELECT array_agg(n) AS ln FROM last_names) l
  ) named
) uniq
ORDER BY random()
LIMIT :authors;
ALTER TABLE authors ENABLE TRIGGER authors_renamed;
SELECT min(id) AS first_author, count(*) AS author_count FROM authors \gset

\echo albums...
ALTER TABLE albums DISABLE TRIGGER albums_tsv;
ALTER TABLE albums DISABLE TRIGGER albums_renamed;
INSERT INTO albums (author_id, title, release_date, release_precision)
SELECT DISTINCT ON (author_id, title) author_id, title, release_date, 3
FROM (
  SELECT :first_author + floor(random() * :author_count)::int AS author_id,
         initcap(pg_temp.zipf_word() || CASE WHEN random() < 0.6 THEN ' ' || pg_temp.zipf_word() ELSE '' END) AS title,
         date '1955-01-01' + floor(random() * 25000)::int AS release_date
  FROM generate_series(1, (:albums * 1.1)::int)
) a
LIMIT :albums;
UPDATE albums al SET search_tsv =
    setweight(to_tsvector('simple', tonearm_fold(al.title)), 'A') ||
    setweight(to_tsvector('simple', a.name_fold), 'B')
FROM authors a WHERE a.id = al.author_id;
ALTER TABLE albums ENABLE TRIGGER albums_tsv;
ALTER TABLE albums ENABLE TRIGGER albums_renamed;
SELECT min(id) AS first_album, count(*) AS album_count FROM albums \gset

\echo songs...
ALTER TABLE songs DISABLE TRIGGER songs_tsv;
INSERT INTO songs (author_id, album_id, title, genre, release_date, release_precision, track_number,
                   duration_ms, bitrate_kbps, blob_key, byte_size, mime_type, play_count, search_tsv)
SELECT al.author_id, al.id, s.title,
       (ARRAY['Rock','Pop','Jazz','Electronic','Hip-Hop','Folk','Classical','Soul','Metal','Reggae','Blues',
              'Country','Punk','House','Techno','Latin','R&B','Indie','Ambient','Disco'])[1 + floor(random() * 20)::int],
       al.release_date, 3, s.track, s.duration, 256,
       md5(s.g::text) || md5((s.g::bigint * 7919)::text), s.duration * 32, 'audio/mpeg',
       -- Zipf(1.0) over a scrambled ranking (g * p mod n is a permutation of 0..n-1 for
       -- a prime p above n), so popularity is known at insert time (no UPDATE of every
       -- song afterwards: at 10 M that UPDATE, firing its trigger per row, took most
       -- of an hour) and owes nothing to the id order.
       floor(10000000.0 / (1 + (s.g::bigint * 1000000007) % :songs))::bigint,
       setweight(to_tsvector('simple', tonearm_fold(s.title)), 'A') ||
       setweight(to_tsvector('simple', a.name_fold), 'B') ||
       setweight(to_tsvector('simple', tonearm_fold(al.title)), 'C')
FROM (
  SELECT g,
         :first_album + floor(random() * :album_count)::int AS album_id,
         initcap(pg_temp.zipf_word() ||
                 CASE WHEN random() < 0.8 THEN ' ' || pg_temp.zipf_word() ELSE '' END ||
                 CASE WHEN random() < 0.4 THEN ' ' || pg_temp.zipf_word() ELSE '' END) AS title,
         1 + floor(random() * 14)::int AS track,
         120000 + floor(random() * 240000)::int AS duration
  FROM generate_series(1, :songs) g
) s
JOIN albums al ON al.id = s.album_id
JOIN authors a ON a.id = al.author_id;
ALTER TABLE songs ENABLE TRIGGER songs_tsv;

\echo popularity...
-- The songs' plays came with them (above); the authors' and albums' are their sums.
UPDATE authors a SET play_count = t.plays FROM
  (SELECT author_id, sum(play_count) AS plays FROM songs GROUP BY author_id) t WHERE t.author_id = a.id;
UPDATE albums a SET play_count = t.plays FROM
  (SELECT album_id, sum(play_count) AS plays FROM songs GROUP BY album_id) t WHERE t.album_id = a.id;

\echo dictionary...
SELECT tonearm_refresh_search_words() AS dictionary_words;
VACUUM ANALYZE authors;
VACUUM ANALYZE albums;
VACUUM ANALYZE songs;
VACUUM ANALYZE search_words;
SELECT (SELECT count(*) FROM songs) AS songs, (SELECT count(*) FROM authors) AS authors,
       (SELECT count(*) FROM albums) AS albums;
