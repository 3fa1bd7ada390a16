// PostgreSQL connection pool.
#include "tonearm/store/pg_pool.hpp"

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <cstdlib>
#include <vector>
#include <set>
#include <string_view>
#include <spdlog/spdlog.h>

#include "catalog_statements.hpp"
#include "tonearm/core/error.hpp"
#include "tonearm/core/request_context.hpp"
#include "tonearm/metrics/metrics.hpp"

namespace tonearm::store {

namespace {

// Summed over the process's pools (a server has one).
struct pool_metrics {
  prometheus::Gauge& in_use =
      metrics::gauge("tonearm_pg_connections_in_use", "PostgreSQL connections lent out now.").Add({});
  prometheus::Gauge& open =
      metrics::gauge("tonearm_pg_connections_open", "PostgreSQL connections open (lent out or idle).").Add({});
  prometheus::Counter& waits = metrics::counter("tonearm_pg_acquire_waits_total",
                                                "Connection requests that found none free and waited.").Add({});
  prometheus::Histogram& wait_seconds =
      metrics::histogram("tonearm_pg_acquire_wait_seconds", "Time spent waiting for a free connection.")
          .Add({}, metrics::latency_buckets());
  prometheus::Family<prometheus::Counter>& errors =
      metrics::counter("tonearm_pg_errors_total", "PostgreSQL failures by kind.");
  prometheus::Counter& busy = errors.Add({{"kind", "busy"}});
  prometheus::Counter& connect = errors.Add({{"kind", "connect"}});
  prometheus::Counter& lost = errors.Add({{"kind", "connection_lost"}});
  prometheus::Counter& in_doubt = errors.Add({{"kind", "commit_in_doubt"}});
  prometheus::Counter& reconnects = metrics::counter(
      "tonearm_pg_reconnects_total", "Broken connections dropped so that a fresh one is opened.").Add({});
};

pool_metrics& stats() {
  static pool_metrics m;
  return m;
}
// Registered at start, so every family is exposed before its first event.
[[maybe_unused]] const auto& registered = stats();

}  // namespace

pg_lease::pg_lease(pg_pool& pool, std::unique_ptr<pqxx::connection> conn)
    : pool_(&pool), conn_(std::move(conn)) {
  stats().in_use.Increment();
}

pg_lease::pg_lease(pg_lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {}

pg_lease::~pg_lease() {
  if (!conn_) return;
  stats().in_use.Decrement();
  pool_->release(std::move(conn_));
}

std::string with_connection_defaults(const std::string& url) {
  static const std::pair<const char*, const char*> defaults[] = {
      {"connect_timeout", "3"},   {"tcp_user_timeout", "10000"}, {"keepalives", "1"},
      {"keepalives_idle", "30"},  {"keepalives_interval", "10"}, {"keepalives_count", "3"},
  };
  // libpq parses it (URI or key=value, with its quoting rules); we write it back as
  // key=value with the defaults for what it leaves unset.
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (!options) {  // left as is: connecting reports libpq's message
    if (error) PQfreemem(error);
    return url;
  }
  auto quoted = [](std::string_view v) {
    std::string q = "'";
    for (char c : v) {
      if (c == '\\' || c == '\'') q += '\\';
      q += c;
    }
    return q + "'";
  };
  std::string out;
  std::set<std::string, std::less<>> given;
  for (auto* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    out += (out.empty() ? "" : " ") + std::string(o->keyword) + "=" + quoted(o->val);
    given.insert(o->keyword);
  }
  PQconninfoFree(options);
  // A service file may set them too, and PGCONNECT_TIMEOUT is libpq's own default.
  if (given.count("service") || std::getenv("PGSERVICE")) return out;
  for (const auto& [key, value] : defaults) {
    if (given.count(key)) continue;
    if (std::string_view(key) == "connect_timeout" && std::getenv("PGCONNECT_TIMEOUT")) continue;
    out += (out.empty() ? "" : " ") + std::string(key) + "=" + value;
  }
  return out;
}

pg_pool::pg_pool(std::string url, std::size_t size, std::chrono::milliseconds acquire_timeout,
                 std::function<void(pqxx::connection&)> prepare)
    : url_(with_connection_defaults(url)), size_(size), acquire_timeout_(acquire_timeout), prepare_(std::move(prepare)) {}

pg_pool::~pg_pool() { stats().open.Decrement(static_cast<double>(idle_.size())); }

void pg_pool::prepare_connection(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  // The typo-correction candidates' bar (see catalog_statements.hpp). A placeholder
  // until pg_trgm is loaded in this session, which is fine.
  tx.exec("SET pg_trgm.similarity_threshold = 0.15");
  prepare_catalog_statements(c);
}

std::size_t pg_pool::warm(std::size_t n) {
  std::vector<pg_lease> held;  // held, so that each acquire opens another
  try {
    while (held.size() < std::min(n, size_)) held.push_back(acquire());
  } catch (const std::exception& e) {
    spdlog::debug("database pool warm-up stopped after {} connections: {}", held.size(), e.what());
  }
  // A new server process loads its table and index caches on a connection's first
  // query (tens of ms each when a hundred arrive at once): one song lookup each now.
  for (auto& lease : held) {
    try {
      pqxx::nontransaction tx(*lease);
      tx.exec_prepared(statement::songs_by_ids, "{0}");
    } catch (const std::exception& e) {
      spdlog::debug("database pool warm-up query failed: {}", e.what());
    }
  }
  return held.size();
}

pg_lease pg_pool::acquire() {
  std::unique_lock lock(mutex_);
  auto has_free = [this] { return !idle_.empty() || open_ < size_; };
  if (!has_free()) {
    stats().waits.Increment();
    auto started = std::chrono::steady_clock::now();
    bool got = available_.wait_for(lock, acquire_timeout_, has_free);
    stats().wait_seconds.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!got) {
      stats().busy.Increment();
      throw api_error(errc::unavailable, "database busy: no connection free in time");
    }
  }
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return pg_lease(*this, std::move(conn));
  }
  ++open_;
  stats().open.Increment();
  lock.unlock();
  try {
    auto conn = std::make_unique<pqxx::connection>(url_);
    if (prepare_) prepare_(*conn);
    return pg_lease(*this, std::move(conn));
  } catch (const std::exception& e) {
    {
      std::lock_guard relock(mutex_);
      --open_;
    }
    stats().open.Decrement();
    stats().connect.Increment();
    available_.notify_one();
    spdlog::warn("postgres connect failed: {}", e.what());
    throw api_error(errc::unavailable, "database unavailable");
  }
}

