// A bounded cache of blob chunks on local disk, least recently used out first by
// bytes: what the S3 blob store reads through, so a song played again costs the
// object store nothing. Chunks are files (ROOT/ab/<key>.<index>), written whole to a
// temporary name and renamed, so a crash never leaves a partial chunk under its name;
// what is on disk at start is taken back in (a restart keeps its cache).
// Thread-safe. An evicted chunk that a reader still holds stays readable (its file is
// unlinked, its descriptor kept).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace tonearm::store {

// One cached chunk: an open descriptor (pread, sendfile) and its size.
class cached_chunk {
 public:
  cached_chunk(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  ~cached_chunk();
  cached_chunk(const cached_chunk&) = delete;
  cached_chunk& operator=(const cached_chunk&) = delete;
  int fd() const { return fd_; }
  std::uint64_t size() const { return size_; }

 private:
  int fd_;
  std::uint64_t size_;
};

struct chunk_cache_stats {
  std::uint64_t bytes = 0, chunks = 0, hits = 0, misses = 0, evictions = 0;
};

class chunk_cache {
 public:
  chunk_cache(std::filesystem::path root, std::uint64_t max_bytes);
  ~chunk_cache();
  chunk_cache(const chunk_cache&) = delete;
  chunk_cache& operator=(const chunk_cache&) = delete;

  // The chunk when it is cached (and now the most recently used); nullptr otherwise.
  std::shared_ptr<cached_chunk> find(std::string_view key, std::uint64_t index);
  // Stores `bytes` as the chunk and returns it open; evicts the least recently used
  // chunks beyond max_bytes. Throws std::runtime_error when the disk refuses (full,
  // read-only): the caller can still serve `bytes` it holds.
  std::shared_ptr<cached_chunk> store(std::string_view key, std::uint64_t index, std::string_view bytes);

  chunk_cache_stats stats() const;
  const std::filesystem::path& root() const;

 private:
  struct state;
  std::unique_ptr<state> s_;
};

}  // namespace tonearm::store
