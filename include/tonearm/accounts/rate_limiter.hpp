// Fixed-window attempt counters in Redis, shared by every tonearm instance. When
// Redis cannot be reached the counts fall back to this process's memory: limits then
// hold per instance instead of per cluster, and logins keep working.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "tonearm/store/redis_client.hpp"

namespace tonearm::accounts {

class rate_limiter {
 public:
  rate_limiter(store::redis_client& redis, std::chrono::seconds window) : redis_(redis), window_(window) {}

  // Counts one attempt under `key`; returns the seconds to wait when that made more
  // than `limit` attempts in the current window, else nullopt.
  std::optional<std::int64_t> hit(const std::string& key, std::int64_t limit);
  // The seconds to wait when `key` already has `limit` or more attempts, without
  // counting one.
  std::optional<std::int64_t> blocked(const std::string& key, std::int64_t limit);

 private:
  struct local_window {
    std::int64_t count = 0;
    std::chrono::steady_clock::time_point ends;
  };
  std::optional<std::int64_t> local(const std::string& key, std::int64_t limit, bool count);

  store::redis_client& redis_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, local_window> local_;
};

}  // namespace tonearm::accounts
