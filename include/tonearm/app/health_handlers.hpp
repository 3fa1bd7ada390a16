// GET /healthz (process alive) and GET /readyz (PostgreSQL, Redis and the blob store
// reachable, file descriptors left).
#pragma once

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/http/server.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/pg_pool.hpp"
#include "tonearm/store/read_route.hpp"
#include "tonearm/store/redis_client.hpp"

namespace tonearm::app {

http::response handle_healthz(const http::request& req);

class readyz_handler final {
 public:
  readyz_handler(store::pg_pool& db, const store::read_route& reads, store::redis_client& redis,
                 const store::blob_store& blobs, const http::connection_stats& connections)
      : db_(db), reads_(reads), redis_(redis), blobs_(blobs), connections_(connections) {}
  // 200 {"status":"ready","checks":{"postgres":"ok","redis":"ok","blob_store":"ok","descriptors":"ok"}};
  // 503 with the JSON error shape naming what failed, plus the same "checks" object.
  http::response operator()(const http::request& req) const;

 private:
  store::pg_pool& db_;
  const store::read_route& reads_;
  store::redis_client& redis_;
  const store::blob_store& blobs_;
  const http::connection_stats& connections_;
};

}  // namespace tonearm::app
