// Hot-song cache in Redis: counting, promotion, eviction, and a Redis-backed body.
#include "tonearm/stream/hot_cache.hpp"

#include "segmented_body.hpp"
#include "tonearm/metrics/metrics.hpp"
#include "tonearm/stream/redis_keys.hpp"
#include "tonearm/stream/hot_policy.hpp"
#include "tonearm/stream/hot_scripts.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tonearm::stream {

namespace {

struct hot_metrics {
  prometheus::Family<prometheus::Counter>& served =
      metrics::counter("tonearm_hot_cache_streams_total",
                       "Audio responses with a body, by whether the song was in the hot cache (hit) or not (miss).");
  prometheus::Counter& hit = served.Add({{"result", "hit"}});
  prometheus::Counter& miss = served.Add({{"result", "miss"}});
  prometheus::Counter& promotions =
      metrics::counter("tonearm_hot_cache_promotions_total", "Songs this instance copied into the hot cache.").Add({});
  prometheus::Family<prometheus::Counter>& evicted =
      metrics::counter("tonearm_hot_cache_evictions_total", "Songs dropped from the hot cache, by reason.");
  prometheus::Counter& evicted_room = evicted.Add({{"reason", "room"}});
  prometheus::Counter& evicted_expired = evicted.Add({{"reason", "expired"}});
  prometheus::Family<prometheus::Counter>& chunk_reads =
      metrics::counter("tonearm_hot_cache_chunk_reads_total",
                       "Hot-cache body pieces read, by where from (this process's chunk memory, or Redis).");
  prometheus::Counter& from_memory = chunk_reads.Add({{"from", "memory"}});
  prometheus::Counter& from_redis = chunk_reads.Add({{"from", "redis"}});
  prometheus::Counter& fallbacks = metrics::counter(
      "tonearm_hot_cache_fallbacks_total", "Hot-cache streams that continued from the blob store after a Redis failure.")
                                       .Add({});
  prometheus::Gauge& songs =
      metrics::gauge("tonearm_hot_cache_songs", "Songs in the hot cache (all instances), as of the last sweep.").Add({});
  prometheus::Gauge& bytes = metrics::gauge("tonearm_hot_cache_bytes",
                                            "Bytes in the hot cache (all instances), as of the last sweep.").Add({});
  prometheus::Gauge& memory_bytes =
      metrics::gauge("tonearm_hot_cache_memory_bytes", "Hot-cache chunk bytes kept in this process.").Add({});
};

hot_metrics& stats() {
  static hot_metrics m;
  return m;
}

// The arguments that place now in the windows, as the scripts take them.
struct window_args {
  std::string number, previous, weight;
  double weight_value;
};
window_args window_now(std::chrono::seconds window) {
  auto at = hot_policy::position_now(window);
  return {std::to_string(at.number), std::to_string(at.number - 1), hot_policy::weight_text(at.previous_weight),
          at.previous_weight};
}

// KEYS entries for every chunk of a song of `size` bytes.
void add_chunk_keys(std::vector<std::string>& out, const std::string& song, std::uint64_t size, std::uint64_t chunk_bytes) {
  for (std::uint64_t c = 0, n = hot_policy::chunk_count(size, chunk_bytes); c < n; ++c)
    out.push_back(hot_keys::chunk(song, c));
}

double number_in(const store::redis_reply& r) {
  return r.type == store::redis_reply::kind::string ? std::strtod(r.str.c_str(), nullptr) : 0.0;
}

// Reads hot-cache chunks from this process's chunk memory, else from Redis (a whole
// chunk, then kept in memory; GETRANGE of the piece when there is no chunk memory).
// On any Redis failure it continues from the blob store. A piece is read without
// blocking (on the I/O thread) when its chunk is in memory; the chunk is held only
// while that piece is copied, so a paused stream keeps no chunk alive.
class cached_body final : public segmented_body {
 public:
  cached_body(store::redis_client& redis, const store::blob_store& blobs, std::shared_ptr<chunk_memory> local,
              std::string key, std::uint64_t chunk_bytes, std::vector<body_segment> segments)
      : segmented_body(std::move(segments)), redis_(redis), blobs_(blobs), local_(std::move(local)),
        key_(std::move(key)), chunk_bytes_(chunk_bytes) {}
  std::string_view origin() const override { return "hot_cache"; }
  bool blocking() const override {
    if (fallen_back_) return false;
    auto pos = upcoming_position();
    return pos && !pin(*pos);
  }

