// The hot-cache rules as pure functions: how hot a song is, whether it is admitted,
// which cached song may make room for it, when a cached song's TTL is renewed. The
// Lua scripts that apply them atomically in Redis (stream/hot_scripts.hpp) follow
// these functions; tests/db/hot_policy_pgtest.cpp runs both on the same cases.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tonearm::stream::hot_policy {

// Where a moment is in the fixed windows of `window` seconds: the window's number and
// the share of the previous window still inside the last `window` seconds (rounded to
// 1e-4, the precision it is passed to Redis with).
struct window_position {
  std::int64_t number = 0;
  double previous_weight = 0;
  bool operator==(const window_position&) const = default;
};
window_position position(std::chrono::milliseconds since_epoch, std::chrono::seconds window);
window_position position_now(std::chrono::seconds window);
// The weight as the scripts receive it ("0.2500").
std::string weight_text(double weight);

// Plays in the last window, estimated from two fixed windows (a sliding-window
// counter): this window's plays + the previous window's times the share of it still
// inside.
double heat(double current_plays, double previous_plays, double previous_weight);

// What the cache holds when a song not in it is played.
struct cache_state {
  std::int64_t bytes = 0;                // the tally of cached bytes (below 0 after a drift)
  std::uint64_t max_bytes = 0;
  std::optional<double> coldest_heat;    // nullopt: nothing cached
};

// A cached song `coldest` may be evicted for a newcomer of heat `newcomer` when it is
// no hotter (ties go to the newcomer: its plays are the more recent).
bool may_evict(double coldest, double newcomer);

// A song not yet cached is queued for promotion when its heat reached the threshold
// and there is room, or it is at least as hot as the coldest cached song (so a long
// tail of songs that just reach the threshold cannot churn the hits out).
bool admit(double heat, std::int64_t threshold, const cache_state& cache);

// A cached song still at the threshold gets its TTL renewed once half of it is gone.
bool renew(double heat, std::int64_t threshold, long long ttl_left_seconds, long long ttl_seconds);

// How many chunks of `chunk_bytes` hold `size` bytes.
std::uint64_t chunk_count(std::uint64_t size, std::uint64_t chunk_bytes);

}  // namespace tonearm::stream::hot_policy
