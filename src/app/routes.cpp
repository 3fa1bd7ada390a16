// The route table.
#include "routes.hpp"

#include "health_handlers.hpp"

namespace tonearm::app {

http::router build_routes(services& s) {
  using http::execution;
  http::router r;
  r.add("GET", "/healthz", handle_healthz, execution::inline_io);
  r.add("GET", "/readyz", readyz_handler(s));
  return r;
}

}  // namespace tonearm::app
