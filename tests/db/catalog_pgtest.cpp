// Catalog against real PostgreSQL and real files: blob store, ingest, search ranking.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "test_support.hpp"
#include "tonearm/catalog/ingest.hpp"
#include "tonearm/catalog/search_service.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/catalog_repository.hpp"
#include "tonearm/store/catalog_writer.hpp"
#include "tonearm/store/migrations.hpp"

namespace tonearm::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tonearm::testing::scratch_database;
using tonearm::testing::temp_dir;

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

std::size_t count_files(const fs::path& root) {
  std::size_t n = 0;
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) ++n;
  return n;
}

// ---- blob store ----

TEST(Sha256File, MatchesTheStandardTestVector) {
  temp_dir dir;
  write_file(dir.path() + "/abc", "abc");
  std::uint64_t size = 0;
  EXPECT_EQ(sha256_file(dir.path() + "/abc", &size), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(size, 3u);
}

TEST(LocalBlobStore, StoresUnderItsKeyAndReadsAnyRange) {
  temp_dir dir;
  local_blob_store blobs(dir.path() + "/blobs");
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>(i * 7));
  write_file(dir.path() + "/src", data);
  auto key = sha256_file(dir.path() + "/src");
  EXPECT_TRUE(blobs.put_file(key, dir.path() + "/src"));
  EXPECT_EQ(blobs.path_for(key), fs::path(dir.path() + "/blobs/" + key.substr(0, 2) + "/" + key.substr(2, 2) + "/" + key));
  auto reader = blobs.open(key);
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->size(), data.size());
  char buf[10];
  ASSERT_EQ(reader->read(99995, buf, sizeof buf), 5u);
  EXPECT_EQ(std::string(buf, 5), data.substr(99995));
  EXPECT_EQ(reader->read(100000, buf, sizeof buf), 0u);
}

TEST(LocalBlobStore, SecondPutOfTheSameKeyWritesNothing) {
  temp_dir dir;
  local_blob_store blobs(dir.path() + "/blobs");
  write_file(dir.path() + "/src", "hello");
  auto key = sha256_file(dir.path() + "/src");
  EXPECT_TRUE(blobs.put_file(key, dir.path() + "/src"));
  EXPECT_FALSE(blobs.put_file(key, dir.path() + "/src"));
  EXPECT_EQ(count_files(dir.path() + "/blobs"), 1u) << "no temp file left behind";
}

TEST(LocalBlobStore, MissingBlobIsNullAndBadKeysAreRefused) {
  temp_dir dir;
  local_blob_store blobs(dir.path());
  EXPECT_EQ(blobs.open(std::string(64, 'a')), nullptr);
  EXPECT_THROW(blobs.open("../../etc/passwd"), std::invalid_argument);
  EXPECT_THROW(blobs.open(std::string(64, 'A')), std::invalid_argument);
  EXPECT_THROW(blobs.open(std::string(63, 'a') + "/"), std::invalid_argument);
}

TEST(LocalBlobStore, KeepsRecentBlobsOpenAndSharesThem) {
  temp_dir dir;
  local_blob_store blobs(dir.path() + "/blobs", 2);
  std::vector<std::string> keys;
  for (std::string text : {"one", "two", "three"}) {
    write_file(dir.path() + "/src", text);
    keys.push_back(sha256_file(dir.path() + "/src"));
    ASSERT_TRUE(blobs.put_file(keys.back(), dir.path() + "/src"));
  }
  auto a = blobs.open(keys[0]);
  auto b = blobs.open(keys[0]);
  EXPECT_EQ(a->native_handle(), b->native_handle()) << "one descriptor for both readers";
  // Deleted while open: still served from the open descriptor (blobs never change).
  fs::remove(blobs.path_for(keys[0]));
  auto c = blobs.open(keys[0]);
  ASSERT_TRUE(c);
  char buf[8];
  EXPECT_EQ(std::string(buf, c->read(0, buf, sizeof buf)), "one");
  // Two more blobs push it out of the two open ones: now it is missing.
  blobs.open(keys[1]);
  blobs.open(keys[2]);
  EXPECT_EQ(blobs.open(keys[0]), nullptr);
  EXPECT_EQ(std::string(buf, a->read(0, buf, sizeof buf)), "one") << "a reader keeps its descriptor after eviction";
}