// A slow statement in PostgreSQL's log (log_min_duration_statement, with %a in
// log_line_prefix) or a row of pg_stat_activity then names the request it served.
void pg_pool::tag_for_request(pqxx::connection& conn) {
  auto* r = core::current_request;
  if (!r || r->request_id.empty()) return;
  {
    std::lock_guard lock(mutex_);
    auto it = tags_.find(&conn);
    if (it != tags_.end() && it->second == r->request_id) return;
  }
  pqxx::nontransaction tx(conn);
  tx.exec_params("SELECT set_config('application_name', $1, false)", "tonearm " + std::string(r->request_id));
  std::lock_guard lock(mutex_);
  tags_[&conn] = std::string(r->request_id);
}

void pg_pool::release(std::unique_ptr<pqxx::connection> conn) {
  std::vector<std::unique_ptr<pqxx::connection>> dropped;  // closed outside the lock
  {
    std::lock_guard lock(mutex_);
    if (broken(*conn)) {
      // The server restarted or went away: the idle connections opened before are as
      // dead as this one, though they cannot know it until used. Dropped with it, so
      // that the next acquire (with_connection's second try) opens a fresh one instead
      // of finding another dead one (a warmed pool holds a dozen).
      dropped = std::move(idle_);
      idle_.clear();
      dropped.push_back(std::move(conn));
      for (const auto& c : dropped) tags_.erase(c.get());
      open_ -= dropped.size();
      stats().open.Decrement(static_cast<double>(dropped.size()));
      stats().reconnects.Increment(static_cast<double>(dropped.size()));
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  available_.notify_all();
}

bool pg_pool::broken(pqxx::connection& conn) {
  // is_open() only reflects what libpq last saw; a failed command on a dead socket
  // leaves CONNECTION_BAD, which is what we need after a server restart.
  return !conn.is_open();
}

void pg_pool::throw_translated() {
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    stats().lost.Increment();
    spdlog::warn("postgres connection lost: {}", e.what());
    throw api_error(errc::unavailable, "database unavailable");
  } catch (const pqxx::in_doubt_error& e) {
    stats().in_doubt.Increment();
    spdlog::error("postgres commit in doubt: {}", e.what());
    throw api_error(errc::unavailable, "database connection lost during commit; retry");
  }
}

void pg_pool::ping() {
  with_connection([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec("SELECT 1");
  });
}

}  // namespace tonearm::store
