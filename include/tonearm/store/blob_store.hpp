// Audio bytes by content key (SHA-256 hex): a local directory (local_blob_store) or an
// S3-compatible object store read through a disk chunk cache (s3_blob_store).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tonearm::store {

// True for 64 lowercase hex digits: the only keys a store accepts, so a key can
// never name a path outside the store.
bool valid_blob_key(std::string_view key) noexcept;

// An open blob; reads at any offset (for byte ranges). Not thread-safe.
class blob_reader {
 public:
  virtual ~blob_reader() = default;
  virtual std::uint64_t size() const = 0;
  // Last modification, seconds since the epoch (a blob never changes after it is stored).
  virtual std::int64_t modified() const = 0;
  // Reads up to `n` bytes at `offset` into `out`; returns bytes read (0 at the end).
  // Throws std::runtime_error on an I/O error.
  virtual std::size_t read(std::uint64_t offset, char* out, std::size_t n) = 0;
  // A file descriptor of the bytes that the kernel can send from (sendfile), or -1
  // when the store has none (a remote store). Owned by the reader.
  virtual int native_handle() const { return -1; }
  // True when read() may wait on the network (a remote store): the session then reads
  // on the blocking pool, never on an I/O thread.
  virtual bool blocking() const { return false; }
  // For a blocking reader: whether a read at `offset` would wait on the network now
  // (false when those bytes are already on local disk: then it may be read on an I/O
  // thread, and stays readable without the network until the next call).
  virtual bool blocks_at(std::uint64_t /*offset*/) { return blocking(); }
  // The bytes at `offset` (at most `n`, > 0) as a region of an open file the kernel can
  // send from (sendfile), when they are on local disk now: a local blob, or an S3
  // blob's chunk in the chunk cache (the region ends with the chunk). The descriptor
  // stays valid until the next call on this reader. nullopt: read() them.
  struct region {
    int fd;
    std::uint64_t offset;
    std::uint64_t length;
  };
  virtual std::optional<region> region_at(std::uint64_t offset, std::uint64_t n) {
    int fd = native_handle();
    if (fd < 0 || offset >= size() || n == 0) return std::nullopt;
    return region{fd, offset, std::min<std::uint64_t>(n, size() - offset)};
  }
};

class blob_store {
 public:
  virtual ~blob_store() = default;
  virtual bool exists(std::string_view key) const = 0;
  // nullptr when the blob is missing. Throws std::invalid_argument for a bad key.
  virtual std::unique_ptr<blob_reader> open(std::string_view key) const = 0;
  // Whether open(key) answers without waiting on the network now (always for a local
  // directory; for S3 when the blob's size is already known): an I/O thread may then
  // call it. False: open it on a worker.
  virtual bool opens_at_once(std::string_view /*key*/) const { return true; }
  // Stores the file at `source` under `key` atomically (temp file + fsync + rename):
  // a crash leaves either no blob or the whole blob. Returns false when it was
  // already there (nothing written). Throws std::runtime_error on I/O errors.
  virtual bool put_file(std::string_view key, const std::filesystem::path& source) = 0;
  // For /readyz: "ok", or what is wrong ("unreachable: ..." for a store that does not
  // answer, "refused: ..." for one that answers no).
  virtual std::string check() const = 0;
};

// Blobs at ROOT/ab/cd/abcd…: two levels of 256 folders keep directories small.
// The most recently opened `max_open` blobs stay open and are shared by readers (a
// blob never changes, and reads take explicit offsets): a stream of a popular song
// costs no open/fstat/close. A blob deleted while open is still served until evicted.
class local_blob_store final : public blob_store {
 public:
  explicit local_blob_store(std::filesystem::path root, std::size_t max_open = 256);
  ~local_blob_store() override;
  bool exists(std::string_view key) const override;
  std::unique_ptr<blob_reader> open(std::string_view key) const override;
  bool put_file(std::string_view key, const std::filesystem::path& source) override;
  std::string check() const override;  // the directory is there and readable
  std::filesystem::path path_for(std::string_view key) const;

 private:
  struct open_files;
  std::filesystem::path root_;
  std::unique_ptr<open_files> open_;
};

// SHA-256 of a file's bytes as 64 lowercase hex digits; also returns its size.
// Throws std::runtime_error when the file cannot be read.
std::string sha256_file(const std::filesystem::path& path, std::uint64_t* size = nullptr);
// The blob key of bytes in memory (SHA-256, lowercase hex).
std::string sha256_hex(std::string_view bytes);

}  // namespace tonearm::store