TEST(LocalBlobStore, WithNoOpenCacheEveryOpenReadsTheDirectory) {
  temp_dir dir;
  local_blob_store blobs(dir.path() + "/blobs", 0);
  write_file(dir.path() + "/src", "x");
  auto key = sha256_file(dir.path() + "/src");
  ASSERT_TRUE(blobs.put_file(key, dir.path() + "/src"));
  ASSERT_TRUE(blobs.open(key));
  fs::remove(blobs.path_for(key));
  EXPECT_EQ(blobs.open(key), nullptr);
}

// ---- ingest ----

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    apply_migrations(db.url(), embedded_migrations());
    auto audio = fs::path(tonearm::testing::test_audio_dir());
    for (const char* f : {"01-Karma-Police.mp3", "06-Joga.mp3", "10-Hoppipolla.opus", "17-Teardrop.m4a",
                          "24-So-What.flac", "05-Idioteque.ogg", "field-recording-50.mp3", "authors.json"})
      fs::copy_file(audio / f, fs::path(input.path()) / f);
    fs::create_directories(input.path() + "/nested");
    fs::copy_file(audio / "01-Karma-Police.mp3", input.path() + "/nested/same-bytes-other-name.mp3");
    write_file(input.path() + "/broken.mp3", std::string(5000, '\x42'));
    write_file(input.path() + "/notes.txt", "not audio");
  }

  catalog::ingest_summary run() {
    pg_pool pool(db.url(), 2, 2000ms);
    catalog_writer writer(pool);
    return catalog::ingest({input.path()}, blobs, writer, {});
  }

  scratch_database db;
  temp_dir input, blob_dir;
  local_blob_store blobs{blob_dir.path()};
};

TEST_F(IngestTest, AddsEachDistinctSongAndReportsSkippedFiles) {
  auto s = run();
  EXPECT_EQ(s.added, 7);
  EXPECT_EQ(s.unchanged, 1) << "the same bytes under another name";
  EXPECT_EQ(s.skipped, 2);
  std::set<std::string> skipped;
  for (const auto& [path, reason] : s.skipped_files) {
    skipped.insert(fs::path(path).filename().string());
    EXPECT_FALSE(reason.empty());
  }
  EXPECT_EQ(skipped, (std::set<std::string>{"broken.mp3", "notes.txt"}));
  EXPECT_EQ(db.query("SELECT count(*) FROM songs")[0], "7");
  EXPECT_EQ(count_files(blob_dir.path()), 7u) << "one blob per distinct content";
  EXPECT_GT(s.bytes_stored, 0u);
}

TEST_F(IngestTest, RunningTwiceChangesNothing) {
  run();
  auto before = db.query("SELECT string_agg(id || title || blob_key, ',' ORDER BY id) FROM songs");
  auto s = run();
  EXPECT_EQ(s.added, 0);
  EXPECT_EQ(s.unchanged, 8);
  EXPECT_EQ(s.bytes_stored, 0u);
  EXPECT_EQ(db.query("SELECT string_agg(id || title || blob_key, ',' ORDER BY id) FROM songs"), before);
  EXPECT_EQ(db.query("SELECT count(*) FROM authors")[0], db.query("SELECT count(DISTINCT author_id) FROM songs")[0]);
}

TEST_F(IngestTest, KeepsTagsExactlyAsTaggedIncludingNonAscii) {
  run();
  EXPECT_EQ(db.query("SELECT a.name FROM songs s JOIN authors a ON a.id = s.author_id WHERE s.title = 'Jóga'")[0],
            "Björk");
  EXPECT_EQ(db.query("SELECT al.title FROM songs s JOIN albums al ON al.id = s.album_id WHERE s.title = 'Hoppípolla'")[0],
            "Takk…");
  auto row = db.query("SELECT genre || '|' || release_date || '|' || release_precision || '|' || track_number"
                      " FROM songs WHERE title = 'Karma Police'");
  EXPECT_EQ(row[0], "Rock|1997-05-21|3|6");
}

