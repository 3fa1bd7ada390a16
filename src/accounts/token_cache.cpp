// Tokens checked lately (see token_cache.hpp).
#include "tonearm/accounts/token_cache.hpp"

#include <algorithm>
#include <charconv>

#include "tonearm/accounts/credentials.hpp"
#include "tonearm/accounts/redis_keys.hpp"

#include <spdlog/spdlog.h>

namespace tonearm::accounts {

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string key_of(const std::string& hash) { return redis_keys::token(to_hex(hash)); }

constexpr const char* tombstone = "revoked";

// Writes the session unless a logout left its tombstone.
const store::redis_script remember_script{R"lua(
if redis.call('GET', KEYS[1]) == 'revoked' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
)lua"};

// "user_id expires_at" -> user_id, when well formed, positive and unexpired.
std::optional<std::int64_t> parse_entry(const std::string& v, std::int64_t now) {
  auto space = v.find(' ');
  if (space == std::string::npos) return std::nullopt;
  std::int64_t user_id = 0, expires_at = 0;
  auto a = std::from_chars(v.data(), v.data() + space, user_id);
  auto b = std::from_chars(v.data() + space + 1, v.data() + v.size(), expires_at);
  if (a.ec != std::errc{} || a.ptr != v.data() + space || b.ec != std::errc{} || b.ptr != v.data() + v.size())
    return std::nullopt;
  if (user_id <= 0 || expires_at <= now) return std::nullopt;
  return user_id;
}

}  // namespace

std::optional<std::int64_t> token_cache::fresh(const std::string& hash) const {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(hash);
  if (it == entries_.end() || it->second.expires_at <= unix_now() ||
      std::chrono::steady_clock::now() - it->second.confirmed >= fresh_)
    return std::nullopt;
  return it->second.user_id;
}

void token_cache::remember(const std::string& hash, std::int64_t user_id, std::int64_t expires_at) {
  if (!enabled()) return;
  auto ttl = expires_at - unix_now();
  if (ttl <= 0) return;
  {
    std::lock_guard lock(mutex_);
    if (revoked_.count(hash)) return;  // a logout raced this check: it wins
    if (entries_.size() >= max_entries_) entries_.clear();  // simple; a refill is one query per token
    entries_.insert_or_assign(hash, entry{user_id, expires_at, std::chrono::steady_clock::now()});
  }
  redis_.eval(remember_script,
              {"1", key_of(hash), std::to_string(user_id) + " " + std::to_string(expires_at), std::to_string(ttl)});
}

std::optional<std::int64_t> token_cache::last_known(const std::string& hash) const {
  if (!enabled()) return std::nullopt;
  auto now = unix_now();
  {
    std::lock_guard lock(mutex_);
    if (revoked_.count(hash)) return std::nullopt;  // logged out here, whatever Redis kept
  }
  if (auto reply = redis_.command({"GET", key_of(hash)})) {
    // Redis answered: its word is final (nil after a logout elsewhere, or never seen).
    if (reply->type != store::redis_reply::kind::string) return std::nullopt;
    return parse_entry(reply->str, now);
  }
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(hash); it != entries_.end() && it->second.expires_at > now) return it->second.user_id;
  return std::nullopt;
}

void token_cache::forget_if_known(const std::string& hash) {
  if (!enabled()) return;
  std::int64_t expires_at = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(hash);
    if (it == entries_.end()) return;
    expires_at = it->second.expires_at;
  }
  forget(hash, expires_at);
}

void token_cache::forget(const std::string& hash, std::int64_t expires_at) {
  {
    std::lock_guard lock(mutex_);
    entries_.erase(hash);
    if (revoked_.insert(hash).second) revoked_order_.push_back(hash);
    while (revoked_.size() > max_entries_) {  // the oldest logouts go first
      revoked_.erase(revoked_order_.front());
      revoked_order_.pop_front();
    }
  }
  // A tombstone until the session would have expired anyway. Redis down: an old entry
  // stays until then, read only if PostgreSQL is unavailable too (a known limit).
  auto ttl = std::max<std::int64_t>(expires_at - unix_now(), 1);
  if (!redis_.command({"SET", key_of(hash), tombstone, "EX", std::to_string(ttl)}))
    spdlog::warn("a logout could not reach Redis: other instances may take the token during a database outage "
                 "until it expires");
}

}  // namespace tonearm::accounts
