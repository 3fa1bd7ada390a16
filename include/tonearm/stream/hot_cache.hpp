// Hot songs in Redis: a song played often enough within a window is copied into Redis
// (chunked, with a TTL, under a byte cap that evicts the coldest first) and streamed
// from there. Any Redis trouble means the blob store serves instead.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "tonearm/core/lru_cache.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/redis_client.hpp"
#include "tonearm/stream/byte_range.hpp"

namespace tonearm::stream {

// A response body as literal text (multipart part headers) and ranges of the audio.
using body_segment = std::variant<std::string, byte_range>;

struct hot_cache_options {
  std::int64_t threshold = 20;                 // plays within the window that make a song hot
  std::chrono::seconds window{300};
  std::uint64_t max_bytes = 256ULL << 20;      // all cached audio together
  std::chrono::seconds ttl{3600};              // refreshed while the song stays hot
  std::uint64_t chunk_bytes = 256 * 1024;
  std::uint64_t local_bytes = 64ULL << 20;     // chunks kept in this process too (0: none)
  std::chrono::milliseconds sweep_every{2000};  // rescoring, expiry and TTL renewal
};

// The hot-cache chunks read most recently, kept in this process and shared by every
// stream: the hottest songs are served from memory with no Redis round trip and no
// thread hop. Chunks are immutable (keyed by content hash), so never stale. LRU
// under a byte cap.
class chunk_memory {
 public:
  explicit chunk_memory(std::uint64_t max_bytes) : chunks_(max_bytes) {}
  std::shared_ptr<const std::string> get(const std::string& blob_key, std::uint64_t chunk);
  void put(const std::string& blob_key, std::uint64_t chunk, std::shared_ptr<const std::string> data);
  std::uint64_t bytes() const;
  bool enabled() const { return chunks_.capacity() > 0; }

 private:
  struct chunk_bytes {
    std::size_t operator()(const std::shared_ptr<const std::string>& c) const { return c->size(); }
  };
  mutable std::mutex mutex_;
  core::lru_cache<std::shared_ptr<const std::string>, chunk_bytes> chunks_;
};

// A song's heat is its plays in the last `window` seconds (sliding-window estimate from
// two fixed windows). A song is promoted when its heat reaches the threshold and there
// is room or it is hotter than the coldest cached song, which is then evicted (so a
// long tail of songs that just reach the threshold cannot churn the hits out).
// The rules are hot_policy.hpp's, applied in Redis by hot_scripts.hpp's scripts; the
// key names are hot_keys.hpp's.
class hot_cache {
 public:
  hot_cache(store::redis_client& redis, const store::blob_store& blobs, hot_cache_options options);
  ~hot_cache();
  hot_cache(const hot_cache&) = delete;
  hot_cache& operator=(const hot_cache&) = delete;

  // Counts a play of `blob_key`; when the song is hot enough and admitted it is queued
  // for promotion (done by a background thread, within about a second).
  void played(const std::string& blob_key);
  // The same for many plays in one round trip.
  void played_many(const std::vector<std::string>& blob_keys);
  // The size when `blob_key` is fully cached; nullopt otherwise or when Redis fails.
  std::optional<std::uint64_t> cached_size(const std::string& blob_key) const;
  // What cached_size answered less than a second ago, without asking Redis: nullopt
  // when unknown, else the cached size (nullopt inside: not cached).
  std::optional<std::optional<std::uint64_t>> known_size(const std::string& blob_key) const;
  // A body of `segments` read from Redis in pieces (GETRANGE, at most the session's
  // piece size in memory), falling back to the blob store for the rest when Redis
  // fails mid-way, so a started stream always finishes.
  std::shared_ptr<http::body_source> body(const std::string& blob_key, std::vector<body_segment> segments) const;

  // Copies `blob_key` into Redis now, evicting songs no hotter than it to make room
  // (also used by the background thread). Returns false when Redis failed, the blob
  // is missing or the cache is full of hotter songs.
  bool promote(const std::string& blob_key);
  // Plays of `blob_key` in the last window (estimated); nullopt when Redis failed.
  std::optional<double> heat(const std::string& blob_key) const;
  // Rescoring, expiry and TTL renewal (the background thread runs it every
  // sweep_every); returns how many expired songs left, nullopt when Redis failed.
  std::optional<long long> sweep();
  // Counts an audio response with a body as served from the hot cache or not.
  static void count_stream(bool hit);

 private:
  void run(std::stop_token stop);
  // Sets the songs/bytes gauges from Redis and the chunk-memory gauge.
  void refresh_gauges() const;
  bool make_room(std::uint64_t size, double heat);

  store::redis_client& redis_;
  const store::blob_store& blobs_;
  hot_cache_options options_;
  std::shared_ptr<chunk_memory> local_;
  // cached_size answers for a second without asking Redis again.
  mutable std::mutex seen_mutex_;
  mutable std::unordered_map<std::string, std::pair<std::chrono::steady_clock::time_point, std::optional<std::uint64_t>>> seen_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<std::string> queue_;  // songs to promote
  std::unordered_set<std::string> queued_;
  std::jthread worker_;
};

}  // namespace tonearm::stream
