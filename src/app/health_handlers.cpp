// Liveness and readiness probes for load balancers.
#include "health_handlers.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace tonearm::app {

http::response handle_healthz(const http::request&) {
  auto res = http::json_response(200, R"({"status":"ok"})");
  res.headers.set("Cache-Control", "no-store");
  return res;
}

http::response readyz_handler::operator()(const http::request&) const {
  std::string postgres = "ok";
  try {
    services_.db.with_connection([](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      tx.exec("SELECT 1");
    });
  } catch (const std::exception& e) {
    postgres = std::string("unreachable: ") + e.what();
  }
  std::string redis = services_.redis.ping() ? "ok" : "unreachable: " + services_.redis.last_error();

  nlohmann::json checks{{"postgres", postgres}, {"redis", redis}};
  http::response res;
  if (postgres == "ok" && redis == "ok") {
    res = http::json_response(200, nlohmann::json{{"status", "ready"}, {"checks", checks}}.dump());
  } else {
    std::string failed = postgres != "ok" && redis != "ok" ? "postgres and redis" : postgres != "ok" ? "postgres" : "redis";
    res = http::error_response(errc::unavailable, "not ready: " + failed + " unreachable",
                               nlohmann::json{{"checks", checks}}.dump());
  }
  res.headers.set("Cache-Control", "no-store");
  return res;
}

}  // namespace tonearm::app
