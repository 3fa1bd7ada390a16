// The registry, scrape hooks and process metrics (from /proc/self).
#include "tonearm/metrics/metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <prometheus/text_serializer.h>

namespace tonearm::metrics {

namespace {

struct hooks {
  std::mutex mutex;
  std::uint64_t next = 1;
  std::map<std::uint64_t, std::function<void()>> fns;
};

hooks& all_hooks() {
  static hooks h;
  return h;
}

// Gauges about the process itself, refreshed on each exposition.
struct process_metrics {
  prometheus::Gauge& resident = gauge("process_resident_memory_bytes", "Resident memory size in bytes.").Add({});
  // A counter moved on by the CPU time used since the last exposition.
  prometheus::Counter& cpu =
      counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.").Add({});
  double cpu_seen = 0;
  prometheus::Gauge& fds = gauge("process_open_fds", "Number of open file descriptors.").Add({});
  prometheus::Gauge& max_fds = gauge("process_max_fds", "Maximum number of open file descriptors.").Add({});
  prometheus::Gauge& start =
      gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.").Add({});

  process_metrics() {
    start.Set(static_cast<double>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()));
  }

  void refresh() {
    long pages = 0, resident_pages = 0;
    if (std::ifstream statm("/proc/self/statm"); statm >> pages >> resident_pages)
      resident.Set(static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE)));
    rusage u{};
    if (getrusage(RUSAGE_SELF, &u) == 0) {
      double now = static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
                   static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
      if (now > cpu_seen) cpu.Increment(now - cpu_seen);
      cpu_seen = std::max(cpu_seen, now);
    }
    if (DIR* d = opendir("/proc/self/fd")) {
      int n = 0;
      while (readdir(d)) ++n;
      closedir(d);
      fds.Set(n - 3);  // ".", ".." and the directory's own descriptor
    }
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) max_fds.Set(static_cast<double>(lim.rlim_cur));
  }
};

process_metrics& process() {
  static process_metrics p;
  return p;
}

}  // namespace

prometheus::Registry& registry() {
  static prometheus::Registry r;
  return r;
}

prometheus::Family<prometheus::Counter>& counter(const std::string& name, const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry());
}

prometheus::Family<prometheus::Gauge>& gauge(const std::string& name, const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry());
}

prometheus::Family<prometheus::Histogram>& histogram(const std::string& name, const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry());
}

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return b;
}

scrape_hook::scrape_hook(std::function<void()> fn) {
  auto& h = all_hooks();
  std::lock_guard lock(h.mutex);
  id_ = h.next++;
  h.fns.emplace(id_, std::move(fn));
}

scrape_hook::~scrape_hook() {
  if (id_ == 0) return;
  auto& h = all_hooks();
  std::lock_guard lock(h.mutex);
  h.fns.erase(id_);
}

scrape_hook::scrape_hook(scrape_hook&& other) noexcept : id_(other.id_) { other.id_ = 0; }

scrape_hook& scrape_hook::operator=(scrape_hook&& other) noexcept {
  if (this != &other) {
    this->~scrape_hook();
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

std::string expose() {
  static std::mutex exposing;  // process().refresh() keeps state
  std::lock_guard one_at_a_time(exposing);
  process().refresh();
  {
    auto& h = all_hooks();
    std::lock_guard lock(h.mutex);  // a hook never adds or removes hooks
    for (auto& [id, fn] : h.fns) fn();
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry().Collect());
  return out.str();
}

void set_build_info(const std::string& version, const std::string& commit) {
  gauge("tonearm_build_info", "Which build is running: always 1, the labels say which.")
      .Add({{"version", version}, {"commit", commit}})
      .Set(1);
}

}  // namespace tonearm::metrics