 private:
  bool can_continue(std::uint64_t pos) override { return fallen_back_ || pin(pos); }

  // Holds the chunk of `pos` when it is in memory.
  bool pin(std::uint64_t pos) const {
    auto chunk = pos / chunk_bytes_;
    if (pinned_ && pinned_chunk_ == chunk) return true;
    pinned_ = local_->get(key_, chunk);
    pinned_chunk_ = chunk;
    return pinned_ != nullptr;
  }

  std::size_t read(std::uint64_t pos, char* out, std::size_t want) override {
    if (!fallen_back_) {
      auto got = from_cache(pos, want, out);
      pinned_.reset();
      if (got) return got;
    }
    if (!blob_) {
      blob_ = blobs_.open(key_);
      if (!blob_) throw std::runtime_error("blob " + key_ + " missing after a hot cache failure");
    }
    return blob_->read(pos, out, want);
  }

  std::size_t from_cache(std::uint64_t pos, std::size_t want, char* out) {
    std::uint64_t chunk = pos / chunk_bytes_, in_chunk = pos % chunk_bytes_;
    want = static_cast<std::size_t>(std::min<std::uint64_t>(want, chunk_bytes_ - in_chunk));
    if (local_->enabled()) {
      if (pin(pos)) {
        stats().from_memory.Increment();
      } else {
        stats().from_redis.Increment();
        auto reply = redis_.command({"GET", hot_keys::chunk(key_, chunk)});
        if (!reply || reply->type != store::redis_reply::kind::string || reply->str.size() < in_chunk + want)
          return fail(pos);
        pinned_ = std::make_shared<const std::string>(std::move(reply->str));
        pinned_chunk_ = chunk;
        local_->put(key_, chunk, pinned_);
      }
      if (pinned_->size() < in_chunk + want) return fail(pos);
      std::memcpy(out, pinned_->data() + in_chunk, want);
      return want;
    }
    stats().from_redis.Increment();
    auto reply = redis_.command({"GETRANGE", hot_keys::chunk(key_, chunk), std::to_string(in_chunk),
                                 std::to_string(in_chunk + want - 1)});
    if (!reply || reply->type != store::redis_reply::kind::string || reply->str.size() != want) return fail(pos);
    std::memcpy(out, reply->str.data(), want);
    return want;
  }

  std::size_t fail(std::uint64_t pos) {
    spdlog::info("hot cache read of {} failed at byte {}; continuing from the blob store", key_, pos);
    fallen_back_ = true;
    stats().fallbacks.Increment();
    return 0;
  }

  store::redis_client& redis_;
  const store::blob_store& blobs_;
  std::shared_ptr<chunk_memory> local_;
  std::string key_;
  std::uint64_t chunk_bytes_;
  bool fallen_back_ = false;
  mutable std::shared_ptr<const std::string> pinned_;
  mutable std::uint64_t pinned_chunk_ = 0;
  std::unique_ptr<store::blob_reader> blob_;
};

}  // namespace

std::shared_ptr<const std::string> chunk_memory::get(const std::string& blob_key, std::uint64_t chunk) {
  if (!enabled()) return nullptr;
  auto id = blob_key + ":" + std::to_string(chunk);
  std::lock_guard lock(mutex_);
  auto* c = chunks_.find(id);
  return c ? *c : nullptr;
}

void chunk_memory::put(const std::string& blob_key, std::uint64_t chunk, std::shared_ptr<const std::string> data) {
  if (!enabled()) return;
  auto id = blob_key + ":" + std::to_string(chunk);
  std::lock_guard lock(mutex_);
  chunks_.insert(id, std::move(data));  // kept: a chunk two streams fetched at once
}

std::uint64_t chunk_memory::bytes() const {
  std::lock_guard lock(mutex_);
  return chunks_.weight();
}

