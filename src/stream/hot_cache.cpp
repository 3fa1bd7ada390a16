// Hot-song cache in Redis: counting, promotion, eviction, and a Redis-backed body.
#include "tonearm/stream/hot_cache.hpp"

#include "segmented_body.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstring>

namespace tonearm::stream {

namespace {

std::string meta_key(const std::string& k) { return "tonearm:hot:meta:" + k; }
std::string chunk_key(const std::string& k, std::uint64_t n) { return "tonearm:hot:chunk:" + k + ":" + std::to_string(n); }

// Counts the play in a window that starts with the window's first play; returns the
// count so far.
constexpr const char* count_script = R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
)lua";

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
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
  std::vector<std::vector<std::string>> commands;
  for (const auto& key : blob_keys)
    commands.push_back({"EVAL", count_script, "1", "tonearm:hot:count:" + key, std::to_string(options_.window.count())});
  auto replies = redis_.pipeline(commands);
  if (!replies) return;
  bool queued = false;
  for (std::size_t i = 0; i < blob_keys.size() && i < replies->size(); ++i) {
    const auto& n = (*replies)[i];
    if (n.is_error() || n.integer != options_.threshold) continue;  // crossing only once per window
    std::lock_guard lock(mutex_);
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

bool hot_cache::promote(const std::string& blob_key) {
  auto reader = blobs_.open(blob_key);
  if (!reader) return false;
  std::uint64_t size = reader->size();
  if (size > options_.max_bytes) return false;
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
  auto done = redis_.pipeline({{"SET", meta_key(blob_key), std::to_string(size), "EX", ttl},
                               {"ZADD", "tonearm:hot:index", std::to_string(now_seconds()), blob_key},
                               {"INCRBY", "tonearm:hot:bytes", std::to_string(size)}});
  if (!done) return false;
  {
    std::lock_guard lock(seen_mutex_);
    seen_.erase(blob_key);
  }
  evict_to_fit();
  spdlog::info("hot cache: {} ({} bytes) now served from Redis", blob_key, size);
  return true;
}

void hot_cache::evict_to_fit() {
  for (int guard = 0; guard < 1000; ++guard) {
    auto bytes = redis_.command({"GET", "tonearm:hot:bytes"});
    if (!bytes || bytes->type != store::redis_reply::kind::string) return;
    std::uint64_t total = 0;
    std::from_chars(bytes->str.data(), bytes->str.data() + bytes->str.size(), total);
    if (total <= options_.max_bytes) return;
    auto coldest = redis_.command({"ZPOPMIN", "tonearm:hot:index"});
    if (!coldest || coldest->elements.empty()) return;
    const std::string key = coldest->elements[0].str;
    auto size = cached_size(key).value_or(0);
    std::vector<std::vector<std::string>> drop{{"DEL", meta_key(key)}};
    for (std::uint64_t c = 0; c * options_.chunk_bytes < size; ++c) drop.push_back({"DEL", chunk_key(key, c)});
    drop.push_back({"DECRBY", "tonearm:hot:bytes", std::to_string(size)});
    if (size == 0) drop.back() = {"SET", "tonearm:hot:bytes", "0"};  // expired meta: restart the tally
    redis_.pipeline(drop);
    {
      std::lock_guard lock(seen_mutex_);
      seen_.erase(key);
    }
    spdlog::info("hot cache: evicted {} to stay under {} bytes", key, options_.max_bytes);
  }
}

void hot_cache::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    wake_.wait(lock, stop, [this] { return !queue_.empty(); });
    if (stop.stop_requested()) return;
    auto key = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      if (!cached_size(key)) promote(key);
    } catch (const std::exception& e) {
      spdlog::warn("hot cache: promoting {} failed: {}", key, e.what());
    }
    lock.lock();
  }
}

}  // namespace tonearm::stream
