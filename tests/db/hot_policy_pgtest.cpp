// The hot-cache scripts in a real Redis against the C++ rules, on the same cases
// (tests/support/hot_policy_cases.hpp): a play's heat and admission (the play
// script), a sweep's rescoring and TTL renewal (the sweep script), and the commit
// script's score. Where the two disagree the script has drifted from the rules.
#include <gtest/gtest.h>

#include "hot_policy_cases.hpp"
#include "test_support.hpp"
#include "tonearm/store/redis_client.hpp"
#include "tonearm/stream/redis_keys.hpp"
#include "tonearm/stream/hot_policy.hpp"
#include "tonearm/stream/hot_scripts.hpp"

namespace {

using namespace tonearm::store;
using namespace tonearm::stream;
namespace cases = tonearm::testing::hot_cases;

constexpr std::int64_t window = 4242;  // the current window's number in every case
constexpr std::uint64_t chunk_bytes = 256;
const std::string song = "3f2a";

class HotScripts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new tonearm::testing::redis_server; }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    redis_ = std::make_unique<redis_client>(parse_redis_url(server_->url()));
  }
  redis_reply run(const std::vector<std::string>& call) {
    auto r = redis_->command(call);
    if (!r) throw std::runtime_error("redis failed: " + redis_->last_error());
    return *r;
  }
  void counts(int current, int previous) {
    if (current) run({"HSET", hot_keys::count(song), std::to_string(window), std::to_string(current)});
    if (previous) run({"HSET", hot_keys::count(song), std::to_string(window - 1), std::to_string(previous)});
  }
  double score(const std::string& member) { return std::stod(run({"ZSCORE", hot_keys::index, member}).str); }

  static tonearm::testing::redis_server* server_;
  std::unique_ptr<redis_client> redis_;
};

tonearm::testing::redis_server* HotScripts::server_ = nullptr;

TEST_F(HotScripts, PlayScriptAgreesWithHeatAndAdmit) {
  for (const auto& c : cases::play_cases) {
    SCOPED_TRACE(c.name);
    run({"FLUSHDB"});
    counts(c.current_before, c.previous);
    if (c.coldest) run({"ZADD", hot_keys::index, std::to_string(*c.coldest), "another-song"});
    if (c.cached) run({"ZADD", hot_keys::index, "0", song});
    run({"SET", hot_keys::bytes, std::to_string(c.bytes)});

    auto r = redis_->eval(hot_scripts::play,
                          {"3", hot_keys::count(song), hot_keys::index, hot_keys::bytes, std::to_string(window),
                           hot_policy::weight_text(c.weight), "601", song, std::to_string(c.threshold),
                           std::to_string(c.max_bytes)});
    ASSERT_TRUE(r && !r->is_error() && r->elements.size() == 3) << (r ? r->str : redis_->last_error());

    const double heat = hot_policy::heat(c.current_before + 1, c.previous, c.weight);
    const bool admit = !c.cached && hot_policy::admit(heat, c.threshold, {c.bytes, c.max_bytes, c.coldest});
    EXPECT_NEAR(std::stod(r->elements[0].str), heat, 1e-9) << "script heat vs hot_policy::heat";
    EXPECT_EQ(r->elements[2].integer == 1, admit) << "script admission vs hot_policy::admit";
    EXPECT_EQ(r->elements[1].integer == 1, c.cached);
    EXPECT_NEAR(heat, c.heat, 1e-9);
    EXPECT_EQ(admit, c.admit);
    if (c.cached) {
      EXPECT_NEAR(score(song), heat, 1e-9) << "a cached song's score is its heat";
    }
  }
}

