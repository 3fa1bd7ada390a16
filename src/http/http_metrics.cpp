// The HTTP server's metrics (see http_metrics.hpp).
#include "http_metrics.hpp"

#include <array>
#include <functional>
#include <string>
#include <tuple>
#include <unordered_map>

#include "tonearm/metrics/metrics.hpp"

namespace tonearm::http {

namespace {

// Methods a label may name; anything else counts as "other" (a client picks the
// method, and labels must not grow with what clients send).
std::string_view method_label(std::string_view m) {
  static constexpr std::array<std::string_view, 7> known{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (auto k : known)
    if (k == m) return k;
  return "other";
}

std::string_view status_class(unsigned status) {
  static constexpr std::array<std::string_view, 6> classes{"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
  return status >= 100 && status < 600 ? classes[status / 100] : classes[0];
}

prometheus::Family<prometheus::Counter>& requests() {
  static auto& f = metrics::counter("tonearm_http_requests_total",
                                    "HTTP requests answered, by route template, method and status class.");
  return f;
}
prometheus::Family<prometheus::Histogram>& durations() {
  static auto& f = metrics::histogram(
      "tonearm_http_request_duration_seconds",
      "Time from a request read to its response ready to send (queue wait and handler), by route template.");
  return f;
}
prometheus::Family<prometheus::Counter>& body_bytes() {
  static auto& f = metrics::counter("tonearm_http_response_body_bytes_total",
                                    "Response body bytes written to clients, by where they came from.");
  return f;
}

// The series of one route, method and status class, looked up once per thread:
// Family::Add takes a lock and hashes a label map, too slow for every request.
struct series {
  prometheus::Counter* requests;
  prometheus::Histogram* duration;
};

series& series_for(std::string_view route, std::string_view method, std::string_view status) {
  struct key_hash {
    std::size_t operator()(const std::tuple<const char*, const char*, const char*>& k) const noexcept {
      auto h = std::hash<const void*>{};
      return h(std::get<0>(k)) * 31 + h(std::get<1>(k)) * 7 + h(std::get<2>(k));
    }
  };
  // Route views point into the router, method and status labels into static tables:
  // the pointers identify them.
  thread_local std::unordered_map<std::tuple<const char*, const char*, const char*>, series, key_hash> cache;
  auto key = std::make_tuple(route.data(), method.data(), status.data());
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  const std::string r = route.empty() ? "unmatched" : std::string(route);
  series s{&requests().Add({{"route", r}, {"method", std::string(method)}, {"status", std::string(status)}}),
           &durations().Add({{"route", r}}, metrics::latency_buckets())};
  return cache.emplace(key, s).first->second;
}

prometheus::Counter& bytes_from(std::string_view source) {
  static auto& handler = body_bytes().Add({{"source", "handler"}});
  static auto& blob = body_bytes().Add({{"source", "blob_store"}});
  static auto& hot = body_bytes().Add({{"source", "hot_cache"}});
  static auto& other = body_bytes().Add({{"source", "other"}});
  if (source == "handler") return handler;
  if (source == "blob_store") return blob;
  if (source == "hot_cache") return hot;
  return other;
}

}  // namespace

void http_metrics::request_done(std::string_view route, std::string_view method, unsigned status, double seconds,
                                std::string_view source, std::uint64_t bytes) {
  auto& s = series_for(route, method_label(method), status_class(status));
  s.requests->Increment();
  s.duration->Observe(seconds);
  if (bytes > 0) bytes_from(source).Increment(static_cast<double>(bytes));
}

http_metrics& server_metrics() {
  static http_metrics m{
      metrics::gauge("tonearm_http_open_connections", "Client connections open now.").Add({}),
      metrics::gauge("tonearm_http_open_streams", "Responses with a streamed body (audio) being written now.").Add({}),
      metrics::gauge("tonearm_worker_tasks_in_flight",
                     "Blocking handler calls queued or running on the worker pool now.").Add({}),
      metrics::counter("tonearm_worker_tasks_total", "Blocking handler calls run on the worker pool.").Add({}),
      metrics::counter("tonearm_worker_tasks_refused_total",
                       "Blocking handler calls refused with 503 overloaded (the queue was full).").Add({}),
      metrics::counter("tonearm_http_streams_refused_total",
                       "Stream requests answered 503 overloaded because max_streams were playing.").Add({}),
  };
  static const bool families = [] {  // every family exposed before its first sample
    requests();
    durations();
    for (const char* s : {"handler", "blob_store", "hot_cache"}) bytes_from(s);
    return true;
  }();
  (void)families;
  return m;
}

}  // namespace tonearm::http
