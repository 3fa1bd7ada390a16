// Play counts: recorded in Redis as they happen, flushed to PostgreSQL in batches,
// and read back as charts. Redis trouble loses counts at worst, never playback.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tonearm/store/catalog_repository.hpp"
#include "tonearm/store/redis_client.hpp"

namespace tonearm::stream {

enum class chart_window { hour, day, week };

// Redis keys, all under "tonearm:":
//   play:seen:{song}:{client}  SET NX EX dedup   one play per client per dedup period
//   plays:h:{epoch hour}       ZSET song -> plays in that hour, kept 8 days
//   plays:pending              HASH song -> plays not yet in PostgreSQL
//   plays:flushing             the pending hash while a flush runs
class play_counter {
 public:
  play_counter(store::redis_client& redis, std::chrono::seconds dedup) : redis_(redis), dedup_(dedup) {}

  // Counts one play of `song` by `client` (any stable text for the listener).
  // Returns true when counted, false when it was a repeat or Redis is unavailable.
  bool record(std::int64_t song, std::string_view client, std::chrono::system_clock::time_point now) const;
  // Counts many plays in one round trip (a pipeline); element i says whether plays[i]
  // was counted. All false when Redis is unavailable.
  struct play {
    std::int64_t song;
    std::string client;
  };
  std::vector<bool> record_many(const std::vector<play>& plays, std::chrono::system_clock::time_point now) const;

  // Moves the pending counts into PostgreSQL. Returns how many songs got plays;
  // nullopt when Redis is unavailable. A flush interrupted after the rename is
  // finished by the next one. Throws on database errors (the counts stay in Redis).
  std::optional<std::size_t> flush(const store::catalog_repository& catalog) const;

  // The most played songs of the last hour/day/week (hourly buckets, the current
  // one included): song id and plays, most first; nullopt when Redis is unavailable.
  std::optional<std::vector<std::pair<std::int64_t, std::int64_t>>> top(chart_window w, int limit,
                                                                         std::chrono::system_clock::time_point now) const;

 private:
  store::redis_client& redis_;
  std::chrono::seconds dedup_;
};

// A play starts with a request for the beginning of the file: no Range, or a first
// range starting at byte 0. Seeks (later ranges) are not plays.
bool is_play_start(std::string_view method, std::string_view range_header);

}  // namespace tonearm::stream
