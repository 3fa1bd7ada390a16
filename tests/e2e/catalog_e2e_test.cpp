// The catalog over HTTP: `tonearm ingest` on real files, then search and entities.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "test_support.hpp"

namespace tonearm::testing {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::map<std::string, std::string> env_for(const scratch_database& db, const temp_dir& blobs) {
  return {{"TONEARM_CONFIG", "/dev/null"}, {"TONEARM_DATABASE_URL", db.url()}, {"TONEARM_BLOB_DIR", blobs.path()}};
}

TEST(IngestCli, PrintsASummaryAndExitsZeroWithSkippedFiles) {
  scratch_database db;
  temp_dir blobs, input;
  fs::copy_file(fs::path(test_audio_dir()) / "06-Joga.mp3", input.path() + "/06-Joga.mp3");
  std::ofstream(input.path() + "/broken.flac") << "fLaC but nothing else";
  auto r = run_command({tonearm_binary(), "ingest", input.path()}, env_for(db, blobs));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("1 added, 0 unchanged, 1 skipped"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("broken.flac"), std::string::npos) << r.output;
  // The new song's loudness is measured now; its renditions are queued for the job.
  EXPECT_NE(r.output.find("1 loudness measured, 1 queued for renditions"), std::string::npos) << r.output;
  EXPECT_EQ(db.query("SELECT count(*) FROM songs WHERE loudness_lufs BETWEEN -30 AND -5 AND true_peak_dbtp < 0"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(db.query("SELECT count(*) FROM media_jobs"), std::vector<std::string>{"1"});
}

TEST(IngestCli, LoudnessCanBeLeftToTheMediaJob) {
  scratch_database db;
  temp_dir blobs, input;
  fs::copy_file(fs::path(test_audio_dir()) / "06-Joga.mp3", input.path() + "/06-Joga.mp3");
  auto env = env_for(db, blobs);
  env["TONEARM_INGEST_LOUDNESS"] = "false";
  auto r = run_command({tonearm_binary(), "ingest", input.path()}, env);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("0 loudness measured, 1 queued for renditions"), std::string::npos) << r.output;
  // The job measures it (a 96 kb/s MP3: no rendition is worth making).
  r = run_command({tonearm_binary(), "renditions"}, env);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("1 songs done, 0 renditions, 1 loudness measured"), std::string::npos) << r.output;
  EXPECT_EQ(db.query("SELECT count(*) FROM songs WHERE loudness_lufs IS NOT NULL"), std::vector<std::string>{"1"});
  EXPECT_EQ(db.query("SELECT count(*) FROM albums WHERE loudness_lufs IS NOT NULL"), std::vector<std::string>{"1"});
  EXPECT_EQ(db.query("SELECT count(*) FROM media_jobs"), std::vector<std::string>{"0"});
}

TEST(IngestCli, MissingDirectoryFails) {
  scratch_database db;
  temp_dir blobs;
  auto r = run_command({tonearm_binary(), "ingest", "/nonexistent/music"}, env_for(db, blobs));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("/nonexistent/music"), std::string::npos) << r.output;
}

TEST(IngestCli, UnreachableDatabaseFails) {
  temp_dir blobs;
  auto r = run_command({tonearm_binary(), "ingest", test_audio_dir()},
                       {{"TONEARM_CONFIG", "/dev/null"},
                        {"TONEARM_DATABASE_URL", "postgresql://postgres@127.0.0.1:" + std::to_string(free_port()) + "/x"},
                        {"TONEARM_BLOB_DIR", blobs.path()}});
  EXPECT_NE(r.status, 0);
}

TEST(IngestCli, NeedsADirectory) {
  auto r = run_command({tonearm_binary(), "ingest"}, {{"TONEARM_CONFIG", "/dev/null"}});
  EXPECT_EQ(r.status, 2);
}

