// The route table: every endpoint of the API, in one place.
#pragma once

#include "tonearm/app/services.hpp"
#include "tonearm/http/router.hpp"

namespace tonearm::app {

http::router build_routes(services& s);

}  // namespace tonearm::app