hot_cache::hot_cache(store::redis_client& redis, const store::blob_store& blobs, hot_cache_options options)
    : redis_(redis),
      blobs_(blobs),
      options_(options),
      local_(std::make_shared<chunk_memory>(options.local_bytes)),
      worker_([this](std::stop_token stop) { run(stop); }) {
  stats();  // every family exposed from the start
}

hot_cache::~hot_cache() {
  worker_.request_stop();
  wake_.notify_all();
}

void hot_cache::played(const std::string& blob_key) { played_many({blob_key}); }

void hot_cache::played_many(const std::vector<std::string>& blob_keys) {
  if (blob_keys.empty()) return;
  auto at = window_now(options_.window);
  auto lifetime = std::to_string(2 * options_.window.count() + 1);
  auto threshold = std::to_string(options_.threshold), max = std::to_string(options_.max_bytes);
  std::vector<std::vector<std::string>> commands;
  for (const auto& key : blob_keys)
    commands.push_back({"3", hot_keys::count(key), hot_keys::index, hot_keys::bytes, at.number, at.weight,
                        lifetime, key, threshold, max});
  auto replies = redis_.eval_many(hot_scripts::play, commands);
  if (!replies) return;
  bool queued = false;
  for (std::size_t i = 0; i < blob_keys.size() && i < replies->size(); ++i) {
    const auto& r = (*replies)[i];
    if (r.is_error() && i == 0) spdlog::warn("hot cache: counting plays failed: {}", r.str);
    if (r.is_error() || r.elements.size() != 3 || r.elements[2].integer != 1) continue;
    std::lock_guard lock(mutex_);
    if (queue_.size() >= 1024 || !queued_.insert(blob_keys[i]).second) continue;  // bounded, once each
    queue_.push_back(blob_keys[i]);
    queued = true;
  }
  if (queued) wake_.notify_one();
}

std::optional<std::optional<std::uint64_t>> hot_cache::known_size(const std::string& blob_key) const {
  std::lock_guard lock(seen_mutex_);
  auto it = seen_.find(blob_key);
  if (it == seen_.end() || std::chrono::steady_clock::now() - it->second.first >= std::chrono::seconds(1))
    return std::nullopt;
  return it->second.second;
}

std::optional<std::uint64_t> hot_cache::cached_size(const std::string& blob_key) const {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(seen_mutex_);
    if (auto it = seen_.find(blob_key); it != seen_.end() && now - it->second.first < std::chrono::seconds(1))
      return it->second.second;
  }
  std::optional<std::uint64_t> result;
  auto r = redis_.command({"GET", hot_keys::meta(blob_key)});
  if (r && r->type == store::redis_reply::kind::string) {
    std::uint64_t size = 0;
    auto [p, ec] = std::from_chars(r->str.data(), r->str.data() + r->str.size(), size);
    if (ec == std::errc{}) result = size;
  }
  std::lock_guard lock(seen_mutex_);
  if (seen_.size() > 100000) seen_.clear();
  seen_[blob_key] = {now, result};
  return result;
}

std::shared_ptr<http::body_source> hot_cache::body(const std::string& blob_key,
                                                   std::vector<body_segment> segments) const {
  return std::make_shared<cached_body>(redis_, blobs_, local_, blob_key, options_.chunk_bytes, std::move(segments));
}

std::optional<double> hot_cache::heat(const std::string& blob_key) const {
  auto at = window_now(options_.window);
  auto r = redis_.command({"HMGET", hot_keys::count(blob_key), at.number, at.previous});
  if (!r || r->elements.size() != 2) return std::nullopt;
  return hot_policy::heat(number_in(r->elements[0]), number_in(r->elements[1]), at.weight_value);
}

