// Where read-only queries go: a streaming standby (database_read_url) while it keeps
// up, else the primary. A sampler thread measures how far behind the standby is:
// every `interval` it reads the primary's WAL position (pg_current_wal_lsn) and the
// standby's replayed one (pg_last_wal_replay_lsn), and the lag is how long ago the
// primary was last at a position the standby has replayed (an idle primary: 0; a
// standby that stopped replaying or lost its primary: growing). Beyond `max_lag`, or
// with the standby unreachable, reads go to the primary until it catches up.
// With the primary unreachable, reads stay on the standby: it has what was committed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>

#include "tonearm/store/pg_pool.hpp"

namespace tonearm::store {

// A WAL position as PostgreSQL prints it ("16/B374D848"); nullopt when malformed.
std::optional<std::uint64_t> parse_lsn(std::string_view text);

// The lag of a standby from samples of the primary's WAL position over time.
class lag_tracker {
 public:
  using clock = std::chrono::steady_clock;
  explicit lag_tracker(std::chrono::milliseconds keep = std::chrono::seconds(60)) : keep_(keep) {}
  // The primary was at `lsn` at `at` (samples come in time order).
  void primary_at(clock::time_point at, std::uint64_t lsn);
  // How old the newest data the standby may be missing is, given that it has replayed
  // up to `replayed` at `now`: 0 when it has everything the primary had at the last
  // sample. nullopt before the first sample, or when the standby is behind every sample
  // kept (at least `keep` behind).
  std::optional<std::chrono::milliseconds> lag(clock::time_point now, std::uint64_t replayed) const;

 private:
  std::chrono::milliseconds keep_;
  std::deque<std::pair<clock::time_point, std::uint64_t>> samples_;
};

enum class read_from { primary, replica };

class read_route {
 public:
  // `replica` null: every read goes to the primary and nothing is sampled.
  read_route(pg_pool& primary, pg_pool* replica, std::chrono::milliseconds max_lag,
             std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~read_route();
  read_route(const read_route&) = delete;
  read_route& operator=(const read_route&) = delete;

  void start();  // the sampler thread (nothing without a replica)
  void stop();

  // The pool for a read: the replica when asked for and healthy, else the primary.
  pg_pool& pool(read_from from = read_from::replica) const;

  struct status {
    bool configured = false;   // a database_read_url is set
    bool serving = false;      // reads go to the replica now
    bool in_recovery = false;  // the replica is a standby (not promoted)
    std::optional<double> lag_seconds;
    std::string problem;  // why reads are on the primary, or "" when they are not
  };
  status current() const;
  // One sample now (the sampler's step; tests call it to not wait).
  void sample();

 private:
  void run(std::stop_token stop);

  pg_pool& primary_;
  pg_pool* replica_;
  const std::chrono::milliseconds max_lag_;
  const std::chrono::milliseconds interval_;
  std::atomic<bool> serving_{false};
  mutable std::mutex mutex_;
  lag_tracker tracker_;
  status status_;
  std::jthread worker_;
};

}  // namespace tonearm::store
