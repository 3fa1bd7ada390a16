// The one error enum of Tonearm: every expected failure a client can see.
#pragma once

#include <stdexcept>
#include <string>

namespace tonearm {

// Each value maps to exactly one HTTP status and one JSON code in
// src/http/response.cpp (a switch with no default, so a new value must be mapped).
enum class errc {
  bad_request,
  unauthorized,
  forbidden,
  not_found,
  method_not_allowed,
  conflict,
  payload_too_large,
  unsupported_media_type,
  range_not_satisfiable,
  too_many_requests,
  header_too_large,
  internal,
  unavailable,
  overloaded,
  not_implemented,
};

// An expected failure that ends the current operation; caught once at the router
// and turned into the JSON error shape. `details` is a JSON object text merged into
// the error object (e.g. {"snapshot_id":"5"}), or empty.
class api_error : public std::runtime_error {
 public:
  api_error(errc code, const std::string& message, std::string details = {})
      : std::runtime_error(message), code_(code), details_(std::move(details)) {}
  errc code() const noexcept { return code_; }
  const std::string& details() const noexcept { return details_; }

 private:
  errc code_;
  std::string details_;
};

}  // namespace tonearm