// The whole demo catalog, ingested once per test.
class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = env_for(db, blobs);
    env["TONEARM_INGEST_LOUDNESS"] = "false";  // tested above and in tests/media
    auto r = run_command({tonearm_binary(), "ingest", test_audio_dir()}, env);
    ASSERT_EQ(r.status, 0) << r.output;
    server = std::make_unique<server_process>(db.url(), shared_redis_url(),
                                              std::map<std::string, std::string>{{"TONEARM_BLOB_DIR", blobs.path()},
                                                                                 {"TONEARM_SEARCH_REFRESH_MS", "100"},
                                                                                 {"TONEARM_SEARCH_POPULARITY_REFRESH_MS", "100"}});
  }

  json get_json(const std::string& target, int expected_status = 200) {
    auto r = server->get(target);
    EXPECT_EQ(r.status, expected_status) << target << " -> " << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    return json::parse(r.body);
  }

  std::vector<std::string> song_titles(const std::string& query) {
    std::vector<std::string> out;
    auto body = get_json("/v1/search?type=song&q=" + query);  // a named value: the loop must not outlive it
    for (const auto& s : body["songs"]["items"]) out.push_back(s["title"]);
    return out;
  }

  // Search sees catalog changes once the index is rebuilt (search_refresh_ms).
  std::vector<std::string> song_titles_eventually(const std::string& query, const std::string& first) {
    std::vector<std::string> titles;
    for (int i = 0; i < 100; ++i) {
      titles = song_titles(query);
      if (!titles.empty() && titles[0] == first) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return titles;
  }

  std::int64_t song_id(const std::string& title) {
    return std::stoll(db.query("SELECT id FROM songs WHERE title = '" + title + "'")[0]);
  }

  scratch_database db;
  temp_dir blobs;
  std::unique_ptr<server_process> server;
};

TEST_F(CatalogTest, TypoFindsTheArtist) {
  auto body = get_json("/v1/search?q=radiohaed");
  ASSERT_FALSE(body["authors"]["items"].empty());
  EXPECT_EQ(body["authors"]["items"][0]["name"], "Radiohead");
  EXPECT_EQ(body["songs"]["items"][0]["author"]["name"], "Radiohead");
}

TEST_F(CatalogTest, AccentsAreFoldedAndTextComesBackAsTagged) {
  auto body = get_json("/v1/search?q=bjork");
  EXPECT_EQ(body["authors"]["items"][0]["name"], "Björk");
  auto titles = song_titles("joga");
  ASSERT_FALSE(titles.empty());
  EXPECT_EQ(titles[0], "Jóga");
  EXPECT_EQ(song_titles("sigur%20ros%20hoppipolla")[0], "Hoppípolla");
}

TEST_F(CatalogTest, PrefixMatchingForSearchAsYouType) {
  EXPECT_EQ(song_titles("karma%20pol"), (std::vector<std::string>{"Karma Police"}));
  EXPECT_EQ(song_titles("karma%20p")[0], "Karma Police");
}

TEST_F(CatalogTest, WordsMatchAcrossTitleArtistAndAlbum) {
  // "police" is in the title, "radiohead" the artist, "computer" the album.
  EXPECT_EQ(song_titles("police%20radiohead%20computer"), (std::vector<std::string>{"Karma Police"}));
}

TEST_F(CatalogTest, FieldPrefixesInQ) {
  auto titles = song_titles("artist:radiohead%20year:1997");
  EXPECT_EQ(titles.size(), 3u);
  for (const auto& t : titles) EXPECT_NE(t, "Idioteque");  // 2000
  // "queen" as artist only: not "Dancing Queen" by ABBA.
  for (const auto& t : song_titles("artist:queen")) EXPECT_NE(t, "Dancing Queen");
  EXPECT_EQ(song_titles("title:queen"), (std::vector<std::string>{"Dancing Queen"}));
}

TEST_F(CatalogTest, FiltersAsParameters) {
  // Two jazz titles have "blue", and "So What" is on "Kind of Blue".
  auto jazz = get_json("/v1/search?type=song&q=blue&genre=jazz")["songs"];
  EXPECT_EQ(jazz["total"], 3);
  EXPECT_EQ(get_json("/v1/search?type=song&q=blue&genre=pop")["songs"]["total"], 0);
  auto nineties = get_json("/v1/search?type=song&q=radiohead&year=1990-1999")["songs"];
  EXPECT_EQ(nineties["total"], 3);
  auto iceland = get_json("/v1/search?type=song,author&q=genre:electronic&country=IS");
  EXPECT_EQ(iceland["songs"]["total"], 4);  // Björk's; Radiohead (GB) is left out
  EXPECT_TRUE(iceland["authors"]["items"].empty()) << "genre filters describe songs";
}