TEST_F(IngestTest, RecordsMimeTypeDurationAndSizePerFormat) {
  run();
  auto mime = [&](const char* title) {
    return db.query(std::string("SELECT mime_type FROM songs WHERE title = '") + title + "'")[0];
  };
  EXPECT_EQ(mime("Karma Police"), "audio/mpeg");
  EXPECT_EQ(mime("Hoppípolla"), "audio/ogg; codecs=opus");
  EXPECT_EQ(mime("Teardrop"), "audio/mp4");
  EXPECT_EQ(mime("So What"), "audio/flac");
  EXPECT_EQ(mime("Idioteque"), "audio/ogg");
  auto duration = std::stoi(db.query("SELECT duration_ms FROM songs WHERE title = 'Karma Police'")[0]);
  EXPECT_NEAR(duration, 40000, 500);
  auto size = db.query("SELECT byte_size FROM songs WHERE title = 'Karma Police'")[0];
  EXPECT_EQ(std::stoull(size), fs::file_size(input.path() + "/01-Karma-Police.mp3"));
}

TEST_F(IngestTest, MissingTagsFallBackToFileNameAndUnknownArtist) {
  run();
  auto row = db.query("SELECT s.title || '|' || a.name || '|' || (s.album_id IS NULL) FROM songs s"
                      " JOIN authors a ON a.id = s.author_id WHERE s.title LIKE 'field-recording%'");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0], "field-recording-50|Unknown Artist|true");
}

TEST_F(IngestTest, AuthorsSidecarSetsDetails) {
  auto s = run();
  EXPECT_GE(s.authors_updated, 4);
  EXPECT_EQ(db.query("SELECT country || '|' || date_of_birth || '|' || status FROM authors WHERE name = 'Björk'")[0],
            "IS|1965-11-21|active");
}

TEST_F(IngestTest, MissingDirectoryStopsTheRun) {
  pg_pool pool(db.url(), 2, 2000ms);
  catalog_writer writer(pool);
  EXPECT_THROW(catalog::ingest({input.path() + "/nope"}, blobs, writer, {}), std::runtime_error);
}

// ---- search ranking, on rows written directly ----

class SearchRankingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    apply_migrations(db.url(), embedded_migrations());
    db.query(R"sql(
      WITH a AS (INSERT INTO authors (name, country) VALUES ('Test Band', 'NO') RETURNING id)
      INSERT INTO songs (author_id, title, genre, release_date, release_precision, blob_key, byte_size, mime_type, play_count)
      SELECT a.id, t.title, t.genre, t.d::date, 1, md5(t.title) || md5(t.title), 1, 'audio/mpeg', t.plays
      FROM a, (VALUES ('Lovers Rock', 'Reggae', '1980-01-01', 5),
                      ('Glove Story', 'Rock', '1990-01-01', 1000),
                      ('Love Song One', 'Pop', '1991-01-01', 10),
                      ('Love Song Two', 'Pop', '1992-01-01', 500),
                      ('Love', 'Pop', '1993-01-01', 0)) AS t(title, genre, d, plays)
      RETURNING 1)sql");
    db.query("SELECT tonearm_refresh_search_words()");
  }

  std::vector<std::string> titles(const std::string& q, int limit = 20, int offset = 0) {
    if (!search) {
      search = std::make_unique<catalog::search_service>(repo, 60s, 60s);
      search->refresh_if_changed();
    }
    catalog::search_params p;
    p.q = q;
    p.type = "song";
    p.limit = std::to_string(limit);
    p.offset = std::to_string(offset);
    auto r = search->search(catalog::parse_search(p));
    std::vector<std::string> out;
    for (const auto& s : r.songs->items) out.push_back(s.title);
    total = r.songs->total;
    return out;
  }

  scratch_database db;
  pg_pool pool{db.url(), 2, 2000ms};
  catalog_repository repo{pool};
  std::unique_ptr<catalog::search_service> search;
  std::int64_t total = 0;
};

