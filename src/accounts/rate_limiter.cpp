// One round trip per check: INCR + EXPIRE NX + TTL in a pipeline.
#include "tonearm/accounts/rate_limiter.hpp"
#include "tonearm/accounts/redis_keys.hpp"

#include <algorithm>

namespace tonearm::accounts {

namespace {
std::int64_t at_least_one(long long seconds) { return std::max<std::int64_t>(1, seconds); }
}  // namespace

std::optional<std::int64_t> rate_limiter::hit(const std::string& key, std::int64_t limit) {
  auto window = std::to_string(window_.count());
  const auto k = redis_keys::rate_limit(key);
  auto replies = redis_.pipeline({{"INCR", k}, {"EXPIRE", k, window, "NX"}, {"TTL", k}});
  if (!replies || replies->size() != 3 || (*replies)[0].is_error()) return local(key, limit, true);
  if ((*replies)[0].integer <= limit) return std::nullopt;
  return at_least_one((*replies)[2].integer);
}

std::optional<std::int64_t> rate_limiter::blocked(const std::string& key, std::int64_t limit) {
  const auto k = redis_keys::rate_limit(key);
  auto replies = redis_.pipeline({{"GET", k}, {"TTL", k}});
  if (!replies || replies->size() != 2 || (*replies)[0].is_error()) return local(key, limit, false);
  const auto& count = (*replies)[0];
  if (count.type != store::redis_reply::kind::string) return std::nullopt;
  if (std::stoll(count.str) < limit) return std::nullopt;
  return at_least_one((*replies)[1].integer);
}

std::optional<std::int64_t> rate_limiter::local(const std::string& key, std::int64_t limit, bool count) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (local_.size() > 100000) std::erase_if(local_, [&](const auto& kv) { return kv.second.ends <= now; });
  auto& w = local_[key];
  if (w.ends <= now) w = {0, now + window_};
  if (count) ++w.count;
  bool over = count ? w.count > limit : w.count >= limit;
  if (!over) return std::nullopt;
  return at_least_one(std::chrono::duration_cast<std::chrono::seconds>(w.ends - now).count());
}

}  // namespace tonearm::accounts
