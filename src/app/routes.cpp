// The route table.
#include "routes.hpp"

#include <memory>

#include "catalog/catalog_handlers.hpp"
#include "health_handlers.hpp"
#include "stream/stream_handler.hpp"

namespace tonearm::app {

http::router build_routes(services& s) {
  using http::execution;
  http::router r;
  r.add("GET", "/healthz", handle_healthz, execution::inline_io);
  r.add("GET", "/readyz", readyz_handler(s));

  auto catalog = std::make_shared<catalog::catalog_handlers>(s.catalog, s.search);
  r.add("GET", "/v1/search", [catalog](http::request& q) { return catalog->search(q); });
  r.add("GET", "/v1/songs/{id}", [catalog](http::request& q) { return catalog->song(q); });
  r.add("GET", "/v1/authors/{id}", [catalog](http::request& q) { return catalog->author(q); });
  r.add("GET", "/v1/albums/{id}", [catalog](http::request& q) { return catalog->album(q); });
  auto streamer = std::make_shared<stream::stream_handler>(s.catalog, s.blobs, s.plays, s.hot);
  r.add(
      "GET", "/v1/songs/{id}/stream", [streamer](http::request& q) { return streamer->fast(q); },
      [streamer](http::request& q) { return (*streamer)(q); });
  r.add("GET", "/v1/charts/top", stream::charts_handler(s.catalog, s.plays));
  return r;
}

}  // namespace tonearm::app