bool hot_cache::promote(const std::string& blob_key) {
  auto current = heat(blob_key);  // the plays since it was queued count too
  if (!current) return false;
  const double heat = *current;
  auto reader = blobs_.open(blob_key);
  if (!reader) return false;
  std::uint64_t size = reader->size();
  if (size > options_.max_bytes) return false;
  if (!make_room(size, heat)) return false;
  auto ttl = std::to_string(options_.ttl.count());
  std::string buf;
  for (std::uint64_t chunk = 0; chunk * options_.chunk_bytes < size; ++chunk) {
    std::uint64_t pos = chunk * options_.chunk_bytes, n = std::min(options_.chunk_bytes, size - pos);
    buf.resize(n);
    // A read may stop short of n (an S3 reader at the end of one of its chunks).
    for (std::uint64_t got = 0; got < n;) {
      auto r = reader->read(pos + got, buf.data() + got, n - got);
      if (r == 0) return false;  // the blob is shorter than it said
      got += r;
    }
    auto r = redis_.command({"SET", hot_keys::chunk(blob_key, chunk), buf, "EX", ttl});
    if (!r || r->is_error()) return false;
  }
  // The meta key last: a song is served from Redis only once all its chunks are there.
  auto at = window_now(options_.window);
  std::vector<std::string> call{std::string(), hot_keys::meta(blob_key), hot_keys::index, hot_keys::sizes, hot_keys::bytes,
                                hot_keys::count(blob_key)};
  add_chunk_keys(call, blob_key, size, options_.chunk_bytes);
  call[0] = std::to_string(call.size() - 1);
  for (auto arg : {std::to_string(size), ttl, blob_key, at.number, at.weight}) call.push_back(std::move(arg));
  auto done = redis_.eval(hot_scripts::commit, call);
  if (!done || done->is_error() || done->integer < 0) return false;
  {
    std::lock_guard lock(seen_mutex_);
    seen_.erase(blob_key);
  }
  stats().promotions.Increment();
  spdlog::info("hot cache: {} ({} bytes, {:.1f} plays in the window) now served from Redis", blob_key, size, heat);
  return true;
}

// Evicts the coldest songs until `size` more bytes fit, but only songs no hotter
// than the newcomer: false when the cache is full of hotter songs (not admitted).
// Two instances promoting at once may each make room for their own song, so the cap
// can be passed by a song per promoting instance until the next eviction.
bool hot_cache::make_room(std::uint64_t size, double heat) {
  for (int guard = 0; guard < 10000; ++guard) {
    auto bytes = redis_.command({"GET", hot_keys::bytes});
    if (!bytes) return false;
    long long total = 0;
    if (bytes->type == store::redis_reply::kind::string)
      std::from_chars(bytes->str.data(), bytes->str.data() + bytes->str.size(), total);
    if (total < 0) {  // drifted: count again
      auto r = redis_.eval(hot_scripts::retally, {"2", hot_keys::sizes, hot_keys::bytes});
      if (!r || r->is_error()) return false;
      total = r->integer;
    }
    if (static_cast<std::uint64_t>(total) + size <= options_.max_bytes) return true;
    auto coldest = redis_.command({"ZRANGE", hot_keys::index, "0", "0", "WITHSCORES"});
    if (!coldest || coldest->is_error()) return false;
    if (coldest->elements.size() < 2) {  // nothing cached, yet a tally: it drifted
      auto r = redis_.eval(hot_scripts::retally, {"2", hot_keys::sizes, hot_keys::bytes});
      if (!r || r->is_error() || static_cast<std::uint64_t>(r->integer) + size > options_.max_bytes) return false;
      return true;
    }
    const std::string key = coldest->elements[0].str;
    if (!hot_policy::may_evict(std::strtod(coldest->elements[1].str.c_str(), nullptr), heat)) return false;
    auto key_size = redis_.command({"HGET", hot_keys::sizes, key});
    if (!key_size || key_size->is_error()) return false;
    std::vector<std::string> call{"", hot_keys::index, hot_keys::sizes, hot_keys::bytes, hot_keys::meta(key)};
    add_chunk_keys(call, key, static_cast<std::uint64_t>(number_in(*key_size)), options_.chunk_bytes);
    call[0] = std::to_string(call.size() - 1);
    call.push_back(key);
    auto dropped = redis_.eval(hot_scripts::drop, call);
    if (!dropped || dropped->is_error()) return false;
    {
      std::lock_guard lock(seen_mutex_);
      seen_.erase(key);
    }
    stats().evicted_room.Increment();
    spdlog::info("hot cache: evicted {} to make room under {} bytes", key, options_.max_bytes);
  }
  return false;
}

