// A small blocking Redis client over hiredis: timeouts, reconnect, circuit breaker.
// hiredis types never leave this module. Call it from worker threads, never from I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tonearm/store/circuit_breaker.hpp"

namespace tonearm::store {

struct redis_reply {
  enum class kind { nil, integer, string, status, array, error };
  kind type = kind::nil;
  long long integer = 0;
  std::string str;  // string, status and error replies
  std::vector<redis_reply> elements;

  bool is_error() const { return type == kind::error; }
};

struct redis_options {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string password;
  std::chrono::milliseconds timeout{250};  // connect and each command
  std::size_t pool_size = 8;
  int breaker_threshold = 3;
  std::chrono::milliseconds breaker_cooldown{1000};
};

// Parses redis://[:password@]host[:port][/db]. Throws std::invalid_argument.
redis_options parse_redis_url(std::string_view url);

class redis_connection;  // one hiredis context, private to redis_client.cpp

// A Lua script called by its SHA-1 (EVALSHA): once Redis has it, a call sends 40 bytes
// instead of the script's text and Redis does not hash that text on every call.
class redis_script {
 public:
  explicit redis_script(std::string text) : text_(std::move(text)) {}
  const std::string& text() const { return text_; }

 private:
  friend class redis_client;
  std::string text_;
  mutable std::mutex mutex_;
  mutable std::string sha_;  // from SCRIPT LOAD; empty until the first call
};

class redis_client {
 public:
  explicit redis_client(redis_options options);
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  // Runs one command. Returns nullopt when Redis cannot be reached, timed out, or
  // the breaker is open; an error *reply* (e.g. WRONGTYPE) is returned as a value.
  std::optional<redis_reply> command(const std::vector<std::string>& argv);
  // Sends all commands in one round trip; nullopt as for command().
  std::optional<std::vector<redis_reply>> pipeline(const std::vector<std::vector<std::string>>& commands);

  // Runs `script` once for each of `calls` (each: numkeys, keys..., args...) in one
  // round trip with EVALSHA. A Redis that lost its scripts (restarted, SCRIPT FLUSH)
  // answers NOSCRIPT; those calls are sent again with the text (EVAL), which also
  // gives Redis the script back. nullopt as for command().
  std::optional<std::vector<redis_reply>> eval_many(const redis_script& script,
                                                    const std::vector<std::vector<std::string>>& calls);
  std::optional<redis_reply> eval(const redis_script& script, const std::vector<std::string>& call);

  // PING; false when Redis is unreachable. Also a half-open probe for the breaker.
  bool ping();
  // Opens connections now until `n` are idle in the pool (at most pool_size), so that
  // the first requests after a start find them made. Stops at the first failure (the
  // pool opens connections later as it always does). Returns how many are idle.
  std::size_t warm(std::size_t n);
  std::string last_error() const;
  circuit_breaker::state breaker_state() const { return breaker_.current(); }

 private:
  std::unique_ptr<redis_connection> checkout();
  void checkin(std::unique_ptr<redis_connection> conn);

  redis_options options_;
  circuit_breaker breaker_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<redis_connection>> idle_;
  std::string last_error_;  // guarded by mutex_
};

}  // namespace tonearm::store
