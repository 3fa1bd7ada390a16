// Prometheus metrics: one process-wide registry (prometheus-cpp core, Debian's
// prometheus-cpp-dev) that every module adds its families to, and the text
// exposition of GET /metrics. Names follow the Prometheus conventions: tonearm_
// prefix, base units (_seconds, _bytes), _total for counters. Labels never carry user
// data: routes are templates ("/v1/songs/{id}"), never raw paths.
//
// Counters and histograms are bumped where things happen (a cached reference: Add()
// looks labels up under a lock). Values that live elsewhere (pool sizes, index sizes)
// are set by scrape hooks just before each exposition.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace tonearm::metrics {

prometheus::Registry& registry();

prometheus::Family<prometheus::Counter>& counter(const std::string& name, const std::string& help);
prometheus::Family<prometheus::Gauge>& gauge(const std::string& name, const std::string& help);
prometheus::Family<prometheus::Histogram>& histogram(const std::string& name, const std::string& help);

// Latency buckets in seconds: 0.5 ms to 10 s.
const prometheus::Histogram::BucketBoundaries& latency_buckets();

// A function run before each exposition, for as long as the handle lives.
class scrape_hook {
 public:
  scrape_hook() = default;
  explicit scrape_hook(std::function<void()> fn);
  ~scrape_hook();
  scrape_hook(scrape_hook&& other) noexcept;
  scrape_hook& operator=(scrape_hook&& other) noexcept;
  scrape_hook(const scrape_hook&) = delete;
  scrape_hook& operator=(const scrape_hook&) = delete;

 private:
  std::uint64_t id_ = 0;
};

// Runs the scrape hooks, refreshes the process metrics and returns the text
// exposition format (version 0.0.4).
std::string expose();

// tonearm_build_info{version,commit} 1 (set once at start).
void set_build_info(const std::string& version, const std::string& commit);

}  // namespace tonearm::metrics