TEST_F(CatalogTest, GenresListTheCatalogWithSongCountsMostFirst) {
  auto g = get_json("/v1/genres");
  auto rows = db.query("SELECT genre || ':' || count(*) FROM songs WHERE genre IS NOT NULL GROUP BY genre"
                       " ORDER BY count(*) DESC, lower(genre)");
  ASSERT_EQ(g["total"], rows.size());
  ASSERT_EQ(g["items"].size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto name = g["items"][i]["name"].get<std::string>();
    EXPECT_EQ(name + ":" + std::to_string(g["items"][i]["songs"].get<int>()), rows[i]) << i;
  }
  // A genre browses with the field prefix alone.
  auto jazz = get_json("/v1/search?type=song&q=genre:%22Jazz%22")["songs"];
  EXPECT_EQ(jazz["total"], 4);
}

TEST_F(CatalogTest, PopularityBreaksTies) {
  // "Blue in Green" and "Blue Rondo à la Turk" match "blue" equally well.
  db.query("UPDATE songs SET play_count = 1000 WHERE title = 'Blue Rondo à la Turk' RETURNING 1");
  auto titles = song_titles_eventually("title:blue", "Blue Rondo à la Turk");
  ASSERT_EQ(titles.size(), 2u);
  EXPECT_EQ(titles[0], "Blue Rondo à la Turk");
  db.query("UPDATE songs SET play_count = 5000 WHERE title = 'Blue in Green' RETURNING 1");
  EXPECT_EQ(song_titles_eventually("title:blue", "Blue in Green")[0], "Blue in Green");
}

TEST_F(CatalogTest, PagingObjectsWithNextAndPrevious) {
  auto first = get_json("/v1/search?type=song&q=radiohead&limit=2")["songs"];
  EXPECT_EQ(first["total"], 5);
  EXPECT_EQ(first["limit"], 2);
  EXPECT_EQ(first["offset"], 0);
  EXPECT_TRUE(first["previous"].is_null());
  ASSERT_TRUE(first["next"].is_string());
  auto second = get_json(first["next"].get<std::string>())["songs"];
  EXPECT_EQ(second["offset"], 2);
  auto third = get_json(second["next"].get<std::string>())["songs"];
  EXPECT_TRUE(third["next"].is_null());
  std::set<std::int64_t> ids;
  for (const auto* page : {&first, &second, &third})
    for (const auto& s : (*page)["items"]) ids.insert(s["id"].get<std::int64_t>());
  EXPECT_EQ(ids.size(), 5u) << "every match exactly once across pages";
}

TEST_F(CatalogTest, SongItemsHaveTheDocumentedShape) {
  auto s = get_json("/v1/search?type=song&q=karma%20police")["songs"]["items"][0];
  EXPECT_TRUE(s["id"].is_number_integer());
  EXPECT_EQ(s["title"], "Karma Police");
  EXPECT_EQ(s["author"]["name"], "Radiohead");
  EXPECT_TRUE(s["author"]["id"].is_number_integer());
  EXPECT_EQ(s["album"]["title"], "OK Computer");
  EXPECT_EQ(s["genre"], "Rock");
  EXPECT_EQ(s["release_date"], "1997-05-21");
  EXPECT_NEAR(s["duration_ms"].get<int>(), 40000, 500);
  EXPECT_EQ(s["play_count"], 0);
  EXPECT_EQ(s["stream_url"], "/v1/songs/" + std::to_string(s["id"].get<std::int64_t>()) + "/stream");
  auto untagged = get_json("/v1/search?type=song&q=field-recording")["songs"]["items"][0];
  EXPECT_TRUE(untagged["album"].is_null());
  EXPECT_TRUE(untagged["release_date"].is_null());
  EXPECT_EQ(get_json("/v1/search?type=song&q=so%20what")["songs"]["items"][0]["release_date"], "1959-08-17");
  EXPECT_EQ(get_json("/v1/search?type=song&q=hoppipolla")["songs"]["items"][0]["release_date"], "2005");
  EXPECT_EQ(get_json("/v1/search?type=song&q=garota")["songs"]["items"][0]["release_date"], "1964-03");
}

