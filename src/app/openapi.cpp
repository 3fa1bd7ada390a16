// GET /v1/openapi.json: the embedded document, revalidated by a strong ETag.
#include "tonearm/app/openapi.hpp"

#include <cstdint>
#include <cstdio>
#include <string>

namespace tonearm::app {

namespace {

// FNV-1a 64 of the document: it changes only with the binary, so this is enough to
// tell one build's document from another's.
std::string document_etag() {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : openapi_document()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(h));
  return text;
}

// If-None-Match: "*" or a list of tags; ours has no comma or quote inside, so a
// substring match is exact (a weak W/"..." of it matches too, as RFC 9110 13.1.2 wants).
bool etag_listed(std::string_view list, std::string_view etag) {
  return list == "*" || list.find(etag) != std::string_view::npos;
}

}  // namespace

http::response handle_openapi(const http::request& req) {
  static const std::string etag = document_etag();
  http::response res;
  res.headers.set("ETag", etag);
  res.headers.set("Cache-Control", "no-cache");
  if (etag_listed(req.header("If-None-Match"), etag)) {
    res.status = 304;
    return res;
  }
  res.status = 200;
  res.body = std::string(openapi_document());
  res.headers.set("Content-Type", "application/json");
  return res;
}

}  // namespace tonearm::app
