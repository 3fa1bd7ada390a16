#include "tonearm/store/s3_blob_store.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "tonearm/core/error.hpp"
#include "tonearm/core/lru_cache.hpp"
#include "tonearm/metrics/metrics.hpp"

namespace tonearm::store {

namespace {

// A chunk the disk cache refused (full, read-only): kept in an anonymous file so the
// reader still gets a descriptor.
std::shared_ptr<cached_chunk> anonymous_chunk(std::string_view bytes) {
  int fd = ::memfd_create("tonearm-chunk", MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error(std::string("memfd write: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return std::make_shared<cached_chunk>(fd, bytes.size());
}

// Prometheus series of the S3 store and its chunk cache, brought up to date from the
// stores' own counters before each scrape (counters only move forward: by the delta).
struct s3_metrics {
  prometheus::Counter& requests = metrics::counter("tonearm_s3_requests_total", "HTTP requests sent to the object store, retries included.").Add({});
  prometheus::Counter& retries = metrics::counter("tonearm_s3_retries_total", "Object store requests sent again (5xx, SlowDown, resets).").Add({});
  prometheus::Counter& errors = metrics::counter("tonearm_s3_errors_total", "Object store calls that failed after their retries.").Add({});
  prometheus::Counter& connections = metrics::counter("tonearm_s3_connections_opened_total", "Connections opened to the object store.").Add({});
  prometheus::Family<prometheus::Counter>& fetch_family =
      metrics::counter("tonearm_s3_chunk_fetches_total", "Chunks fetched with a ranged GET, by why: read (a reader waited) or read_ahead.");
  prometheus::Counter& fetch_read = fetch_family.Add({{"why", "read"}});
  prometheus::Counter& fetch_ahead = fetch_family.Add({{"why", "read_ahead"}});
  prometheus::Counter& shared = metrics::counter("tonearm_s3_chunk_fetches_shared_total", "Chunk misses that waited for a GET another reader had started (single flight).").Add({});
  prometheus::Family<prometheus::Counter>& lookups = metrics::counter("tonearm_chunk_cache_lookups_total", "Chunk cache lookups, by result.");
  prometheus::Counter& hits = lookups.Add({{"result", "hit"}});
  prometheus::Counter& misses = lookups.Add({{"result", "miss"}});
  prometheus::Counter& evictions = metrics::counter("tonearm_chunk_cache_evictions_total", "Chunks evicted from the disk cache (least recently used).").Add({});
  prometheus::Gauge& bytes = metrics::gauge("tonearm_chunk_cache_bytes", "Bytes of chunks in the disk cache.").Add({});
  prometheus::Gauge& chunks = metrics::gauge("tonearm_chunk_cache_chunks", "Chunks in the disk cache.").Add({});
};

void advance(prometheus::Counter& c, std::uint64_t now, std::uint64_t& last) {
  if (now > last) c.Increment(static_cast<double>(now - last));
  last = now;
}

[[noreturn]] void unavailable(const s3::error& e) {
  throw api_error(errc::unavailable, std::string("the blob store is unavailable: ") + e.what());
}

}  // namespace

struct s3_blob_store::impl : std::enable_shared_from_this<impl> {
  std::shared_ptr<s3::client> client;
  std::shared_ptr<chunk_cache> cache;
  s3_blob_options options;

  std::mutex sizes_mutex;
  core::lru_cache<s3::object_info> sizes;

  std::mutex flight_mutex;
  std::map<std::string, std::shared_future<std::shared_ptr<cached_chunk>>> flights;
  std::atomic<std::uint64_t> fetches{0}, shared{0}, aheads{0};

  // Read-ahead: a few threads and a short queue (a full queue drops the hint).
  std::mutex ahead_mutex;
  std::condition_variable ahead_cv;
  std::deque<std::tuple<std::string, std::uint64_t, std::uint64_t>> ahead_queue;
  bool stopping = false;
  std::vector<std::thread> ahead_threads;
  metrics::scrape_hook metrics_hook;

  void start_metrics() {
    static s3_metrics m;
    struct last_seen {
      std::uint64_t requests = 0, retries = 0, errors = 0, connections = 0, fetches = 0, aheads = 0, shared = 0, hits = 0,
                    misses = 0, evictions = 0;
    };
    metrics_hook = metrics::scrape_hook([this, last = last_seen{}]() mutable {
      auto c = client->stats();
      auto k = cache->stats();
      advance(m.requests, c.requests, last.requests);
      advance(m.retries, c.retries, last.retries);
      advance(m.errors, c.errors, last.errors);
      advance(m.connections, c.connections, last.connections);
      auto ahead = aheads.load();
      advance(m.fetch_ahead, ahead, last.aheads);
      advance(m.fetch_read, fetches.load(), last.fetches);
      advance(m.shared, shared.load(), last.shared);
      advance(m.hits, k.hits, last.hits);
      advance(m.misses, k.misses, last.misses);
      advance(m.evictions, k.evictions, last.evictions);
      m.bytes.Set(static_cast<double>(k.bytes));
      m.chunks.Set(static_cast<double>(k.chunks));
    });
  }

  impl(std::shared_ptr<s3::client> c, std::shared_ptr<chunk_cache> cc, s3_blob_options o)
      : client(std::move(c)), cache(std::move(cc)), options(std::move(o)), sizes(options.known_sizes) {
    if (options.chunk_bytes == 0) throw std::invalid_argument("chunk_bytes must not be 0");
  }

  void start_read_ahead() {
    for (int i = 0; i < options.read_ahead_threads; ++i)
      ahead_threads.emplace_back([this] { read_ahead_loop(); });
  }

  void stop_read_ahead() {
    {
      std::lock_guard lock(ahead_mutex);
      stopping = true;
    }
    ahead_cv.notify_all();
    for (auto& t : ahead_threads) t.join();
  }

  std::string object_key(std::string_view key) const { return options.prefix + std::string(key); }

  std::optional<s3::object_info> info(std::string_view key) {
    {
      std::lock_guard lock(sizes_mutex);
      if (auto* known = sizes.find(key)) return *known;
    }
    std::optional<s3::object_info> got;
    try {
      got = client->head(object_key(key));
    } catch (const s3::error& e) {
      unavailable(e);
    }
    if (!got) return std::nullopt;  // not remembered: it may be uploaded any moment
    std::lock_guard lock(sizes_mutex);
    sizes.insert(key, *got);
    return got;
  }

  // Chunk `index` of the blob (`size` bytes): from the disk cache, else one GET shared
  // by every reader that wants it now. Throws s3::error when the store fails.
  std::shared_ptr<cached_chunk> chunk(const std::string& key, std::uint64_t index, std::uint64_t size,
                                      bool ahead = false) {
    if (auto c = cache->find(key, index)) return c;
    auto name = key + "." + std::to_string(index);
    std::promise<std::shared_ptr<cached_chunk>> promise;
    std::shared_future<std::shared_ptr<cached_chunk>> future;
    bool leader = false;
    {
      std::lock_guard lock(flight_mutex);
      if (auto it = flights.find(name); it != flights.end()) {
        future = it->second;
      } else {
        future = promise.get_future().share();
        flights.emplace(name, future);
        leader = true;
      }
    }
    if (!leader) {
      ++shared;
      return future.get();
    }
    try {
      // The GET that may have just finished for another reader left it in the cache.
      auto c = cache->find(key, index);
      if (!c) {
        auto first = index * options.chunk_bytes;
        auto length = std::min(options.chunk_bytes, size - first);
        ++(ahead ? aheads : fetches);
        auto bytes = client->get_range(object_key(key), first, length);
        try {
          c = cache->store(key, index, bytes);
        } catch (const std::runtime_error& e) {
          spdlog::warn("chunk cache: {} (serving the chunk from memory)", e.what());
          c = anonymous_chunk(bytes);
        }
      }
      promise.set_value(c);
    } catch (...) {
      promise.set_exception(std::current_exception());
    }
    {
      std::lock_guard lock(flight_mutex);
      flights.erase(name);
    }
    return future.get();
  }

  void hint(const std::string& key, std::uint64_t index, std::uint64_t size) {
    if (ahead_threads.empty() || index * options.chunk_bytes >= size) return;
    {
      std::lock_guard lock(ahead_mutex);
      if (ahead_queue.size() >= 64) return;
      ahead_queue.emplace_back(key, index, size);
    }
    ahead_cv.notify_one();
  }

  void read_ahead_loop() {
    for (;;) {
      std::tuple<std::string, std::uint64_t, std::uint64_t> job;
      {
        std::unique_lock lock(ahead_mutex);
        ahead_cv.wait(lock, [&] { return stopping || !ahead_queue.empty(); });
        if (stopping) return;
        job = std::move(ahead_queue.front());
        ahead_queue.pop_front();
      }
      auto& [key, index, size] = job;
      if (cache->find(key, index)) continue;
      try {
        chunk(key, index, size, /*ahead=*/true);
      } catch (const std::exception& e) {
        spdlog::debug("read-ahead of {} chunk {} failed: {}", key, index, e.what());
      }
    }
  }
};

namespace {

class s3_blob_reader final : public blob_reader {
 public:
  s3_blob_reader(std::shared_ptr<s3_blob_store::impl> store, std::string key, s3::object_info info)
      : store_(std::move(store)), key_(std::move(key)), info_(std::move(info)) {}

  std::uint64_t size() const override { return info_.size; }
  std::int64_t modified() const override { return info_.last_modified; }
  bool blocking() const override { return true; }

  bool blocks_at(std::uint64_t offset) override {
    if (offset >= info_.size) return false;
    auto index = offset / store_->options.chunk_bytes;
    if (current_ && current_index_ == index) return false;
    if (auto cached = store_->cache->find(key_, index)) {  // pinned: read() takes it
      current_ = std::move(cached);
      current_index_ = index;
      store_->hint(key_, index + 1, info_.size);
      return false;
    }
    return true;
  }

  // A chunk on local disk is sent from its file: pinned here until the next call.
  std::optional<region> region_at(std::uint64_t offset, std::uint64_t n) override {
    if (offset >= info_.size || n == 0 || blocks_at(offset)) return std::nullopt;
    auto within = offset - current_index_ * store_->options.chunk_bytes;
    if (within >= current_->size()) return std::nullopt;
    return region{current_->fd(), within, std::min<std::uint64_t>(n, current_->size() - within)};
  }

  std::size_t read(std::uint64_t offset, char* out, std::size_t n) override {
    if (offset >= info_.size || n == 0) return 0;
    const auto chunk_bytes = store_->options.chunk_bytes;
    auto index = offset / chunk_bytes;
    if (!current_ || current_index_ != index) {
      try {
        current_ = store_->chunk(key_, index, info_.size);
      } catch (const s3::error& e) {
        throw std::runtime_error("blob " + key_ + " chunk " + std::to_string(index) + ": " + e.what());
      }
      current_index_ = index;
      store_->hint(key_, index + 1, info_.size);
    }
    auto within = offset - index * chunk_bytes;
    auto want = std::min<std::uint64_t>(n, current_->size() - within);
    std::size_t done = 0;
    while (done < want) {
      auto r = ::pread(current_->fd(), out + done, want - done, static_cast<off_t>(within + done));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw std::runtime_error("chunk read of blob " + key_ + ": " + std::strerror(errno));
      if (r == 0) throw std::runtime_error("chunk of blob " + key_ + " shorter than its size");
      done += static_cast<std::size_t>(r);
    }
    return done;
  }

 private:
  std::shared_ptr<s3_blob_store::impl> store_;
  std::string key_;
  s3::object_info info_;
  std::shared_ptr<cached_chunk> current_;
  std::uint64_t current_index_ = 0;
};

}  // namespace

s3_blob_store::s3_blob_store(std::shared_ptr<s3::client> client, std::shared_ptr<chunk_cache> cache,
                             s3_blob_options options)
    : impl_(std::make_shared<impl>(std::move(client), std::move(cache), std::move(options))) {
  impl_->start_read_ahead();
  impl_->start_metrics();
}

s3_blob_store::~s3_blob_store() {
  impl_->metrics_hook = metrics::scrape_hook();
  impl_->stop_read_ahead();
}

bool s3_blob_store::exists(std::string_view key) const {
  if (!valid_blob_key(key)) throw std::invalid_argument("bad blob key");
  return impl_->info(key).has_value();
}

std::unique_ptr<blob_reader> s3_blob_store::open(std::string_view key) const {
  if (!valid_blob_key(key)) throw std::invalid_argument("bad blob key");
  auto info = impl_->info(key);
  if (!info) return nullptr;
  return std::make_unique<s3_blob_reader>(impl_, std::string(key), *info);
}

bool s3_blob_store::opens_at_once(std::string_view key) const {
  std::lock_guard lock(impl_->sizes_mutex);
  return impl_->sizes.find(key) != nullptr;
}

bool s3_blob_store::put_file(std::string_view key, const std::filesystem::path& source) {
  return put_file(key, source, {});
}

bool s3_blob_store::put_file(std::string_view key, const std::filesystem::path& source,
                             const std::function<void(std::uint64_t)>& progress) {
  if (!valid_blob_key(key)) throw std::invalid_argument("bad blob key");
  auto size = std::filesystem::file_size(source);
  if (auto there = stored_size(key); there && *there == size) return false;
  try {
    impl_->client->put_file(impl_->object_key(key), source, impl_->options.part_bytes, "application/octet-stream",
                            progress);
  } catch (const s3::error& e) {
    throw std::runtime_error(std::string("uploading blob ") + std::string(key) + ": " + e.what());
  }
  return true;
}

std::optional<std::uint64_t> s3_blob_store::stored_size(std::string_view key) const {
  std::optional<s3::object_info> got;
  try {
    got = impl_->client->head(impl_->object_key(key));
  } catch (const s3::error& e) {
    unavailable(e);
  }
  if (!got) return std::nullopt;
  return got->size;
}

std::string s3_blob_store::check() const {
  try {
    impl_->client->check_bucket();
    return "ok";
  } catch (const s3::error& e) {
    return std::string(e.transport() ? "unreachable: " : "refused: ") + e.what();
  }
}

s3::client& s3_blob_store::client() const { return *impl_->client; }

s3_blob_stats s3_blob_store::stats() const {
  return {impl_->fetches.load() + impl_->aheads.load(), impl_->shared.load(), impl_->aheads.load()};
}

}  // namespace tonearm::store
