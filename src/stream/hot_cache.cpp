// Hot-song cache in Redis: counting, promotion, eviction, and a Redis-backed body.
#include "tonearm/stream/hot_cache.hpp"

#include "segmented_body.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tonearm::stream {

namespace {

std::string meta_key(const std::string& k) { return "tonearm:hot:meta:" + k; }
std::string chunk_key(const std::string& k, std::uint64_t n) { return "tonearm:hot:chunk:" + k + ":" + std::to_string(n); }

// Heat = plays in the last window, estimated from two fixed windows (a sliding-window
// counter): this window's plays + the previous window's * the share of it still
// inside the sliding window. tonearm:hot:count:{key} is a hash window number -> plays.
//
// play: counts one play and answers {heat, cached (0/1), admit (0/1)}; a cached song's
// heat is kept as its score in the index (eviction order). admit: not cached, heat at
// least the threshold, and either room in the cache or at least as hot as its coldest
// song (ties go to the newcomer: its plays are the more recent).
// KEYS: count hash, index, bytes. ARGV: window number, previous window's weight,
// hash lifetime, song key, threshold, max bytes.
const store::redis_script play_script{R"lua(
local cur = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
if cur == 1 then
  for _, w in ipairs(redis.call('HKEYS', KEYS[1])) do
    if tonumber(w) < tonumber(ARGV[1]) - 1 then redis.call('HDEL', KEYS[1], w) end
  end
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
local prev = tonumber(redis.call('HGET', KEYS[1], tostring(tonumber(ARGV[1]) - 1)) or '0')
local heat = cur + prev * tonumber(ARGV[2])
if redis.call('ZSCORE', KEYS[2], ARGV[4]) then
  redis.call('ZADD', KEYS[2], 'XX', heat, ARGV[4])
  return {tostring(heat), 1, 0}
end
local admit = 0
if heat >= tonumber(ARGV[5]) then
  if tonumber(redis.call('GET', KEYS[3]) or '0') < tonumber(ARGV[6]) then
    admit = 1
  else
    local coldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    if #coldest == 0 or tonumber(coldest[2]) <= heat then admit = 1 end
  end
end
return {tostring(heat), 0, admit}
)lua"};

// Removes a cached song: index entry, size, byte tally, meta and chunks. Returns the
// bytes freed, -1 when it was not cached (another instance got there first).
// KEYS: index, sizes, bytes. ARGV: song key, chunk bytes.
const store::redis_script drop_script{R"lua(
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
local size = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DECRBY', KEYS[3], size)
redis.call('DEL', 'tonearm:hot:meta:' .. ARGV[1])
for c = 0, math.ceil(size / tonumber(ARGV[2])) - 1 do
  redis.call('DEL', 'tonearm:hot:chunk:' .. ARGV[1] .. ':' .. c)
end
return size
)lua"};

// Makes a song whose chunks are all written servable: checks that every chunk is
// there (another instance may have evicted the song while we wrote), then meta, index
// (score: its heat now, counting the plays during the copy), size and tally, once
// even when two instances promoted it at the same time. Returns 1 when added, 0 when
// already cached, -1 when a chunk is missing.
// KEYS: meta, index, sizes, bytes, count hash. ARGV: size, ttl, song key, chunk
// bytes, window number, previous window's weight.
const store::redis_script commit_script{R"lua(
for c = 0, math.ceil(tonumber(ARGV[1]) / tonumber(ARGV[4])) - 1 do
  if redis.call('EXISTS', 'tonearm:hot:chunk:' .. ARGV[3] .. ':' .. c) == 0 then return -1 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if redis.call('ZSCORE', KEYS[2], ARGV[3]) then return 0 end
local cur = tonumber(redis.call('HGET', KEYS[5], ARGV[5]) or '0')
local prev = tonumber(redis.call('HGET', KEYS[5], tostring(tonumber(ARGV[5]) - 1)) or '0')
redis.call('ZADD', KEYS[2], cur + prev * tonumber(ARGV[6]), ARGV[3])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
redis.call('INCRBY', KEYS[4], ARGV[1])
return 1
)lua"};

// Rebuilds the byte tally from the sizes of the cached songs (after a drift: a
// FLUSHALL, lost keys). KEYS: sizes, bytes. Returns the tally.
const store::redis_script retally_script{R"lua(
local total = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(v) end
redis.call('SET', KEYS[2], total)
return total
)lua"};

// Every few seconds: songs whose meta expired (cold for a whole TTL) leave the index
// and the tally; every other cached song gets its current heat as its score (a song
// nobody plays any more cools down to 0 and is the first evicted), and a song still
// at the threshold gets its TTL renewed when half of it is gone.
// Run on slices of the index (ZSCAN), so Redis is never busy with it for long.
// KEYS: index, sizes, bytes. ARGV: window number, previous window's weight,
// threshold, ttl, chunk bytes, then the songs. Returns how many songs left.
const store::redis_script sweep_script{R"lua(
local left = 0
local ttl = tonumber(ARGV[4])
for i = 6, #ARGV do
  local k = ARGV[i]
  local meta = 'tonearm:hot:meta:' .. k
  local size = tonumber(redis.call('HGET', KEYS[2], k) or '0')
  local chunks = math.ceil(size / tonumber(ARGV[5]))
  if not redis.call('ZSCORE', KEYS[1], k) then
    -- dropped since the scan
  elseif redis.call('EXISTS', meta) == 0 then
    redis.call('ZREM', KEYS[1], k)
    redis.call('HDEL', KEYS[2], k)
    redis.call('DECRBY', KEYS[3], size)
    for c = 0, chunks - 1 do redis.call('DEL', 'tonearm:hot:chunk:' .. k .. ':' .. c) end
    left = left + 1
  else
    local h = 'tonearm:hot:count:' .. k
    local cur = tonumber(redis.call('HGET', h, ARGV[1]) or '0')
    local prev = tonumber(redis.call('HGET', h, tostring(tonumber(ARGV[1]) - 1)) or '0')
    local heat = cur + prev * tonumber(ARGV[2])
    redis.call('ZADD', KEYS[1], heat, k)
    if heat >= tonumber(ARGV[3]) and redis.call('TTL', meta) < ttl / 2 then
      for c = 0, chunks - 1 do redis.call('EXPIRE', 'tonearm:hot:chunk:' .. k .. ':' .. c, ttl) end
      redis.call('EXPIRE', meta, ttl)
    end
  end
end
return left
)lua"};

constexpr const char* index_key = "tonearm:hot:index";
constexpr const char* sizes_key = "tonearm:hot:sizes";
constexpr const char* bytes_key = "tonearm:hot:bytes";

// Where now is in the fixed windows: the window's number and the weight of the
// previous window in the sliding estimate (the share of it still inside the last
// `window` seconds).
std::pair<std::string, std::string> window_position(std::chrono::seconds window) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto length = std::max<std::int64_t>(1, window.count()) * 1000;
  double weight = 1.0 - static_cast<double>(ms % length) / static_cast<double>(length);
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", weight);
  return {std::to_string(ms / length), text};
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
      if (!pin(pos)) {
        auto reply = redis_.command({"GET", chunk_key(key_, chunk)});
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
    auto reply = redis_.command({"GETRANGE", chunk_key(key_, chunk), std::to_string(in_chunk),
                                 std::to_string(in_chunk + want - 1)});
    if (!reply || reply->type != store::redis_reply::kind::string || reply->str.size() != want) return fail(pos);
    std::memcpy(out, reply->str.data(), want);
    return want;
  }

