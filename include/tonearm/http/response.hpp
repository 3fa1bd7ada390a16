// An HTTP response as handlers build it; the session turns it into bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tonearm/core/error.hpp"
#include "tonearm/http/headers.hpp"

namespace tonearm::http {

// A body produced piece by piece (audio streams): the session pulls the next piece
// only after the previous one was written, so memory per stream stays bounded.
class body_source {
 public:
  virtual ~body_source() = default;
  // Total bytes this source will produce (sent as Content-Length).
  virtual std::uint64_t size() const = 0;
  // Writes the next bytes into `out`, at most `max` of them, and returns how many;
  // 0 when done. Throws on a read failure, which aborts the response.
  virtual std::size_t next(char* out, std::size_t max) = 0;
  // True when next() may wait on the network (Redis): the session then calls it on
  // the blocking pool instead of the I/O thread. Local files read from the page cache
  // are fine on the I/O thread.
  virtual bool blocking() const { return false; }
  // When the whole body is one region of an open file, the session may send it with
  // sendfile(2): no user-space buffer, no copy. The descriptor stays valid while the
  // source lives. nullopt (the default) means "pull pieces with next()".
  struct file_region {
    int fd;
    std::uint64_t offset;
    std::uint64_t length;
  };
  virtual std::optional<file_region> file() const { return std::nullopt; }
  // The next piece, at most `max` bytes, as a region of an open file when it is one
  // now (an S3 blob's chunk in the disk cache, a part of a multipart body): the source
  // moves past it, and the descriptor stays valid until the next call. Called on the
  // I/O thread, so it never waits on the network. nullopt (the default): pull the
  // next piece with next().
  virtual std::optional<file_region> next_region(std::uint64_t /*max*/) { return std::nullopt; }
  // Where the bytes come from, for the metrics (tonearm_http_response_body_bytes_total
  // {source}): a fixed word, e.g. "blob_store", "hot_cache".
  virtual std::string_view origin() const { return "other"; }
};

struct response {
  unsigned status = 200;
  http::headers headers;
  std::string body;
  // When set, the body comes from here instead of `body`.
  std::shared_ptr<body_source> stream;
  // Set by the session for logging: bytes of body actually written.
  std::uint64_t body_bytes_sent = 0;
};

// A response with a JSON body text.
response json_response(unsigned status, std::string json_text);
// The JSON error shape {"error":{"code":...,"message":...}} for `code`.
response error_response(errc code, std::string_view message, std::string_view details = {});

// The HTTP status and JSON code for an error value.
unsigned error_status(errc code) noexcept;
std::string_view error_code_name(errc code) noexcept;

}  // namespace tonearm::http
