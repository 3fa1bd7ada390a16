// The route table: every endpoint of the API, in one place.
#pragma once

#include "tonearm/app/services.hpp"
#include "tonearm/http/router.hpp"

namespace tonearm::app {

// Every route; GET /metrics too unless the configuration puts it on metrics_listen.
http::router build_routes(services& s);
// The metrics listener's routes: GET /metrics and GET /healthz.
http::router build_metrics_routes();

}  // namespace tonearm::app
