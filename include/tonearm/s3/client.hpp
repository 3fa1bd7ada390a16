// A client of an S3-compatible object store (AWS S3, Swift's S3 API, MinIO, R2, B2):
// the object calls a blob store needs, signed with SigV4, over HTTP or HTTPS
// (certificate and host name verified), with a pool of kept-alive connections, one
// deadline per call and retries with jittered backoff for idempotent requests.
// Calls block the calling thread (each runs its connection's own io_context), so call
// them from worker threads, never from the server's I/O threads. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tonearm/s3/sigv4.hpp"

namespace tonearm::s3 {

// "http://127.0.0.1:9000", "https://s3.eu-west-1.amazonaws.com" (a path after the
// host is a prefix of every request path, for stores behind a proxy path).
struct endpoint {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string base_path;  // "" or "/prefix"
  // Host header: the port only when it is not the scheme's default.
  std::string host_header() const;
};
// Throws std::invalid_argument naming what is wrong.
endpoint parse_endpoint(std::string_view url);

struct client_config {
  std::string endpoint;
  std::string region = "us-east-1";
  std::string bucket;
  bool path_style = true;  // false: virtual-hosted style (bucket.host)
  std::chrono::milliseconds timeout{10000};  // a whole call, retries included
  credentials creds;
  int max_attempts = 4;           // for idempotent requests: 5xx, SlowDown, resets
  std::size_t max_idle_connections = 32;
  std::string ca_file;            // "" = the system's trust store
};

// A failed call. `status` 0 and `code` empty for a transport failure (no answer:
// refused, reset, timed out); otherwise the HTTP status and the S3 error code
// ("NoSuchBucket", "SignatureDoesNotMatch", "SlowDown"; "" when the body had none).
class error : public std::runtime_error {
 public:
  error(int status, std::string code, const std::string& what)
      : std::runtime_error(what), status_(status), code_(std::move(code)) {}
  int status() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }
  bool transport() const noexcept { return status_ == 0; }
  bool timed_out() const noexcept { return code_ == "timeout"; }

 private:
  int status_;
  std::string code_;
};

struct object_info {
  std::uint64_t size = 0;
  std::string etag;
  std::string content_type;
  std::int64_t last_modified = 0;  // seconds since the epoch, 0 when not given
};

// Counters for metrics and tests (monotonic; read with stats()).
struct client_stats {
  std::uint64_t requests = 0;     // HTTP requests sent, retries included
  std::uint64_t retries = 0;
  std::uint64_t connections = 0;  // connections opened
  std::uint64_t errors = 0;       // calls that threw
};

class client {
 public:
  explicit client(client_config config);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  const client_config& config() const noexcept;

  // HeadBucket: throws error when the bucket cannot be used (NoSuchBucket, 403 ...).
  void check_bucket();

  // HeadObject; nullopt when there is no such key.
  std::optional<object_info> head(std::string_view key);

  // GetObject of bytes [offset, offset + length): exactly those bytes or an error (a
  // short or overlong answer, or a Content-Range that does not match, is an error,
  // never data). `info`, when given, gets the object's size and ETag.
  std::string get_range(std::string_view key, std::uint64_t offset, std::uint64_t length,
                        object_info* info = nullptr);

  // PutObject of a body in memory; returns the ETag.
  std::string put(std::string_view key, std::string_view body, std::string_view content_type = {});

  // The file under `key`: one PutObject up to `part_bytes`, else a multipart upload
  // of parts of `part_bytes` (at least 5 MiB), aborted when any part fails, so no
  // incomplete upload is left behind. `progress` gets bytes sent so far.
  void put_file(std::string_view key, const std::filesystem::path& file, std::uint64_t part_bytes = 16 << 20,
                std::string_view content_type = {}, const std::function<void(std::uint64_t)>& progress = {});

  // Multipart pieces (put_file uses them; public for tests).
  std::string create_multipart(std::string_view key, std::string_view content_type = {});
  std::string upload_part(std::string_view key, const std::string& upload_id, int part_number,
                          std::string_view body);  // returns the part's ETag
  void complete_multipart(std::string_view key, const std::string& upload_id,
                          const std::vector<std::string>& etags);
  void abort_multipart(std::string_view key, const std::string& upload_id);
  // Upload ids of incomplete multipart uploads under `prefix`.
  std::vector<std::string> list_multipart_uploads(std::string_view prefix);

  // DeleteObject (no error when it is not there).
  void remove(std::string_view key);

  // Keys under `prefix`, ListObjectsV2 page by page, with their sizes.
  std::vector<std::pair<std::string, std::uint64_t>> list(std::string_view prefix);

  client_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tonearm::s3
