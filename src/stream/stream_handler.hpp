// GET/HEAD /v1/songs/{id}/stream: a song's audio with range requests.
#pragma once

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/catalog_repository.hpp"
#include "tonearm/stream/hot_cache.hpp"
#include "tonearm/stream/play_counter.hpp"

namespace tonearm::stream {

class stream_handler final {
 public:
  stream_handler(store::catalog_repository& catalog, const store::blob_store& blobs, const play_counter& plays,
                 hot_cache& hot)
      : catalog_(catalog), blobs_(blobs), plays_(plays), hot_(hot) {}
  http::response operator()(const http::request& req) const;

 private:
  store::catalog_repository& catalog_;
  const store::blob_store& blobs_;
  const play_counter& plays_;
  hot_cache& hot_;
};

// GET /v1/charts/top?window=hour|day|week&limit=: the most played songs.
class charts_handler final {
 public:
  charts_handler(store::catalog_repository& catalog, const play_counter& plays) : catalog_(catalog), plays_(plays) {}
  http::response operator()(const http::request& req) const;

 private:
  store::catalog_repository& catalog_;
  const play_counter& plays_;
};

}  // namespace tonearm::stream
