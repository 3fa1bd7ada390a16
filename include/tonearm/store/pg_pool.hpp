// A pool of libpqxx connections; reconnects after the server restarts.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <pqxx/connection>

#include "tonearm/core/request_context.hpp"

namespace tonearm::store {

// `url` (a postgresql:// URI or key=value settings) with the libpq settings that keep
// an unreachable or silent server from holding a request for minutes: connect_timeout
// 3 s, tcp_user_timeout 10 s (sent data never acknowledged), TCP keepalives after 30 s
// idle. Settings already in `url` win, and so do PGCONNECT_TIMEOUT and a service
// (`service=` or PGSERVICE: no defaults are added, the service file decides).
std::string with_connection_defaults(const std::string& url);

class pg_pool;

// A connection borrowed from the pool; returned when destroyed.
class pg_lease {
 public:
  pg_lease(pg_pool& pool, std::unique_ptr<pqxx::connection> conn);
  pg_lease(pg_lease&&) noexcept;
  pg_lease& operator=(pg_lease&&) = delete;
  ~pg_lease();
  pqxx::connection& operator*() const { return *conn_; }
  pqxx::connection* operator->() const { return conn_.get(); }

 private:
  pg_pool* pool_;
  std::unique_ptr<pqxx::connection> conn_;
};

class pg_pool {
 public:
  // `size` connections at most, opened lazily; `acquire_timeout` bounds the wait for
  // a free one. `prepare` runs on every new connection: by default
  // prepare_connection() (session settings and the named statements of store/).
  pg_pool(std::string url, std::size_t size, std::chrono::milliseconds acquire_timeout,
          std::function<void(pqxx::connection&)> prepare = prepare_connection);

  // Session settings and every named statement of the repositories. libpqxx sends a
  // statement to the server on its first use, so this costs nothing up front.
  static void prepare_connection(pqxx::connection& c);
  ~pg_pool();

  // Opens connections now until `n` are open (at most `size`), each with one song
  // lookup run, so that the first requests after a start do not each wait for a
  // connection of their own to be made and its server process to load its caches (a
  // cold instance behind a balancer gets hundreds at once). Stops at the first failure
  // (logged at debug: the pool opens connections later as it always does). Returns
  // how many are open.
  std::size_t warm(std::size_t n);

  // Borrows a connection, opening one if needed. Throws tonearm::api_error
  // (unavailable) when none is free in time or the server cannot be reached.
  pg_lease acquire();

  // Runs `fn` with a connection; if the connection turns out broken (server restarted)
  // it is dropped with every idle one (dead too) and `fn` runs once more on a fresh
  // one. `fn` must be safe to repeat: an uncommitted transaction on a broken
  // connection was rolled back by the server.
  // Inside a request (core::current_request) the connection first carries the
  // request's id as application_name, and the time spent here counts as the
  // request's database time.
  template <class F>
  auto with_connection(F&& fn) {
    core::time_spent<&core::request_context::db_seconds> timing;
    for (int attempt = 0;; ++attempt) {
      auto lease = acquire();
      try {
        tag_for_request(*lease);
        return fn(*lease);
      } catch (...) {
        if (attempt > 0 || !broken(*lease)) throw_translated();
      }
    }
  }

  // One round trip (SELECT 1) for readiness probes; throws when the database cannot
  // be reached.
  void ping();

  const std::string& url() const { return url_; }

 private:
  friend class pg_lease;
  // SET application_name to "tonearm <request id>" unless this connection has it.
  void tag_for_request(pqxx::connection& conn);
  void release(std::unique_ptr<pqxx::connection> conn);
  static bool broken(pqxx::connection& conn);
  // Rethrows the current exception, turning a lost connection into api_error.
  [[noreturn]] static void throw_translated();

  std::string url_;
  std::size_t size_;
  std::chrono::milliseconds acquire_timeout_;
  std::function<void(pqxx::connection&)> prepare_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::size_t open_ = 0;  // connections lent out or idle
  std::unordered_map<const pqxx::connection*, std::string> tags_;  // application_name set last
};

}  // namespace tonearm::store
