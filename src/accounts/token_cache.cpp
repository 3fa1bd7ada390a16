// Tokens checked lately (see token_cache.hpp).
#include "tonearm/accounts/token_cache.hpp"

#include <charconv>

#include "tonearm/accounts/credentials.hpp"

namespace tonearm::accounts {

namespace {
std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
std::string key_of(const std::string& hash) { return "tonearm:token:" + to_hex(hash); }
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
    if (entries_.size() >= max_entries_) entries_.clear();  // simple; a refill is one query per token
    entries_.insert_or_assign(hash, entry{user_id, expires_at, std::chrono::steady_clock::now()});
  }
  redis_.command({"SET", key_of(hash), std::to_string(user_id) + " " + std::to_string(expires_at), "EX",
                  std::to_string(ttl)});
}

std::optional<std::int64_t> token_cache::last_known(const std::string& hash) const {
  if (!enabled()) return std::nullopt;
  auto now = unix_now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(hash); it != entries_.end() && it->second.expires_at > now) return it->second.user_id;
  }
  auto reply = redis_.command({"GET", key_of(hash)});
  if (!reply || reply->type != store::redis_reply::kind::string) return std::nullopt;
  const auto& v = reply->str;
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

void token_cache::forget(const std::string& hash) { drop(hash, true); }

void token_cache::forget_if_known(const std::string& hash) { drop(hash, false); }

void token_cache::drop(const std::string& hash, bool always) {
  if (!enabled()) return;
  bool known = false;
  {
    std::lock_guard lock(mutex_);
    known = entries_.erase(hash) > 0;
  }
  // Redis down: the entry stays until the session's expiry, but it is read only while
  // PostgreSQL is unavailable too.
  if (known || always) redis_.command({"DEL", key_of(hash)});
}

}  // namespace tonearm::accounts
