// The HTTP server's metrics: requests by route template, method and status class,
// time to a response by route, body bytes by where they came from, open connections
// and streams, and the blocking pool (in flight, run, refused). Labels are fixed
// words or route patterns, never user data.
#pragma once

#include <cstdint>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

namespace tonearm::http {

struct http_metrics {
  prometheus::Gauge& open_connections;
  prometheus::Gauge& open_streams;
  prometheus::Gauge& tasks_in_flight;
  prometheus::Counter& tasks_run;
  prometheus::Counter& tasks_refused;
  prometheus::Counter& streams_refused;

  // One answered request. `route` is the matched pattern ("" when none matched),
  // `seconds` from the request read to its response ready to send, `source` where the
  // body came from ("handler", "blob_store", "hot_cache", ...).
  void request_done(std::string_view route, std::string_view method, unsigned status, double seconds,
                    std::string_view source, std::uint64_t body_bytes);
};

// The process's one set (registered on first use; the server touches it at start).
http_metrics& server_metrics();

// Keeps a gauge one higher while it lives.
class gauge_hold {
 public:
  explicit gauge_hold(prometheus::Gauge& g) : g_(g) { g_.Increment(); }
  ~gauge_hold() { g_.Decrement(); }
  gauge_hold(const gauge_hold&) = delete;
  gauge_hold& operator=(const gauge_hold&) = delete;

 private:
  prometheus::Gauge& g_;
};

}  // namespace tonearm::http
