// The route table against the OpenAPI document (docs/openapi.json, as embedded in the
// binary): every route the server has is documented, and every documented operation
// is a route. Built from real services (PostgreSQL and Redis of the test run), as
// `tonearm serve` builds them, so the table checked is the one that serves.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "test_support.hpp"
#include "tonearm/app/openapi.hpp"
#include "tonearm/app/routes.hpp"
#include "tonearm/app/services.hpp"
#include "tonearm/store/migrations.hpp"

namespace {

using tonearm::testing::scratch_database;

std::set<std::string> documented_operations(const nlohmann::json& doc) {
  std::set<std::string> ops;
  for (const auto& [path, item] : doc.at("paths").items())
    for (const char* m : {"get", "put", "post", "delete", "options", "head", "patch", "trace"})
      if (item.contains(m)) {
        std::string method = m;
        std::transform(method.begin(), method.end(), method.begin(), ::toupper);
        ops.insert(method + " " + path);
      }
  return ops;
}

std::set<std::string> route_operations(const tonearm::http::router& r) {
  std::set<std::string> ops;
  for (const auto& route : r.routes()) ops.insert(route.method + " " + route.pattern);
  return ops;
}

class RouteTable : public ::testing::Test {
 protected:
  void SetUp() override {
    tonearm::store::apply_migrations(db.url(), tonearm::store::embedded_migrations());
    cfg.database_url = db.url();
    cfg.redis_url = tonearm::testing::shared_redis_url();
    cfg.blob_dir = blobs.path();
    cfg.web_dir = TONEARM_SOURCE_DIR "/web";
  }
  scratch_database db;
  tonearm::testing::temp_dir blobs;
  tonearm::app::config cfg;
  nlohmann::json doc = nlohmann::json::parse(tonearm::app::openapi_document());
};

TEST_F(RouteTable, EveryRouteIsDocumentedAndEveryDocumentedOperationIsARoute) {
  tonearm::app::services s(cfg);
  auto routes = route_operations(tonearm::app::build_routes(s));
  auto documented = documented_operations(doc);
  ASSERT_GT(routes.size(), 30u);

  for (const auto& op : routes) EXPECT_TRUE(documented.count(op)) << op << " is a route but not in docs/openapi.json";
  for (const auto& op : documented) {
    // HEAD is answered by every GET route; a document may describe it on its own.
    std::string as_route = op.rfind("HEAD ", 0) == 0 ? "GET " + op.substr(5) : op;
    EXPECT_TRUE(routes.count(as_route)) << op << " is in docs/openapi.json but no route serves it";
  }
}

TEST_F(RouteTable, TheMetricsListenerServesOnlyDocumentedOperations) {
  auto documented = documented_operations(doc);
  for (const auto& op : route_operations(tonearm::app::build_metrics_routes()))
    EXPECT_TRUE(documented.count(op)) << op << " (metrics_listen) is not in docs/openapi.json";
  // With metrics_listen set, /metrics leaves the main listener (and stays documented).
  cfg.metrics_host = "127.0.0.1";
  cfg.metrics_port = 1;
  tonearm::app::services s(cfg);
  EXPECT_FALSE(route_operations(tonearm::app::build_routes(s)).count("GET /metrics"));
}

TEST_F(RouteTable, TheDocumentNamesItsOwnVersionOfTheApi) {
  EXPECT_EQ(doc.at("openapi").get<std::string>().substr(0, 4), "3.1.");
  EXPECT_FALSE(doc.at("info").at("title").get<std::string>().empty());
}

}  // namespace