std::optional<long long> hot_cache::sweep() {
  auto at = window_now(options_.window);
  long long left = 0;
  std::string cursor = "0";
  do {
    auto page = redis_.command({"ZSCAN", hot_keys::index, cursor, "COUNT", "256"});
    if (!page || page->elements.size() != 2) return std::nullopt;
    cursor = page->elements[0].str;
    const auto& members = page->elements[1].elements;  // member, score, member, score, ...
    if (members.size() < 2) continue;
    std::vector<std::string> sizes_of{"HMGET", hot_keys::sizes};
    for (std::size_t i = 0; i + 1 < members.size(); i += 2) sizes_of.push_back(members[i].str);
    auto sizes = redis_.command(sizes_of);
    if (!sizes || sizes->elements.size() != sizes_of.size() - 2) return std::nullopt;
    std::vector<std::string> keys{hot_keys::index, hot_keys::sizes, hot_keys::bytes};
    std::vector<std::string> args{at.number, at.weight, std::to_string(options_.threshold),
                                  std::to_string(options_.ttl.count())};
    for (std::size_t i = 0; i < sizes->elements.size(); ++i) {
      const auto& song = sizes_of[i + 2];
      auto size = static_cast<std::uint64_t>(number_in(sizes->elements[i]));
      keys.push_back(hot_keys::meta(song));
      keys.push_back(hot_keys::count(song));
      add_chunk_keys(keys, song, size, options_.chunk_bytes);
      args.push_back(song);
      args.push_back(std::to_string(hot_policy::chunk_count(size, options_.chunk_bytes)));
    }
    std::vector<std::string> command{std::to_string(keys.size())};
    command.insert(command.end(), keys.begin(), keys.end());
    command.insert(command.end(), args.begin(), args.end());
    auto r = redis_.eval(hot_scripts::sweep, command);
    if (!r) return std::nullopt;
    if (r->is_error()) {
      spdlog::warn("hot cache: sweep script failed: {}", r->str);
      return std::nullopt;
    }
    left += r->integer;
  } while (cursor != "0");
  return left;
}

void hot_cache::count_stream(bool hit) { (hit ? stats().hit : stats().miss).Increment(); }

void hot_cache::refresh_gauges() const {
  stats().memory_bytes.Set(static_cast<double>(local_->bytes()));
  auto songs = redis_.command({"ZCARD", hot_keys::index});
  auto bytes = redis_.command({"GET", hot_keys::bytes});
  if (songs && songs->type == store::redis_reply::kind::integer) stats().songs.Set(static_cast<double>(songs->integer));
  if (bytes) stats().bytes.Set(std::max(0.0, number_in(*bytes)));
}

void hot_cache::run(std::stop_token stop) {
  auto next_sweep = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    wake_.wait_until(lock, stop, next_sweep, [this] { return !queue_.empty(); });
    if (stop.stop_requested()) return;
    if (std::chrono::steady_clock::now() >= next_sweep) {
      lock.unlock();
      try {
        if (auto left = sweep(); left && *left > 0) {
          stats().evicted_expired.Increment(static_cast<double>(*left));
          spdlog::info("hot cache: {} song(s) expired", *left);
        }
        refresh_gauges();
      } catch (const std::exception& e) {
        spdlog::warn("hot cache: sweep failed: {}", e.what());
      }
      next_sweep = std::chrono::steady_clock::now() + options_.sweep_every;
      lock.lock();
      continue;
    }
    auto key = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      // Asked directly: cached_size's one-second memory must not keep a "no" from
      // before the promotion.
      auto in_index = redis_.command({"ZSCORE", hot_keys::index, key});
      if (in_index && in_index->type == store::redis_reply::kind::nil && promote(key)) refresh_gauges();
    } catch (const std::exception& e) {
      spdlog::warn("hot cache: promoting {} failed: {}", key, e.what());
    }
    lock.lock();
    queued_.erase(key);
  }
}

}  // namespace tonearm::stream
