// The OpenAPI 3.1 document of the REST API (docs/openapi.json, embedded at build
// time), served at GET /v1/openapi.json.
#pragma once

#include <string_view>

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"

namespace tonearm::app {

// The document's JSON text, exactly as docs/openapi.json has it.
std::string_view openapi_document();

// GET /v1/openapi.json.
http::response handle_openapi(const http::request& req);

}  // namespace tonearm::app
