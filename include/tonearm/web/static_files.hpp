// The web player's files (web/), served by tonearm itself at "/".
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"

namespace tonearm::web {

struct asset {
  std::string content_type;
  std::string etag;       // strong, from the content
  std::string body;
  std::string gzip;       // empty when compressing does not pay
  std::string gzip_etag;  // the gzip representation's own strong ETag
};

// MIME type for a file name by its extension ("application/octet-stream" if unknown).
std::string_view content_type_for(std::string_view file_name);
// Whether Accept-Encoding allows gzip (a q=0 refuses it; "*" allows it).
bool accepts_gzip(std::string_view accept_encoding);
// gzip (RFC 1952) of `data` at the best compression.
std::string gzip_compress(std::string_view data);
// If-None-Match against `etag` with the weak comparison of RFC 9110 section 13.1.2.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

// The files of one flat directory, kept in memory with their ETags and gzip forms.
// The directory is checked again at most once a second, so an edited file is served
// on the next request without a restart. Only names of [A-Za-z0-9._-] not starting
// with '.' are served; the URL never becomes a path.
class static_files {
 public:
  explicit static_files(std::filesystem::path dir);
  // GET/HEAD of `name` ("" is index.html): 200, 304 or a 404 JSON error.
  http::response serve(const http::request& req, std::string_view name) const;
  std::size_t file_count() const;

 private:
  using file_map = std::map<std::string, asset, std::less<>>;
  std::shared_ptr<const file_map> current() const;
  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const file_map> files_;
  mutable std::string signature_;  // names, sizes and mtimes of the loaded files
  mutable std::chrono::steady_clock::time_point checked_{};
};

}  // namespace tonearm::web