  std::size_t fail(std::uint64_t pos) {
    spdlog::info("hot cache read of {} failed at byte {}; continuing from the blob store", key_, pos);
    fallen_back_ = true;
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
  if (max_bytes_ == 0) return nullptr;
  auto id = blob_key + ":" + std::to_string(chunk);
  std::lock_guard lock(mutex_);
  auto it = index_.find(id);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void chunk_memory::put(const std::string& blob_key, std::uint64_t chunk, std::shared_ptr<const std::string> data) {
  if (max_bytes_ == 0 || data->size() > max_bytes_) return;
  auto id = blob_key + ":" + std::to_string(chunk);
  std::lock_guard lock(mutex_);
  if (index_.count(id)) return;  // two streams fetched it at once
  bytes_ += data->size();
  lru_.emplace_front(id, std::move(data));
  index_.emplace(std::move(id), lru_.begin());
  while (bytes_ > max_bytes_) {
    bytes_ -= lru_.back().second->size();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::uint64_t chunk_memory::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

hot_cache::hot_cache(store::redis_client& redis, const store::blob_store& blobs, hot_cache_options options)
    : redis_(redis),
      blobs_(blobs),
      options_(options),
      local_(std::make_shared<chunk_memory>(options.local_bytes)),
      worker_([this](std::stop_token stop) { run(stop); }) {}

hot_cache::~hot_cache() {
  worker_.request_stop();
  wake_.notify_all();
}

void hot_cache::played(const std::string& blob_key) { played_many({blob_key}); }

void hot_cache::played_many(const std::vector<std::string>& blob_keys) {
  if (blob_keys.empty()) return;
  auto [window, weight] = window_position(options_.window);
  auto lifetime = std::to_string(2 * options_.window.count() + 1);
  auto threshold = std::to_string(options_.threshold), max = std::to_string(options_.max_bytes);
  std::vector<std::vector<std::string>> commands;
  for (const auto& key : blob_keys)
    commands.push_back({"3", "tonearm:hot:count:" + key, index_key, bytes_key, window, weight,
                        lifetime, key, threshold, max});
  auto replies = redis_.eval_many(play_script, commands);
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
  auto r = redis_.command({"GET", meta_key(blob_key)});
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
  auto [window, weight] = window_position(options_.window);
  auto r = redis_.command({"HMGET", "tonearm:hot:count:" + blob_key, window, std::to_string(std::stoll(window) - 1)});
  if (!r || r->elements.size() != 2) return std::nullopt;
  auto plays = [&](std::size_t i) { return r->elements[i].type == store::redis_reply::kind::string ? std::strtod(r->elements[i].str.c_str(), nullptr) : 0.0; };
  return plays(0) + plays(1) * std::strtod(weight.c_str(), nullptr);
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
    if (reader->read(pos, buf.data(), n) != n) return false;
    auto r = redis_.command({"SET", chunk_key(blob_key, chunk), buf, "EX", ttl});
    if (!r || r->is_error()) return false;
  }
  // The meta key last: a song is served from Redis only once all its chunks are there.
  auto [window, weight] = window_position(options_.window);
  auto done = redis_.eval(commit_script, {"5", meta_key(blob_key), index_key, sizes_key, bytes_key,
                              "tonearm:hot:count:" + blob_key, std::to_string(size), ttl, blob_key,
                              std::to_string(options_.chunk_bytes), window, weight});
  if (!done || done->is_error() || done->integer < 0) return false;
  {
    std::lock_guard lock(seen_mutex_);
    seen_.erase(blob_key);
  }
  spdlog::info("hot cache: {} ({} bytes, {:.1f} plays in the window) now served from Redis", blob_key, size, heat);
  return true;
}

// Evicts the coldest songs until `size` more bytes fit, but only songs no hotter
// than the newcomer: false when the cache is full of hotter songs (not admitted).
// Two instances promoting at once may each make room for their own song, so the cap
// can be passed by a song per promoting instance until the next eviction.
bool hot_cache::make_room(std::uint64_t size, double heat) {
  for (int guard = 0; guard < 10000; ++guard) {
    auto bytes = redis_.command({"GET", bytes_key});
    if (!bytes) return false;
    long long total = 0;
    if (bytes->type == store::redis_reply::kind::string)
      std::from_chars(bytes->str.data(), bytes->str.data() + bytes->str.size(), total);
    if (total < 0) {  // drifted: count again
      auto r = redis_.eval(retally_script, {"2", sizes_key, bytes_key});
      if (!r || r->is_error()) return false;
      total = r->integer;
    }
    if (static_cast<std::uint64_t>(total) + size <= options_.max_bytes) return true;
    auto coldest = redis_.command({"ZRANGE", index_key, "0", "0", "WITHSCORES"});
    if (!coldest || coldest->is_error()) return false;
    if (coldest->elements.size() < 2) {  // nothing cached, yet a tally: it drifted
      auto r = redis_.eval(retally_script, {"2", sizes_key, bytes_key});
      if (!r || r->is_error() || static_cast<std::uint64_t>(r->integer) + size > options_.max_bytes) return false;
      return true;
    }
    const std::string key = coldest->elements[0].str;
    if (std::strtod(coldest->elements[1].str.c_str(), nullptr) > heat) return false;
    auto dropped = redis_.eval(drop_script, {"3", index_key, sizes_key, bytes_key, key,
                                   std::to_string(options_.chunk_bytes)});
    if (!dropped || dropped->is_error()) return false;
    {
      std::lock_guard lock(seen_mutex_);
      seen_.erase(key);
    }
    spdlog::info("hot cache: evicted {} to make room under {} bytes", key, options_.max_bytes);
  }
  return false;
}

std::optional<long long> hot_cache::sweep() {
  auto [window, weight] = window_position(options_.window);
  long long left = 0;
  std::string cursor = "0";
  do {
    auto page = redis_.command({"ZSCAN", index_key, cursor, "COUNT", "256"});
    if (!page || page->elements.size() != 2) return std::nullopt;
    cursor = page->elements[0].str;
    std::vector<std::string> command{"3", index_key, sizes_key, bytes_key, window, weight,
                                     std::to_string(options_.threshold), std::to_string(options_.ttl.count()),
                                     std::to_string(options_.chunk_bytes)};
    const auto& members = page->elements[1].elements;  // member, score, member, score, ...
    for (std::size_t i = 0; i + 1 < members.size(); i += 2) command.push_back(members[i].str);
    if (command.size() == 9) continue;
    auto r = redis_.eval(sweep_script, command);
    if (!r) return std::nullopt;
    if (r->is_error()) {
      spdlog::warn("hot cache: sweep script failed: {}", r->str);
      return std::nullopt;
    }
    left += r->integer;
  } while (cursor != "0");
  return left;
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
        if (auto left = sweep(); left && *left > 0) spdlog::info("hot cache: {} song(s) expired", *left);
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
      auto in_index = redis_.command({"ZSCORE", index_key, key});
      if (in_index && in_index->type == store::redis_reply::kind::nil) promote(key);
    } catch (const std::exception& e) {
      spdlog::warn("hot cache: promoting {} failed: {}", key, e.what());
    }
    lock.lock();
    queued_.erase(key);
  }
}

}  // namespace tonearm::stream
