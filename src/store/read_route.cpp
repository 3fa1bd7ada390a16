// The standby's lag, sampled, and the read pool it decides.
#include "tonearm/store/read_route.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <pqxx/pqxx>

#include "tonearm/metrics/metrics.hpp"

namespace tonearm::store {

namespace {

struct route_metrics {
  prometheus::Gauge& lag = metrics::gauge("tonearm_db_replica_lag_seconds",
                                          "How far the standby of database_read_url is behind the primary (last sample).")
                               .Add({});
  prometheus::Gauge& serving = metrics::gauge("tonearm_db_reads_on_replica",
                                              "1 while read-only queries go to the standby, 0 while they go to the primary.")
                                   .Add({});
};

route_metrics& route_gauges() {
  static route_metrics m;
  return m;
}

// libpq's messages end with a newline and may hold several lines: one line for the
// status, /readyz and the log.
std::string one_line(std::string text) {
  for (auto& ch : text)
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

std::optional<std::uint64_t> parse_lsn(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return std::nullopt;
  std::uint64_t hi = 0, lo = 0;
  auto a = std::from_chars(text.data(), text.data() + slash, hi, 16);
  auto b = std::from_chars(text.data() + slash + 1, text.data() + text.size(), lo, 16);
  if (a.ec != std::errc{} || a.ptr != text.data() + slash || b.ec != std::errc{} || b.ptr != text.data() + text.size())
    return std::nullopt;
  if (hi > 0xffffffffu || lo > 0xffffffffu) return std::nullopt;
  return (hi << 32) | lo;
}

void lag_tracker::primary_at(clock::time_point at, std::uint64_t lsn) {
  samples_.emplace_back(at, lsn);
  while (samples_.size() > 2 && at - samples_.front().first > keep_) samples_.pop_front();
}

std::optional<std::chrono::milliseconds> lag_tracker::lag(clock::time_point now, std::uint64_t replayed) const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  if (samples_.empty()) return std::nullopt;
  if (replayed >= samples_.back().second) return milliseconds(0);
  // The newest sample the standby has replayed past, and the one after it: the
  // primary passed `replayed` between the two (taken as a straight line).
  for (auto i = samples_.size() - 1; i-- > 0;) {
    const auto& [t0, l0] = samples_[i];
    if (l0 > replayed) continue;
    const auto& [t1, l1] = samples_[i + 1];
    auto passed = t0 + duration_cast<clock::duration>((t1 - t0) * (static_cast<double>(replayed - l0) /
                                                                   static_cast<double>(l1 - l0)));
    return std::max(milliseconds(0), duration_cast<milliseconds>(now - passed));
  }
  return std::nullopt;  // behind everything kept
}

read_route::read_route(pg_pool& primary, pg_pool* replica, std::chrono::milliseconds max_lag,
                       std::chrono::milliseconds interval)
    : primary_(primary), replica_(replica), max_lag_(max_lag), interval_(interval),
      tracker_(std::max<std::chrono::milliseconds>(std::chrono::seconds(60), 4 * max_lag)) {
  status_.configured = replica_ != nullptr;
  status_.problem = replica_ ? "not measured yet" : "";
}

read_route::~read_route() { stop(); }

void read_route::start() {
  if (!replica_ || worker_.joinable()) return;
  worker_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void read_route::stop() {
  if (worker_.joinable()) {
    worker_.request_stop();
    worker_.join();
  }
}

pg_pool& read_route::pool(read_from from) const {
  if (from == read_from::replica && replica_ && serving_.load(std::memory_order_relaxed)) return *replica_;
  return primary_;
}

read_route::status read_route::current() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void read_route::run(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any wake;
  while (!stop.stop_requested()) {
    sample();
    std::unique_lock lock(m);
    wake.wait_for(lock, stop, interval_, [] { return false; });
  }
}

void read_route::sample() {
  if (!replica_) return;
  using clock = lag_tracker::clock;
  std::optional<std::uint64_t> primary_lsn;
  std::string primary_error;
  auto primary_time = clock::now();
  try {
    auto text = primary_.with_connection([](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return tx.exec1("SELECT pg_current_wal_lsn()::text")[0].as<std::string>();
    });
    primary_lsn = parse_lsn(text);
  } catch (const std::exception& e) {
    primary_error = e.what();
  }

  status s;
  s.configured = true;
  try {
    auto [recovery, replayed_text] = replica_->with_connection([](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      auto row = tx.exec1("SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, '')");
      return std::pair{row[0].as<bool>(), row[1].as<std::string>()};
    });
    s.in_recovery = recovery;
    std::lock_guard lock(mutex_);
    if (primary_lsn) tracker_.primary_at(primary_time, *primary_lsn);
    if (!recovery) {
      s.lag_seconds = 0.0;  // promoted, or the primary itself: nothing to wait for
      s.serving = true;
    } else if (auto replayed = parse_lsn(replayed_text); !replayed) {
      s.problem = "unreachable: the standby reports no replayed position";
    } else if (!primary_lsn) {
      // The primary is away: the standby has everything that was committed.
      s.serving = true;
      s.problem = "";
      auto lag = tracker_.lag(clock::now(), *replayed);
      if (lag) s.lag_seconds = lag->count() / 1000.0;
    } else if (auto lag = tracker_.lag(clock::now(), *replayed); !lag) {
      s.problem = "behind: further than every sample kept (a minute or more)";
    } else {
      s.lag_seconds = lag->count() / 1000.0;
      s.serving = *lag <= max_lag_;
      if (!s.serving) {
        char text[96];
        std::snprintf(text, sizeof text, "behind: lag %.3f s > %.3f s", *s.lag_seconds, max_lag_.count() / 1000.0);
        s.problem = text;
      }
    }
  } catch (const std::exception& e) {
    s.problem = "unreachable: " + one_line(e.what());
  }

  bool was = serving_.exchange(s.serving);
  if (was != s.serving) {
    if (s.serving)
      spdlog::info("read-only queries go to the standby again (lag {:.3f} s)", s.lag_seconds.value_or(0.0));
    else
      spdlog::warn("read-only queries go to the primary: the standby is {}", s.problem);
  }
  route_gauges().serving.Set(s.serving ? 1 : 0);
  if (s.lag_seconds) route_gauges().lag.Set(*s.lag_seconds);
  std::lock_guard lock(mutex_);
  status_ = std::move(s);
}

}  // namespace tonearm::store
