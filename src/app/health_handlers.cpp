// Liveness and readiness probes for load balancers.
#include "tonearm/app/health_handlers.hpp"

#include <nlohmann/json.hpp>

namespace tonearm::app {

http::response handle_healthz(const http::request&) {
  auto res = http::json_response(200, R"({"status":"ok"})");
  res.headers.set("Cache-Control", "no-store");
  return res;
}

http::response readyz_handler::operator()(const http::request&) const {
  std::string postgres = "ok";
  try {
    db_.ping();
  } catch (const std::exception& e) {
    postgres = std::string("unreachable: ") + e.what();
  }
  std::string redis = redis_.ping() ? "ok" : "unreachable: " + redis_.last_error();
  std::string blob_store = blobs_.check();
  // Out of file descriptors: new clients are turned away, so a balancer should send
  // them elsewhere until some close.
  const auto& conns = connections_;
  std::string descriptors = conns.descriptors_exhausted
                                ? "exhausted: " + std::to_string(conns.shed.load()) + " connections closed unanswered"
                                : "ok";

  // The standby of database_read_url: informative (reads go to the primary meanwhile,
  // so the instance stays ready).
  auto route = reads_.current();
  std::string replica = !route.configured ? "none"
                        : route.serving   ? "ok"
                                          : route.problem + "; reads on the primary";
  // Shutting down (SIGTERM): a balancer that probes should take this instance out.
  std::string server = conns.draining ? "draining" : "ok";

  nlohmann::json checks{{"postgres", postgres},
                        {"redis", redis},
                        {"blob_store", blob_store},
                        {"descriptors", descriptors},
                        {"server", server},
                        {"replica", replica}};
  http::response res;
  std::vector<std::string> failed;
  if (server != "ok") failed.push_back("draining (shutting down)");
  if (postgres != "ok") failed.push_back("postgres unreachable");
  if (redis != "ok") failed.push_back("redis unreachable");
  if (blob_store != "ok") failed.push_back("blob store " + blob_store.substr(0, blob_store.find(':')));
  if (descriptors != "ok") failed.push_back("out of file descriptors");
  if (failed.empty()) {
    res = http::json_response(200, nlohmann::json{{"status", "ready"}, {"checks", checks}}.dump());
  } else {
    std::string message = "not ready: ";
    for (std::size_t i = 0; i < failed.size(); ++i) message += (i ? ", " : "") + failed[i];
    res = http::error_response(errc::unavailable, message, nlohmann::json{{"checks", checks}}.dump());
  }
  res.headers.set("Cache-Control", "no-store");
  return res;
}

}  // namespace tonearm::app