TEST_F(CatalogTest, TypeSelectsTheSections) {
  auto body = get_json("/v1/search?type=album&q=homogenic");
  EXPECT_FALSE(body.contains("songs"));
  EXPECT_FALSE(body.contains("authors"));
  EXPECT_EQ(body["albums"]["items"][0]["title"], "Homogenic");
  EXPECT_EQ(body["albums"]["items"][0]["track_count"], 2);
}

TEST_F(CatalogTest, NoHitIsAnEmptyPage) {
  auto songs = get_json("/v1/search?type=song&q=xqzvwk")["songs"];
  EXPECT_EQ(songs["total"], 0);
  EXPECT_TRUE(songs["items"].empty());
  EXPECT_TRUE(songs["next"].is_null());
}

TEST_F(CatalogTest, BadSearchInputIs400WithAClearMessage) {
  for (const char* target : {"/v1/search", "/v1/search?q=", "/v1/search?q=a&limit=0", "/v1/search?q=a&limit=500",
                             "/v1/search?q=a&offset=-3", "/v1/search?q=a&year=nineties", "/v1/search?q=a&type=podcast",
                             "/v1/search?q=a&country=Iceland"}) {
    auto body = get_json(target, 400);
    EXPECT_EQ(body["error"]["code"], "bad_request") << target;
    EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
  }
}

TEST_F(CatalogTest, SongById) {
  auto id = song_id("Hyperballad");
  auto s = get_json("/v1/songs/" + std::to_string(id));
  EXPECT_EQ(s["title"], "Hyperballad");
  EXPECT_EQ(s["album"]["title"], "Post");
  EXPECT_EQ(get_json("/v1/songs/999999", 404)["error"]["code"], "not_found");
  EXPECT_EQ(get_json("/v1/songs/abc", 400)["error"]["code"], "bad_request");
}

TEST_F(CatalogTest, AuthorWithTopSongsAndAlbums) {
  auto id = db.query("SELECT id FROM authors WHERE name = 'Daft Punk'")[0];
  db.query("UPDATE songs SET play_count = 77 WHERE title = 'Get Lucky' RETURNING 1");
  auto a = get_json("/v1/authors/" + id);
  EXPECT_EQ(a["name"], "Daft Punk");
  EXPECT_EQ(a["country"], "FR");
  EXPECT_EQ(a["status"], "disbanded");
  ASSERT_EQ(a["top_songs"].size(), 5u);
  EXPECT_EQ(a["top_songs"][0]["title"], "Get Lucky");
  ASSERT_EQ(a["albums"].size(), 3u);
  EXPECT_EQ(a["albums"][0]["title"], "Random Access Memories");  // newest first
  EXPECT_EQ(get_json("/v1/authors/424242", 404)["error"]["code"], "not_found");
  EXPECT_EQ(get_json("/v1/authors/x1", 400)["error"]["code"], "bad_request");
}

TEST_F(CatalogTest, AlbumWithTracksInOrder) {
  auto id = db.query("SELECT id FROM albums WHERE title = 'OK Computer'")[0];
  auto a = get_json("/v1/albums/" + id);
  EXPECT_EQ(a["author"]["name"], "Radiohead");
  EXPECT_EQ(a["release_date"], "1997-05-21");
  std::vector<std::string> tracks;
  for (const auto& t : a["tracks"]) tracks.push_back(t["title"]);
  EXPECT_EQ(tracks, (std::vector<std::string>{"Paranoid Android", "Karma Police", "No Surprises"}));
  EXPECT_EQ(get_json("/v1/albums/0", 400)["error"]["code"], "bad_request");
  EXPECT_EQ(get_json("/v1/albums/31337", 404)["error"]["code"], "not_found");
}

