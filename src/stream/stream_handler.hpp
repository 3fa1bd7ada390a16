// GET/HEAD /v1/songs/{id}/stream: a song's audio with range requests.
#pragma once

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/catalog_repository.hpp"

namespace tonearm::stream {

class stream_handler final {
 public:
  stream_handler(store::catalog_repository& catalog, const store::blob_store& blobs)
      : catalog_(catalog), blobs_(blobs) {}
  http::response operator()(const http::request& req) const;

 private:
  store::catalog_repository& catalog_;
  const store::blob_store& blobs_;
};

}  // namespace tonearm::stream
