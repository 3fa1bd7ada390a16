// Cover art over HTTP (see cover_handler.hpp).
#include "tonearm/stream/cover_handler.hpp"

#include "tonearm/catalog/cover_art.hpp"
#include "tonearm/core/error.hpp"
#include "tonearm/http/params.hpp"

namespace tonearm::stream {

namespace {

// ?size=: one of the served sizes.
int size_param(const http::request& req) {
  auto text = req.query_param("size");
  if (!text) return 300;
  for (int s : catalog::cover_sizes)
    if (*text == std::to_string(s)) return s;
  throw api_error(errc::bad_request, "size must be 64, 300 or 640");
}

}  // namespace

std::optional<http::response> cover_handler::image(const http::request& req, char kind, std::int64_t id,
                                                   int size) const {
  auto cover = catalog_.cover_of(kind, id);
  if (!cover) return std::nullopt;
  // The smallest served size at least as large as asked (the largest when none is).
  std::size_t pick = catalog::cover_sizes.size() - 1;
  for (std::size_t i = 0; i < catalog::cover_sizes.size(); ++i)
    if (catalog::cover_sizes[i] >= size) {
      pick = i;
      break;
    }
  const std::string& key = cover->sizes[pick];
  http::response res;
  const std::string etag = "\"" + key + "\"";
  res.headers.set("ETag", etag);
  // The URL names an album (or song, or author), whose cover a new ingest may change:
  // cached for a day and revalidated by ETag, not immutable.
  res.headers.set("Cache-Control", "public, max-age=86400");
  auto match = req.header("If-None-Match");
  if (!match.empty() && (match == "*" || match.find(etag) != std::string_view::npos)) {
    res.status = 304;
    return res;
  }
  auto reader = blobs_.open(key);
  if (!reader) throw api_error(errc::internal, "the cover image " + key + " is missing from the blob store");
  std::string body(reader->size(), '\0');
  std::size_t got = 0;
  while (got < body.size()) {
    auto n = reader->read(got, body.data() + got, body.size() - got);
    if (n == 0) throw api_error(errc::internal, "the cover image " + key + " is shorter than stored");
    got += n;
  }
  res.status = 200;
  res.body = std::move(body);
  res.headers.set("Content-Type", "image/jpeg");
  return res;
}

http::response cover_handler::answer(const http::request& req, char kind, const char* what) const {
  auto id = http::path_id(req, "id", what);
  int size = size_param(req);
  if (auto res = image(req, kind, id, size)) return std::move(*res);
  return http::error_response(errc::not_found, std::string("no cover for ") + what + " " + std::to_string(id));
}

http::response cover_handler::album(const http::request& req) const { return answer(req, 'l', "album"); }
http::response cover_handler::song(const http::request& req) const { return answer(req, 's', "song"); }
http::response cover_handler::author(const http::request& req) const { return answer(req, 'a', "author"); }

}  // namespace tonearm::stream
