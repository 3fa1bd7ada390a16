#pragma once
// What the thread serving a request knows of it, for the layers that never see the
// request (the store): its id, which reaches PostgreSQL as application_name, and the
// time spent in PostgreSQL and Redis, which the slow-request log reports. The session
// owns one per request; request_scope makes it current on the thread running the
// handler (the I/O thread or a worker), for the handler's duration.
#include <string_view>

namespace tonearm::core {

struct request_context {
  std::string_view request_id;  // valid while the request is served
  double queue_seconds = 0;     // waiting for a worker
  double handler_seconds = 0;
  double db_seconds = 0;        // in the PostgreSQL pool: waiting for a connection and queries
  double redis_seconds = 0;     // Redis round trips
};

// The request the calling thread serves now, or nullptr (background work).
inline thread_local request_context* current_request = nullptr;

class request_scope {
 public:
  explicit request_scope(request_context& c) : previous_(current_request) { current_request = &c; }
  ~request_scope() { current_request = previous_; }
  request_scope(const request_scope&) = delete;
  request_scope& operator=(const request_scope&) = delete;

 private:
  request_context* previous_;
};

}  // namespace tonearm::core
