#include "tonearm/store/chunk_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace tonearm::store {

namespace fs = std::filesystem;

cached_chunk::~cached_chunk() {
  if (fd_ >= 0) ::close(fd_);
}

struct chunk_cache::state {
  fs::path root;
  std::uint64_t max_bytes;
  mutable std::mutex mutex;
  // Most recently used first: names ("<key>.<index>") and sizes.
  std::list<std::pair<std::string, std::uint64_t>> order;
  std::unordered_map<std::string, std::list<std::pair<std::string, std::uint64_t>>::iterator> index;
  std::uint64_t bytes = 0;
  std::atomic<std::uint64_t> hits{0}, misses{0}, evictions{0}, temp_seq{0};

  fs::path path_of(const std::string& name) const { return root / name.substr(0, 2) / name; }

  // Drops the least recently used until `bytes` fits; the mutex is held.
  void evict_locked() {
    while (bytes > max_bytes && !order.empty()) {
      auto [name, size] = order.back();
      order.pop_back();
      index.erase(name);
      bytes -= size;
      ++evictions;
      std::error_code ec;
      fs::remove(path_of(name), ec);
    }
  }
};

namespace {

std::string chunk_name(std::string_view key, std::uint64_t index) {
  return std::string(key) + "." + std::to_string(index);
}

}  // namespace

chunk_cache::chunk_cache(fs::path root, std::uint64_t max_bytes) : s_(std::make_unique<state>()) {
  s_->root = std::move(root);
  s_->max_bytes = max_bytes;
  fs::create_directories(s_->root);
  // Take back what an earlier run left, oldest first, so the newest end up in front;
  // leftovers of interrupted writes (".tmp-" names) go.
  std::vector<std::tuple<fs::file_time_type, std::string, std::uint64_t>> found;
  for (const auto& dir : fs::directory_iterator(s_->root)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      auto name = f.path().filename().string();
      std::error_code ec;
      if (name.find(".tmp-") != std::string::npos) {
        fs::remove(f.path(), ec);
        continue;
      }
      if (!f.is_regular_file()) continue;
      found.emplace_back(f.last_write_time(), name, f.file_size());
    }
  }
  std::sort(found.begin(), found.end());
  for (const auto& [time, name, size] : found) {
    s_->order.emplace_front(name, size);
    s_->index[name] = s_->order.begin();
    s_->bytes += size;
  }
  s_->evict_locked();
}

chunk_cache::~chunk_cache() = default;

const fs::path& chunk_cache::root() const { return s_->root; }

std::shared_ptr<cached_chunk> chunk_cache::find(std::string_view key, std::uint64_t index) {
  auto name = chunk_name(key, index);
  std::uint64_t size = 0;
  {
    std::lock_guard lock(s_->mutex);
    auto it = s_->index.find(name);
    if (it == s_->index.end()) {
      ++s_->misses;
      return nullptr;
    }
    s_->order.splice(s_->order.begin(), s_->order, it->second);
    size = it->second->second;
  }
  int fd = ::open(s_->path_of(name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {  // removed behind our back: forget it
    std::lock_guard lock(s_->mutex);
    if (auto it = s_->index.find(name); it != s_->index.end()) {
      s_->bytes -= it->second->second;
      s_->order.erase(it->second);
      s_->index.erase(it);
    }
    ++s_->misses;
    return nullptr;
  }
  ++s_->hits;
  return std::make_shared<cached_chunk>(fd, size);
}

std::shared_ptr<cached_chunk> chunk_cache::store(std::string_view key, std::uint64_t index, std::string_view bytes) {
  auto name = chunk_name(key, index);
  auto final_path = s_->path_of(name);
  fs::create_directories(final_path.parent_path());
  auto temp = final_path;
  temp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(s_->temp_seq++);
  int fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("chunk cache: cannot create " + temp.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      throw std::runtime_error("chunk cache: cannot write " + temp.string() + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  // No fsync: a chunk lost in a crash is fetched again; one cut short by a crash is
  // caught by its size (the store's size is known) and fetched again too.
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    throw std::runtime_error("chunk cache: cannot rename " + temp.string() + ": " + std::strerror(err));
  }
  auto chunk = std::make_shared<cached_chunk>(fd, bytes.size());
  std::lock_guard lock(s_->mutex);
  if (auto it = s_->index.find(name); it != s_->index.end()) {  // stored twice (a race): count it once
    s_->bytes -= it->second->second;
    s_->order.erase(it->second);
    s_->index.erase(it);
  }
  s_->order.emplace_front(name, bytes.size());
  s_->index[name] = s_->order.begin();
  s_->bytes += bytes.size();
  s_->evict_locked();
  return chunk;
}

chunk_cache_stats chunk_cache::stats() const {
  std::lock_guard lock(s_->mutex);
  return {s_->bytes, s_->index.size(), s_->hits.load(), s_->misses.load(), s_->evictions.load()};
}

}  // namespace tonearm::store