TEST_F(CatalogTest, AlbumsAndAuthorsNameTheirCoverOnlyWhenTheyHaveOne) {
  auto album_id = [&](const std::string& title) {
    return db.query("SELECT id FROM albums WHERE title = '" + title + "'")[0];
  };
  auto author_id = [&](const std::string& name) {
    return db.query("SELECT id FROM authors WHERE name = '" + name + "'")[0];
  };
  // OK Computer's picture is embedded in two of its files; Nevermind has none.
  auto ok_computer = album_id("OK Computer");
  auto with = get_json("/v1/albums/" + ok_computer);
  ASSERT_EQ(with["cover_url"], "/v1/albums/" + ok_computer + "/cover");
  EXPECT_EQ(server->get(with["cover_url"].get<std::string>() + "?size=64").status, 200);
  auto nevermind = album_id("Nevermind");
  EXPECT_TRUE(get_json("/v1/albums/" + nevermind)["cover_url"].is_null());
  EXPECT_EQ(server->get("/v1/albums/" + nevermind + "/cover").status, 404);

  // An author has one when an album of theirs has: Queen (two of their three albums).
  auto queen = author_id("Queen");
  auto q = get_json("/v1/authors/" + queen);
  ASSERT_EQ(q["cover_url"], "/v1/authors/" + queen + "/cover");
  EXPECT_EQ(server->get(q["cover_url"].get<std::string>()).status, 200);
  std::map<std::string, json> covers;
  for (const auto& al : q["albums"]) covers[al["title"].get<std::string>()] = al["cover_url"];
  EXPECT_EQ(covers, (std::map<std::string, json>{
                        {"A Night at the Opera", "/v1/albums/" + album_id("A Night at the Opera") + "/cover"},
                        {"Jazz", "/v1/albums/" + album_id("Jazz") + "/cover"},
                        {"Hot Space", nullptr}}));
  auto nirvana = author_id("Nirvana");
  auto n = get_json("/v1/authors/" + nirvana);
  EXPECT_TRUE(n["cover_url"].is_null());
  EXPECT_TRUE(n["albums"][0]["cover_url"].is_null());
  EXPECT_EQ(server->get("/v1/authors/" + nirvana + "/cover").status, 404);

  // Search results are the same objects.
  EXPECT_EQ(get_json("/v1/search?type=album&q=ok%20computer")["albums"]["items"][0]["cover_url"], with["cover_url"]);
  EXPECT_TRUE(get_json("/v1/search?type=album&q=nevermind")["albums"]["items"][0]["cover_url"].is_null());
  EXPECT_EQ(get_json("/v1/search?type=author&q=queen")["authors"]["items"][0]["cover_url"], q["cover_url"]);
  EXPECT_TRUE(get_json("/v1/search?type=author&q=nirvana")["authors"]["items"][0]["cover_url"].is_null());
}

TEST_F(CatalogTest, TheTestCatalogHasCoversInEveryPlaceIngestLooks) {
  // scripts/make-demo-audio embeds pictures in every format and writes folder images of
  // every kind; ingest must find each as the song's own cover.
  auto own_cover = [&](const std::string& title) {
    return db.query("SELECT cover_key IS NOT NULL FROM songs WHERE title = '" + title + "'")[0] == "t";
  };
  for (const char* title : {"Paranoid Android",               // MP3, ID3 APIC
                            "Get Lucky",                      // FLAC picture block, JPEG
                            "Blue in Green",                  // FLAC picture block, PNG
                            "Angel",                          // M4A covr
                            "Everything in Its Right Place",  // Ogg Vorbis METADATA_BLOCK_PICTURE
                            "Glósóli",                        // Opus METADATA_BLOCK_PICTURE
                            "Svefn-g-englar",                 // cover.jpg
                            "Major Tom (Coming Home)",        // Folder.jpg
                            "Dancing Queen",                  // album.jpeg
                            "Around the World",               // front.png
                            "99 Luftballons"})                // cover.webp
    EXPECT_TRUE(own_cover(title)) << title;
  EXPECT_EQ(db.query("SELECT string_agg(DISTINCT mime_type, ',' ORDER BY mime_type) FROM covers")[0],
            "image/jpeg,image/png,image/webp");
  // The tests rely on these having none: some add a folder image or embed a picture of
  // their own, some need a song or an album without a cover.
  for (const char* title : {"Karma Police", "Jóga", "Bachelorette", "Hyperballad", "Lithium", "Come as You Are",
                            "Take Five", "Waterloo", "Under Pressure", "field-recording-50"})
    EXPECT_FALSE(own_cover(title)) << title;
}

}  // namespace
}  // namespace tonearm::testing
