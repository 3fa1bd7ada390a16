// Playlists over HTTP: CRUD, item edits with snapshot ids, privacy, concurrency.
#include <algorithm>
#include <random>
#include <thread>

#include "account_fixture.hpp"

namespace tonearm::testing {
namespace {

using json = nlohmann::json;

class PlaylistsTest : public AccountFixture {
 protected:
  std::map<std::string, std::string> settings() override {
    return {{"TONEARM_PLAYLIST_MAX_ITEMS", "200"}, {"TONEARM_WORKER_THREADS", "16"}};
  }

  std::int64_t create(const std::string& token, const std::string& name, bool is_public = true) {
    auto r = call("POST", "/v1/playlists", token, {{"name", name}, {"public", is_public}});
    EXPECT_EQ(r.status, 201) << r.raw.body;
    return r.body.value("id", std::int64_t{0});
  }
  std::string path(std::int64_t id, const std::string& rest = "") { return "/v1/playlists/" + std::to_string(id) + rest; }

  // The song ids in position order, and checks that positions are 0..n-1.
  std::vector<std::int64_t> order(std::int64_t id, const std::string& token) {
    std::vector<std::int64_t> out;
    for (int offset = 0;; offset += 100) {
      auto r = call("GET", path(id, "/items?limit=100&offset=" + std::to_string(offset)), token);
      EXPECT_EQ(r.status, 200) << r.raw.body;
      for (const auto& item : r.body["items"]) {
        EXPECT_EQ(item["position"], static_cast<std::int64_t>(out.size()));
        out.push_back(item["song"]["id"]);
      }
      if (r.body["next"].is_null()) break;
    }
    return out;
  }
  std::string snapshot(std::int64_t id, const std::string& token) {
    return call("GET", path(id), token).body["snapshot_id"];
  }
};

TEST_F(PlaylistsTest, CreateReturnsTheFullShape) {
  auto [uid, token] = user("owner");
  auto r = call("POST", "/v1/playlists", token, {{"name", "Road trip"}, {"description", "long drives"}, {"public", false}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.body["name"], "Road trip");
  EXPECT_EQ(r.body["description"], "long drives");
  EXPECT_EQ(r.body["public"], false);
  EXPECT_EQ(r.body["owner"]["id"], uid);
  EXPECT_EQ(r.body["owner"]["username"], "owner");
  EXPECT_TRUE(r.body["snapshot_id"].is_string());
  EXPECT_EQ(r.body["items"]["total"], 0);
  EXPECT_TRUE(r.body["items"]["items"].is_array());
  EXPECT_EQ(r.raw.header("Location"), path(r.body["id"]));
  // Defaults, and what is refused.
  auto plain = call("POST", "/v1/playlists", token, {{"name", "Plain"}});
  EXPECT_EQ(plain.body["public"], true);
  EXPECT_EQ(plain.body["description"], "");
  EXPECT_EQ(call("POST", "/v1/playlists", token, json::object()).status, 400);
  EXPECT_EQ(call("POST", "/v1/playlists", token, {{"name", "   "}}).status, 400);
  EXPECT_EQ(call("POST", "/v1/playlists", token, {{"name", std::string(201, 'x')}}).status, 400);
  EXPECT_EQ(call("POST", "/v1/playlists", token, {{"name", "x"}, {"public", "yes"}}).status, 400);
  EXPECT_EQ(call("POST", "/v1/playlists", {}, {{"name", "anon"}}).status, 401);
  // A bad items page is refused before anything is created.
  EXPECT_EQ(call("POST", "/v1/playlists?limit=0", token, {{"name", "Refused"}}).status, 400);
  auto mine = call("GET", "/v1/me/playlists?limit=50", token);
  ASSERT_EQ(mine.status, 200);
  for (const auto& p : mine.body["items"]) EXPECT_NE(p["name"], "Refused") << "created, then answered 400";
  EXPECT_EQ(mine.body["total"], 2);
}

TEST_F(PlaylistsTest, AddAtPositionsWithRepeatsAndSongMetadata) {
  auto token = user("deejay").second;  // no structured binding: clang 14 cannot capture one
  auto id = create(token, "Mix");
  auto s = songs;
  auto add = [&](json body) { return call("POST", path(id, "/items"), token, body); };
  auto r = add({{"song_ids", {s[0], s[1]}}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_TRUE(r.body["snapshot_id"].is_string());
  EXPECT_EQ(add({{"song_ids", {s[2]}}, {"position", 0}}).status, 200);
  EXPECT_EQ(add({{"song_ids", {s[0], s[3]}}, {"position", 2}}).status, 200);  // s[0] twice is fine
  EXPECT_EQ(order(id, token), (std::vector<std::int64_t>{s[2], s[0], s[0], s[3], s[1]}));
  auto full = call("GET", path(id), token);
  EXPECT_EQ(full.body["items"]["total"], 5);
  EXPECT_FALSE(full.body["items"]["items"][0]["song"]["title"].get<std::string>().empty());
  EXPECT_FALSE(full.body["items"]["items"][0]["added_at"].get<std::string>().empty());
  // Bad edits change nothing.
  auto unknown = add({{"song_ids", {s[0], 999998, 999999}}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body["error"]["message"].get<std::string>().find("999998, 999999"), std::string::npos);
  EXPECT_EQ(unknown.body["error"]["unknown_song_ids"], json({999998, 999999}));
  EXPECT_EQ(add({{"song_ids", {s[0]}}, {"position", 6}}).status, 400);
  EXPECT_EQ(add({{"song_ids", {s[0]}}, {"position", -1}}).status, 400);
  EXPECT_EQ(add({{"song_ids", json::array()}}).status, 400);
  EXPECT_EQ(add({{"song_ids", "1,2"}}).status, 400);
  EXPECT_EQ(order(id, token).size(), 5u);
}

TEST_F(PlaylistsTest, RemoveByPositionsKeepsPositionsDense) {
  auto [uid, token] = user("pruner");
  auto id = create(token, "Prune");
  std::vector<std::int64_t> items;
  for (int i = 0; i < 12; ++i) items.push_back(songs[i % songs.size()]);
  ASSERT_EQ(call("POST", path(id, "/items"), token, {{"song_ids", items}}).status, 200);
  auto r = call("DELETE", path(id, "/items"), token, {{"positions", {7, 0, 3}}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  std::vector<std::int64_t> expected;
  for (int i = 0; i < 12; ++i)
    if (i != 0 && i != 3 && i != 7) expected.push_back(items[i]);
  EXPECT_EQ(order(id, token), expected);
  EXPECT_EQ(call("DELETE", path(id, "/items"), token, {{"positions", {9}}}).status, 400);    // out of range
  EXPECT_EQ(call("DELETE", path(id, "/items"), token, {{"positions", {1, 1}}}).status, 400);  // twice
  EXPECT_EQ(order(id, token), expected);
}

// Spotify's "reorder items", as a reference to compare with.
std::vector<std::int64_t> reordered(std::vector<std::int64_t> v, int start, int length, int before) {
  std::vector<std::int64_t> moved(v.begin() + start, v.begin() + start + length);
  v.erase(v.begin() + start, v.begin() + start + length);
  int at = before > start ? before - length : before;
  if (before >= start && before <= start + length) at = start;
  v.insert(v.begin() + at, moved.begin(), moved.end());
  return v;
}

TEST_F(PlaylistsTest, ReorderMatchesSpotifySemantics) {
  auto [uid, token] = user("sorter");
  auto id = create(token, "Sort");
  std::vector<std::int64_t> items;
  for (int i = 0; i < 10; ++i) items.push_back(songs[i]);  // distinct, so every move shows
  ASSERT_EQ(call("POST", path(id, "/items"), token, {{"song_ids", items}}).status, 200);
  std::vector<std::int64_t> model = items;
  struct move {
    int start, length, before;
  };
  std::vector<move> moves = {{0, 1, 10}, {9, 1, 0}, {2, 3, 8}, {5, 2, 1}, {4, 2, 4}, {4, 2, 6}, {0, 10, 0}, {3, 1, 4}};
  for (const auto& m : moves) {
    auto r = call("PUT", path(id, "/items"), token,
                  {{"range_start", m.start}, {"range_length", m.length}, {"insert_before", m.before}});
    ASSERT_EQ(r.status, 200) << r.raw.body;
    model = reordered(model, m.start, m.length, m.before);
    ASSERT_EQ(order(id, token), model) << "after moving " << m.start << "+" << m.length << " before " << m.before;
  }
  // range_length defaults to 1.
  ASSERT_EQ(call("PUT", path(id, "/items"), token, {{"range_start", 1}, {"insert_before", 0}}).status, 200);
  model = reordered(model, 1, 1, 0);
  EXPECT_EQ(order(id, token), model);
  EXPECT_EQ(call("PUT", path(id, "/items"), token, {{"range_start", 10}, {"insert_before", 0}}).status, 400);
  EXPECT_EQ(call("PUT", path(id, "/items"), token, {{"range_start", 8}, {"range_length", 3}, {"insert_before", 0}}).status,
            400);
  EXPECT_EQ(call("PUT", path(id, "/items"), token, {{"range_start", 0}, {"insert_before", 11}}).status, 400);
  EXPECT_EQ(call("PUT", path(id, "/items"), token, {{"range_start", 0}}).status, 400);
}

TEST_F(PlaylistsTest, RandomEditsMatchAModel) {
  auto [uid, token] = user("fuzzer");
  auto id = create(token, "Fuzz");
  std::vector<std::int64_t> model;
  std::mt19937 rng(42);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int step = 0; step < 60; ++step) {
    int kind = model.size() < 3 ? 0 : pick(3);
    if (kind == 0) {
      std::vector<std::int64_t> add;
      for (int i = 0, n = 1 + pick(4); i < n; ++i) add.push_back(songs[pick(static_cast<int>(songs.size()))]);
      int pos = pick(static_cast<int>(model.size()) + 1);
      ASSERT_EQ(call("POST", path(id, "/items"), token, {{"song_ids", add}, {"position", pos}}).status, 200);
      model.insert(model.begin() + pos, add.begin(), add.end());
    } else if (kind == 1) {
      int pos = pick(static_cast<int>(model.size()));
      ASSERT_EQ(call("DELETE", path(id, "/items"), token, {{"positions", {pos}}}).status, 200);
      model.erase(model.begin() + pos);
    } else {
      int n = static_cast<int>(model.size());
      int start = pick(n), length = 1 + pick(n - start), before = pick(n + 1);
      ASSERT_EQ(call("PUT", path(id, "/items"), token,
                     {{"range_start", start}, {"range_length", length}, {"insert_before", before}})
                    .status,
                200);
      model = reordered(model, start, length, before);
    }
  }
  EXPECT_EQ(order(id, token), model);
}

TEST_F(PlaylistsTest, StaleSnapshotIs409WithTheCurrentOne) {
  auto [uid, token] = user("editor");
  auto id = create(token, "Shared");
  auto first = call("POST", path(id, "/items"), token, {{"song_ids", {songs[0], songs[1]}}}).body["snapshot_id"];
  auto second = call("POST", path(id, "/items"), token, {{"song_ids", {songs[2]}}, {"snapshot_id", first}});
  ASSERT_EQ(second.status, 200) << second.raw.body;
  EXPECT_NE(second.body["snapshot_id"], first);
  // Another device still holds `first`.
  auto stale = call("PUT", path(id, "/items"), token, {{"range_start", 0}, {"insert_before", 3}, {"snapshot_id", first}});
  EXPECT_EQ(stale.status, 409) << stale.raw.body;
  EXPECT_EQ(stale.body["error"]["code"], "conflict");
  EXPECT_EQ(stale.body["error"]["snapshot_id"], second.body["snapshot_id"]);
  EXPECT_EQ(call("DELETE", path(id, "/items"), token, {{"positions", {0}}, {"snapshot_id", first}}).status, 409);
  EXPECT_EQ(call("POST", path(id, "/items"), token, {{"song_ids", {songs[0]}}, {"snapshot_id", "garbage"}}).status, 409);
  EXPECT_EQ(order(id, token), (std::vector<std::int64_t>{songs[0], songs[1], songs[2]}));
  // With the current snapshot the edit applies.
  EXPECT_EQ(call("DELETE", path(id, "/items"), token,
                 {{"positions", {0}}, {"snapshot_id", stale.body["error"]["snapshot_id"]}})
                .status,
            200);
}

TEST_F(PlaylistsTest, PrivateIs404ToOthersAndOnlyTheOwnerEdits) {
  auto [owner, to] = user("owner");
  auto [other, tx] = user("other");
  auto priv = create(to, "Secret", false);
  auto pub = create(to, "Open", true);
  EXPECT_EQ(call("GET", path(priv), to).status, 200);
  EXPECT_EQ(call("GET", path(priv), tx).status, 404);
  EXPECT_EQ(call("GET", path(priv)).status, 404);
  EXPECT_EQ(call("GET", path(priv, "/items"), tx).status, 404);
  EXPECT_EQ(call("POST", path(priv, "/items"), tx, {{"song_ids", {songs[0]}}}).status, 404);
  EXPECT_EQ(call("PUT", path(priv, "/followers"), tx).status, 404);
  EXPECT_EQ(call("GET", path(pub)).status, 200);  // a public playlist by link, even signed out
  EXPECT_EQ(call("POST", path(pub, "/items"), tx, {{"song_ids", {songs[0]}}}).status, 403);
  EXPECT_EQ(call("PATCH", path(pub), tx, {{"name", "Mine now"}}).status, 403);
  EXPECT_EQ(call("DELETE", path(pub), tx).status, 403);
  EXPECT_EQ(call("PUT", path(pub, "/items"), tx, {{"range_start", 0}, {"insert_before", 0}}).status, 403);
  EXPECT_EQ(call("GET", path(pub), to).body["name"], "Open");
  // Lists: others see public ones only.
  auto theirs = call("GET", "/v1/users/" + std::to_string(owner) + "/playlists", tx);
  ASSERT_EQ(theirs.status, 200);
  EXPECT_EQ(theirs.body["total"], 1);
  EXPECT_EQ(theirs.body["items"][0]["id"], pub);
  EXPECT_EQ(call("GET", "/v1/users/" + std::to_string(owner) + "/playlists", to).body["total"], 2);
  EXPECT_EQ(call("GET", "/v1/users/999999/playlists").status, 404);
}

TEST_F(PlaylistsTest, PatchAndDelete) {
  auto [uid, token] = user("renamer");
  auto id = create(token, "Old name");
  auto before = snapshot(id, token);
  auto r = call("PATCH", path(id), token, {{"name", "New name"}, {"public", false}, {"description", "d"}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["name"], "New name");
  EXPECT_EQ(r.body["public"], false);
  EXPECT_EQ(r.body["description"], "d");
  EXPECT_NE(r.body["snapshot_id"], before);
  EXPECT_EQ(call("PATCH", path(id), token, json::object()).status, 400);
  EXPECT_EQ(call("GET", path(id)).status, 404);  // now private
  EXPECT_EQ(call("DELETE", path(id), token).status, 204);
  EXPECT_EQ(call("GET", path(id), token).status, 404);
  EXPECT_EQ(call("DELETE", path(id), token).status, 404);
}

TEST_F(PlaylistsTest, LengthCapIsAClear400) {
  auto [uid, token] = user("hoarder");
  auto id = create(token, "Big");
  std::vector<std::int64_t> hundred(100, songs[0]);
  ASSERT_EQ(call("POST", path(id, "/items"), token, {{"song_ids", hundred}}).status, 200);
  ASSERT_EQ(call("POST", path(id, "/items"), token, {{"song_ids", hundred}}).status, 200);
  auto r = call("POST", path(id, "/items"), token, {{"song_ids", {songs[1]}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("at most 200"), std::string::npos) << r.raw.body;
  std::vector<std::int64_t> too_many(101, songs[0]);
  EXPECT_EQ(call("POST", path(id, "/items"), token, {{"song_ids", too_many}}).status, 400);  // per request
  EXPECT_EQ(call("GET", path(id), token).body["items"]["total"], 200);
}

TEST_F(PlaylistsTest, ConcurrentAddsFromEightClientsLoseNothing) {
  auto token = user("party").second;  // no structured binding: clang 14 cannot capture one
  auto id = create(token, "Party");
  constexpr int clients = 8, adds = 6;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      for (int i = 0; i < adds; ++i) {
        // Each add: two songs, tagged by client in the choice of songs, at the front or the end.
        json body{{"song_ids", {songs[c % songs.size()], songs[(c + i) % songs.size()]}}};
        if (i % 2) body["position"] = 0;
        if (call("POST", path(id, "/items"), token, body).status != 200) ++failures;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto got = order(id, token);  // also checks positions are 0..n-1
  EXPECT_EQ(got.size(), static_cast<std::size_t>(clients * adds * 2));
  std::map<std::int64_t, int> want, have;
  for (int c = 0; c < clients; ++c)
    for (int i = 0; i < adds; ++i) {
      ++want[songs[c % songs.size()]];
      ++want[songs[(c + i) % songs.size()]];
    }
  for (auto s : got) ++have[s];
  EXPECT_EQ(have, want);
  EXPECT_EQ(db.query("SELECT count(DISTINCT position) FROM playlist_items")[0], std::to_string(clients * adds * 2));
  EXPECT_EQ(db.query("SELECT item_count FROM playlists WHERE id = " + std::to_string(id))[0],
            std::to_string(clients * adds * 2));
}

TEST_F(PlaylistsTest, ConcurrentEditsOfOneSnapshotOnlyOneWins) {
  auto token = user("racer").second;  // no structured binding: clang 14 cannot capture one
  auto id = create(token, "Race");
  ASSERT_EQ(call("POST", path(id, "/items"), token, {{"song_ids", {songs[0], songs[1], songs[2], songs[3]}}}).status, 200);
  auto snap = snapshot(id, token);
  std::vector<int> statuses(8);
  std::vector<std::thread> threads;
  for (int c = 0; c < 8; ++c)
    threads.emplace_back([&, c] {
      statuses[c] = call("PUT", path(id, "/items"), token,
                         {{"range_start", c % 4}, {"insert_before", 4}, {"snapshot_id", snap}})
                        .status;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), 7);
  auto got = order(id, token);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::int64_t>{songs[0], songs[1], songs[2], songs[3]}));
}

TEST_F(PlaylistsTest, FollowingAPlaylistPutsItInTheLibrary) {
  auto [a, ta] = user("maker");
  auto [b, tb] = user("follower");
  auto id = create(ta, "Shared mix");
  create(tb, "My own");
  EXPECT_EQ(call("PUT", path(id, "/followers"), tb).status, 204);
  EXPECT_EQ(call("PUT", path(id, "/followers"), tb).status, 204);
  EXPECT_EQ(call("GET", path(id)).body["followers"]["total"], 1);
  auto mine = call("GET", "/v1/me/playlists", tb);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.body["total"], 2);
  // Made private: it drops out of the follower's library.
  ASSERT_EQ(call("PATCH", path(id), ta, {{"public", false}}).status, 200);
  EXPECT_EQ(call("GET", "/v1/me/playlists", tb).body["total"], 1);
  EXPECT_EQ(call("GET", "/v1/me/playlists").status, 401);
  ASSERT_EQ(call("PATCH", path(id), ta, {{"public", true}}).status, 200);
  EXPECT_EQ(call("DELETE", path(id, "/followers"), tb).status, 204);
  EXPECT_EQ(call("GET", path(id)).body["followers"]["total"], 0);
}

}  // namespace
}  // namespace tonearm::testing
