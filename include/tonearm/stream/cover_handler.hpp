// Cover art over HTTP: GET /v1/albums/{id}/cover, /v1/songs/{id}/cover and
// /v1/authors/{id}/cover with ?size=64|300|640 (default 300). The image is a JPEG blob;
// its blob key is the strong ETag (304 on If-None-Match). 404 JSON when there is none.
#pragma once

#include <optional>
#include <string>

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/catalog_repository.hpp"

namespace tonearm::stream {

class cover_handler final {
 public:
  cover_handler(store::catalog_repository& catalog, const store::blob_store& blobs) : catalog_(catalog), blobs_(blobs) {}

  http::response album(const http::request& req) const;
  http::response song(const http::request& req) const;
  http::response author(const http::request& req) const;
  // The cover of `kind` ('l' album, 's' song, 'a' author) `id` at `size` px (64, 300
  // or 640), for other APIs (Subsonic's getCoverArt); nullopt when there is none.
  std::optional<http::response> image(const http::request& req, char kind, std::int64_t id, int size) const;

 private:
  http::response answer(const http::request& req, char kind, const char* what) const;
  store::catalog_repository& catalog_;
  const store::blob_store& blobs_;
};

}  // namespace tonearm::stream
