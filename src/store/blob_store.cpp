// Local-directory blob store and file hashing.
#include "tonearm/store/blob_store.hpp"

#include "tonearm/core/lru_cache.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <mutex>
#include <cerrno>
#include <cstring>
#include <random>
#include <utility>
#include <stdexcept>

namespace tonearm::store {

namespace {

std::runtime_error io_error(const std::string& what, const std::filesystem::path& p) {
  return std::runtime_error(what + " " + p.string() + ": " + std::strerror(errno));
}

// Owns a file descriptor.
class fd_handle {
 public:
  explicit fd_handle(int fd) : fd_(fd) {}
  ~fd_handle() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_handle(const fd_handle&) = delete;
  fd_handle& operator=(const fd_handle&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

struct open_blob {
  open_blob(int fd, std::uint64_t size, std::int64_t modified) : fd(fd), size(size), modified(modified) {}
  fd_handle fd;
  std::uint64_t size;
  std::int64_t modified;
};

class local_blob_reader final : public blob_reader {
 public:
  explicit local_blob_reader(std::shared_ptr<const open_blob> f) : f_(std::move(f)) {}
  std::uint64_t size() const override { return f_->size; }
  int native_handle() const override { return f_->fd.get(); }
  std::int64_t modified() const override { return f_->modified; }
  std::size_t read(std::uint64_t offset, char* out, std::size_t n) override {
    for (;;) {
      ssize_t r = ::pread(f_->fd.get(), out, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<std::size_t>(r);
      if (errno != EINTR) throw std::runtime_error(std::string("blob read failed: ") + std::strerror(errno));
    }
  }

 private:
  std::shared_ptr<const open_blob> f_;
};

}  // namespace

// Recently opened blobs: an evicted one closes when its last reader is done.
struct local_blob_store::open_files {
  explicit open_files(std::size_t max_open) : files(max_open) {}
  std::mutex mutex;
  core::lru_cache<std::shared_ptr<const open_blob>> files;

  std::shared_ptr<const open_blob> find(std::string_view key) {
    std::lock_guard lock(mutex);
    auto* f = files.find(key);
    return f ? *f : nullptr;
  }

  // The file now cached under `key`: `f`, or the one another reader opened first.
  std::shared_ptr<const open_blob> add(std::string_view key, std::shared_ptr<const open_blob> f) {
    std::lock_guard lock(mutex);
    auto [stored, added] = files.insert(key, f);
    return stored ? *stored : f;  // nullptr: caching is off (max_open 0)
  }
};

bool valid_blob_key(std::string_view key) noexcept {
  if (key.size() != 64) return false;
  for (char c : key)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

local_blob_store::local_blob_store(std::filesystem::path root, std::size_t max_open)
    : root_(std::move(root)), open_(std::make_unique<open_files>(max_open)) {}

local_blob_store::~local_blob_store() = default;

std::filesystem::path local_blob_store::path_for(std::string_view key) const {
  if (!valid_blob_key(key)) throw std::invalid_argument("invalid blob key");
  return root_ / std::string(key.substr(0, 2)) / std::string(key.substr(2, 2)) / std::string(key);
}

bool local_blob_store::exists(std::string_view key) const {
  std::error_code ec;
  return std::filesystem::is_regular_file(path_for(key), ec);
}

std::unique_ptr<blob_reader> local_blob_store::open(std::string_view key) const {
  if (!valid_blob_key(key)) throw std::invalid_argument("invalid blob key");
  if (auto f = open_->find(key)) return std::make_unique<local_blob_reader>(std::move(f));
  auto path = path_for(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return nullptr;
    throw io_error("cannot open blob", path);
  }
  fd_handle owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw io_error("cannot stat blob", path);
  auto f = std::make_shared<const open_blob>(owned.release(), static_cast<std::uint64_t>(st.st_size),
                                             static_cast<std::int64_t>(st.st_mtime));
  return std::make_unique<local_blob_reader>(open_->add(key, std::move(f)));
}

std::string local_blob_store::check() const {
  if (::access(root_.c_str(), R_OK | X_OK) != 0)
    return std::string("unreachable: ") + root_.string() + ": " + std::strerror(errno);
  return "ok";
}

bool local_blob_store::put_file(std::string_view key, const std::filesystem::path& source) {
  auto target = path_for(key);
  if (exists(key)) return false;
  std::filesystem::create_directories(target.parent_path());
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto temp = target.parent_path() / (".tmp-" + std::string(key.substr(0, 16)) + "-" + std::to_string(rng()));
  {
    fd_handle in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) throw io_error("cannot open", source);
    fd_handle out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (out.get() < 0) throw io_error("cannot create", temp);
    std::array<char, 1 << 16> buf;
    try {
      for (;;) {
        ssize_t n = ::read(in.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw io_error("cannot read", source);
        if (n == 0) break;
        for (ssize_t done = 0; done < n;) {
          ssize_t w = ::write(out.get(), buf.data() + done, static_cast<std::size_t>(n - done));
          if (w < 0 && errno == EINTR) continue;
          if (w < 0) throw io_error("cannot write", temp);
          done += w;
        }
      }
      if (::fsync(out.get()) != 0) throw io_error("cannot sync", temp);
    } catch (...) {
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      throw;
    }
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    auto err = io_error("cannot rename into", target);
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw err;
  }
  return true;
}

namespace {
std::string hex_of(const unsigned char (&digest)[crypto_hash_sha256_BYTES]) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
  }
  return out;
}
}  // namespace

std::string sha256_file(const std::filesystem::path& path, std::uint64_t* size) {
  fd_handle in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) throw io_error("cannot open", path);
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::array<unsigned char, 1 << 16> buf;
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("cannot read", path);
    if (n == 0) break;
    crypto_hash_sha256_update(&state, buf.data(), static_cast<unsigned long long>(n));
    total += static_cast<std::uint64_t>(n);
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  if (size) *size = total;
  return hex_of(digest);
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return hex_of(digest);
}

}  // namespace tonearm::store