TEST_F(HotScripts, SweepScriptAgreesWithHeatAndRenew) {
  for (const auto& c : cases::renew_cases) {
    SCOPED_TRACE(c.name);
    run({"FLUSHDB"});
    counts(c.current, c.previous);
    const std::uint64_t size = 300;  // two chunks
    run({"ZADD", hot_keys::index, "99", song});
    run({"HSET", hot_keys::sizes, song, std::to_string(size)});
    run({"SET", hot_keys::bytes, std::to_string(size)});
    run({"SET", hot_keys::meta(song), std::to_string(size), "EX", std::to_string(c.ttl_left)});
    for (std::uint64_t n = 0; n < 2; ++n)
      run({"SET", hot_keys::chunk(song, n), "bytes", "EX", std::to_string(c.ttl_left)});

    auto r = redis_->eval(hot_scripts::sweep,
                          {"7", hot_keys::index, hot_keys::sizes, hot_keys::bytes, hot_keys::meta(song),
                           hot_keys::count(song), hot_keys::chunk(song, 0), hot_keys::chunk(song, 1),
                           std::to_string(window), hot_policy::weight_text(c.weight), std::to_string(c.threshold),
                           std::to_string(c.ttl), song, std::to_string(hot_policy::chunk_count(size, chunk_bytes))});
    ASSERT_TRUE(r && !r->is_error()) << (r ? r->str : redis_->last_error());
    EXPECT_EQ(r->integer, 0) << "nothing expired";

    const double heat = hot_policy::heat(c.current, c.previous, c.weight);
    const bool renew = hot_policy::renew(heat, c.threshold, c.ttl_left, c.ttl);
    EXPECT_NEAR(score(song), heat, 1e-9) << "sweep rescoring vs hot_policy::heat";
    for (const auto& key : {hot_keys::meta(song), hot_keys::chunk(song, 0), hot_keys::chunk(song, 1)})
      EXPECT_EQ(run({"TTL", key}).integer > c.ttl_left, renew) << key << ": sweep renewal vs hot_policy::renew";
    EXPECT_NEAR(heat, c.heat, 1e-9);
    EXPECT_EQ(renew, c.renew);
  }
}

TEST_F(HotScripts, SweepDropsAnExpiredSongWithTheChunksItWasGiven) {
  run({"FLUSHDB"});
  run({"ZADD", hot_keys::index, "1", song});
  run({"HSET", hot_keys::sizes, song, "300"});
  run({"SET", hot_keys::bytes, "300"});
  run({"SET", hot_keys::chunk(song, 0), "x"});
  run({"SET", hot_keys::chunk(song, 1), "x"});
  auto r = redis_->eval(hot_scripts::sweep,
                        {"7", hot_keys::index, hot_keys::sizes, hot_keys::bytes, hot_keys::meta(song),
                         hot_keys::count(song), hot_keys::chunk(song, 0), hot_keys::chunk(song, 1),
                         std::to_string(window), "0.5000", "2", "60", song, "2"});
  ASSERT_TRUE(r && !r->is_error());
  EXPECT_EQ(r->integer, 1);
  EXPECT_EQ(run({"EXISTS", hot_keys::chunk(song, 0), hot_keys::chunk(song, 1)}).integer, 0);
  EXPECT_EQ(run({"ZCARD", hot_keys::index}).integer, 0);
  EXPECT_EQ(run({"GET", hot_keys::bytes}).str, "0");
}

TEST_F(HotScripts, CommitScoresTheSongWithItsHeatAndRefusesAMissingChunk) {
  for (const auto& c : cases::renew_cases) {
    SCOPED_TRACE(c.name);
    run({"FLUSHDB"});
    counts(c.current, c.previous);
    std::vector<std::string> call{"7", hot_keys::meta(song), hot_keys::index, hot_keys::sizes, hot_keys::bytes,
                                  hot_keys::count(song), hot_keys::chunk(song, 0), hot_keys::chunk(song, 1),
                                  "300", "60", song, std::to_string(window), hot_policy::weight_text(c.weight)};
    run({"SET", hot_keys::chunk(song, 0), "x"});
    auto missing = redis_->eval(hot_scripts::commit, call);
    ASSERT_TRUE(missing && !missing->is_error());
    EXPECT_EQ(missing->integer, -1) << "chunk 1 is not written";
    run({"SET", hot_keys::chunk(song, 1), "x"});
    auto done = redis_->eval(hot_scripts::commit, call);
    ASSERT_TRUE(done && !done->is_error());
    EXPECT_EQ(done->integer, 1);
    EXPECT_NEAR(score(song), hot_policy::heat(c.current, c.previous, c.weight), 1e-9);
    EXPECT_EQ(redis_->eval(hot_scripts::commit, call)->integer, 0) << "committed once";
    EXPECT_EQ(run({"GET", hot_keys::bytes}).str, "300");
  }
}

}  // namespace