TEST_F(SearchRankingTest, ExactTitleFirstThenPopularityAmongEqualMatches) {
  auto t = titles("love");
  ASSERT_GE(t.size(), 4u);
  EXPECT_EQ(t[0], "Love");             // the whole title equals the query
  EXPECT_EQ(t[1], "Love Song Two");    // 500 plays
  EXPECT_EQ(t[2], "Love Song One");    // 10 plays
}

TEST_F(SearchRankingTest, MatchesOfTheWordAsTypedComeBeforeCorrections) {
  // "lover" is no catalog word: as typed it is a prefix of "lovers"; its typo
  // corrections are "love" and "glove". The prefix match ranks first although
  // "Glove Story" has two hundred times its plays.
  auto t = titles("lover");
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0], "Lovers Rock");
  EXPECT_EQ(t[1], "Glove Story");
}

TEST_F(SearchRankingTest, PagingIsStableAndCoversEveryMatchOnce) {
  auto all = titles("test band", 50, 0);
  EXPECT_EQ(total, 5);
  std::vector<std::string> paged;
  for (int off = 0; off < 5; off += 2)
    for (auto& t : titles("test band", 2, off)) paged.push_back(t);
  EXPECT_EQ(paged, all);
}

TEST_F(SearchRankingTest, FiltersNarrowTheMatches) {
  EXPECT_EQ(titles("test genre:pop year:1992-1993"), (std::vector<std::string>{"Love Song Two", "Love"}));
  EXPECT_EQ(titles("test country:no genre:reggae"), (std::vector<std::string>{"Lovers Rock"}));
  EXPECT_TRUE(titles("test country:se").empty());
}

TEST_F(SearchRankingTest, AReplacedIndexIsFreedByTheRebuildThreadNotByASearch) {
  EXPECT_EQ(titles("love")[0], "Love");
  // Nobody holds the old index: it is freed by the rebuild itself.
  db.query("UPDATE songs SET title = 'Lovesick' WHERE title = 'Love' RETURNING 1");
  ASSERT_TRUE(search->refresh_if_changed());
  EXPECT_EQ(search->retired(), 0u);
  // A search holds the index while it is replaced: the service keeps it too, so the
  // search letting go does not free it (that would stall the search for seconds at
  // scale); the next check of the rebuild thread does.
  auto held = search->pin();
  db.query("UPDATE songs SET title = 'Love' WHERE title = 'Lovesick' RETURNING 1");
  ASSERT_TRUE(search->refresh_if_changed());
  EXPECT_EQ(search->retired(), 1u);
  EXPECT_EQ(held.use_count(), 2) << "the search and the retired list";
  EXPECT_EQ(titles("love")[0], "Love") << "searches use the new index meanwhile";
  held.reset();
  EXPECT_FALSE(search->refresh_if_changed());
  EXPECT_EQ(search->retired(), 0u);
}

TEST_F(SearchRankingTest, IndexIsRebuiltOnlyWhenTheCatalogChanged) {
  EXPECT_EQ(titles("love")[0], "Love");
  EXPECT_FALSE(search->refresh_if_changed());
  db.query("UPDATE songs SET title = 'Lovesick' WHERE title = 'Love' RETURNING 1");
  EXPECT_TRUE(search->refresh_if_changed());
  EXPECT_EQ(titles("lovesick"), (std::vector<std::string>{"Lovesick"}));
}

TEST_F(SearchRankingTest, TypoFindsTheWordAndNoiseFindsNothing) {
  EXPECT_EQ(titles("glvoe"), (std::vector<std::string>{"Glove Story"}));
  EXPECT_TRUE(titles("qqqqzzzz").empty());
  EXPECT_TRUE(titles("!!!").empty());
}

}  // namespace
}  // namespace tonearm::store
