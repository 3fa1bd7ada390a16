#pragma once
// What the thread serving a request knows of it, for the layers that never see the
// request (the store): its id, which reaches PostgreSQL as application_name, and the
// time spent in PostgreSQL and Redis, which the slow-request log reports. The session
// owns one per request; request_scope makes it current on the thread running the
// handler (the I/O thread or a worker), for the handler's duration.
#include <chrono>
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

// Adds the time from construction to destruction to one field of the request current
// then (nothing outside a request): e.g. time_spent<&request_context::db_seconds>.
template <double request_context::*Field>
class time_spent {
 public:
  time_spent() = default;
  ~time_spent() {
    if (current_request)
      current_request->*Field += std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }
  time_spent(const time_spent&) = delete;
  time_spent& operator=(const time_spent&) = delete;

 private:
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace tonearm::core
