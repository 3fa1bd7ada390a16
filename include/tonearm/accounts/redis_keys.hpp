// Every Redis key name of the accounts module, in one place (the Redis counterpart of
// "all SQL in store").
#pragma once

#include <string>
#include <string_view>

namespace tonearm::accounts::redis_keys {

// A rate limit's counter for one key (e.g. "login:user:lena", "login:ip:10.0.0.1"),
// with the window as its TTL.
inline std::string rate_limit(std::string_view key) { return "tonearm:rl:" + std::string(key); }
// A confirmed session token (by the hex of its SHA-256, never the token itself).
inline std::string token(std::string_view token_hash_hex) { return "tonearm:token:" + std::string(token_hash_hex); }

}  // namespace tonearm::accounts::redis_keys
