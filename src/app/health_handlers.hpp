// GET /healthz (process alive) and GET /readyz (PostgreSQL and Redis reachable).
#pragma once

#include "tonearm/app/services.hpp"
#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"

namespace tonearm::app {

http::response handle_healthz(const http::request& req);

class readyz_handler final {
 public:
  explicit readyz_handler(services& s) : services_(s) {}
  // 200 {"status":"ready","checks":{"postgres":"ok","redis":"ok"}}; 503 with the
  // JSON error shape naming what failed, plus the same "checks" object.
  http::response operator()(const http::request& req) const;

 private:
  services& services_;
};

}  // namespace tonearm::app
