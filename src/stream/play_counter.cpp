// Play counting in Redis, flush to PostgreSQL, charts.
#include "tonearm/stream/play_counter.hpp"
#include "tonearm/stream/redis_keys.hpp"

#include <charconv>

#include "tonearm/metrics/metrics.hpp"

namespace tonearm::stream {

namespace {
struct count_metrics {
  prometheus::Family<prometheus::Counter>& plays =
      metrics::counter("tonearm_plays_recorded_total", "Play starts sent to Redis, by what became of them.");
  prometheus::Counter& counted = plays.Add({{"outcome", "counted"}});
  prometheus::Counter& repeated = plays.Add({{"outcome", "deduplicated"}});
  prometheus::Counter& failed = plays.Add({{"outcome", "redis_failed"}});
};
count_metrics& stats() {
  static count_metrics m;
  return m;
}
// Registered at start, so every family is exposed before its first event.
[[maybe_unused]] const auto& registered = stats();
}  // namespace


namespace {

const store::redis_script record_script{R"lua(
if ARGV[3] ~= '0' then
  if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[3]) then return 0 end
end
redis.call('ZINCRBY', KEYS[2], 1, ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
return 1
)lua"};

constexpr std::int64_t bucket_ttl_seconds = 8 * 24 * 3600;

std::int64_t hour_of(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::hours>(t.time_since_epoch()).count();
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return n;
}

}  // namespace

bool is_play_start(std::string_view method, std::string_view range) {
  if (method != "GET") return false;
  while (!range.empty() && range.front() == ' ') range.remove_prefix(1);
  if (range.empty()) return true;
  auto eq = range.find('=');
  if (eq == std::string_view::npos) return true;  // malformed: the whole file is sent
  auto first = range.substr(eq + 1);
  while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
  return first.substr(0, 2) == "0-" || first.substr(0, 3) == "0 -";
}

bool play_counter::record(std::int64_t song, std::string_view client,
                          std::chrono::system_clock::time_point now) const {
  return record_many({play{song, std::string(client)}}, now).front();
}

std::vector<bool> play_counter::record_many(const std::vector<play>& plays,
                                            std::chrono::system_clock::time_point now) const {
  std::vector<bool> counted(plays.size(), false);
  if (plays.empty()) return counted;
  auto bucket = play_keys::hour(hour_of(now));
  std::vector<std::vector<std::string>> commands;
  commands.reserve(plays.size());
  for (const auto& p : plays) {
    auto id = std::to_string(p.song);
    commands.push_back({"3", play_keys::seen(id, p.client), bucket, play_keys::pending, id, std::to_string(bucket_ttl_seconds), std::to_string(dedup_.count())});
  }
  auto replies = redis_.eval_many(record_script, commands);
  if (!replies) {
    stats().failed.Increment(static_cast<double>(plays.size()));
    return counted;
  }
  for (std::size_t i = 0; i < plays.size(); ++i) {
    bool answered = i < replies->size() && !(*replies)[i].is_error();
    counted[i] = answered && (*replies)[i].integer == 1;
    (counted[i] ? stats().counted : answered ? stats().repeated : stats().failed).Increment();
  }
  return counted;
}

std::optional<std::size_t> play_counter::flush(const store::catalog_repository& catalog) const {
  // Finish an interrupted flush first; otherwise take the pending hash as a whole.
  auto exists = redis_.command({"EXISTS", play_keys::flushing});
  if (!exists) return std::nullopt;
  if (exists->integer == 0) {
    auto renamed = redis_.command({"RENAMENX", play_keys::pending, play_keys::flushing});
    if (!renamed) return std::nullopt;
    if (renamed->is_error()) return std::size_t{0};  // no pending plays
  }
  auto all = redis_.command({"HGETALL", play_keys::flushing});
  if (!all) return std::nullopt;
  std::vector<std::pair<std::int64_t, std::int64_t>> plays;
  for (std::size_t i = 0; i + 1 < all->elements.size(); i += 2) {
    auto song = to_int(all->elements[i].str), n = to_int(all->elements[i + 1].str);
    if (song && n && *n > 0) plays.emplace_back(*song, *n);
  }
  catalog.add_plays(plays);  // throws on a database error: the hash stays for the next flush
  redis_.command({"DEL", play_keys::flushing});
  return plays.size();
}

std::optional<std::vector<std::pair<std::int64_t, std::int64_t>>> play_counter::top(
    chart_window w, int limit, std::chrono::system_clock::time_point now) const {
  int hours = w == chart_window::hour ? 1 : w == chart_window::day ? 24 : 168;
  auto current = hour_of(now);
  // The union of the window's buckets, kept a minute so a busy chart is computed once.
  std::string key = play_keys::chart(hours, current);
  auto cached = redis_.command({"EXISTS", key});
  if (!cached) return std::nullopt;
  if (cached->integer == 0) {
    std::vector<std::string> argv{"ZUNIONSTORE", key, std::to_string(hours)};
    for (int h = 0; h < hours; ++h) argv.push_back(play_keys::hour(current - h));
    auto built = redis_.pipeline({argv, {"EXPIRE", key, "60"}});
    if (!built) return std::nullopt;
  }
  auto r = redis_.command({"ZREVRANGE", key, "0", std::to_string(limit - 1), "WITHSCORES"});
  if (!r || r->is_error()) return std::nullopt;
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
    auto song = to_int(r->elements[i].str), n = to_int(r->elements[i + 1].str);
    if (song && n) out.emplace_back(*song, *n);
  }
  return out;
}

}  // namespace tonearm::stream
