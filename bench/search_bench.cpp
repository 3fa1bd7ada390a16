// Search benchmark client: N threads, one keep-alive connection each, cycling through
// a fixed query mix for a fixed time; prints p50/p95/p99 per category and queries/s.
//   search_bench PORT QUERIES_FILE [CONCURRENCY=8] [SECONDS=20]
// QUERIES_FILE: one "category<TAB>target" per line.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

struct query {
  std::string category, target;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: search_bench PORT QUERIES_FILE [CONCURRENCY] [SECONDS]\n");
    return 2;
  }
  int port = std::stoi(argv[1]);
  int concurrency = argc > 3 ? std::stoi(argv[3]) : 8;
  int seconds = argc > 4 ? std::stoi(argv[4]) : 20;
  std::vector<query> queries;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) {
    auto tab = line.find('\t');
    if (line.empty() || line[0] == '#' || tab == std::string::npos) continue;
    queries.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  if (queries.empty()) {
    std::fprintf(stderr, "no queries in %s\n", argv[2]);
    return 2;
  }

  std::mutex mutex;
  std::map<std::string, std::vector<double>> latencies;  // ms per category
  std::atomic<long> errors{0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      std::map<std::string, std::vector<double>> mine;
      std::unique_ptr<tonearm::testing::http_connection> conn;
      for (std::size_t i = static_cast<std::size_t>(t) * 7; std::chrono::steady_clock::now() < deadline; ++i) {
        const auto& q = queries[i % queries.size()];
        auto start = std::chrono::steady_clock::now();
        try {
          if (!conn) conn = std::make_unique<tonearm::testing::http_connection>(port);
          conn->send_request("GET", q.target);
          auto reply = conn->read_reply();
          if (reply.status != 200) {
            ++errors;
            if (errors < 5) std::fprintf(stderr, "%d for %s: %s\n", reply.status, q.target.c_str(), reply.body.c_str());
          }
        } catch (const std::exception& e) {
          ++errors;
          conn.reset();
          continue;
        }
        mine[q.category].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      }
      std::lock_guard lock(mutex);
      for (auto& [k, v] : mine) latencies[k].insert(latencies[k].end(), v.begin(), v.end());
    });
  }
  for (auto& th : threads) th.join();

  std::vector<double> all;
  std::printf("%-10s %8s %8s %8s %8s\n", "category", "count", "p50_ms", "p95_ms", "p99_ms");
  for (auto& [k, v] : latencies) {
    all.insert(all.end(), v.begin(), v.end());
    std::size_t n = v.size();
    double p50 = percentile(v, 50), p95 = percentile(v, 95), p99 = percentile(v, 99);
    std::printf("%-10s %8zu %8.2f %8.2f %8.2f\n", k.c_str(), n, p50, p95, p99);
  }
  std::size_t n = all.size();
  double p50 = percentile(all, 50), p95 = percentile(all, 95), p99 = percentile(all, 99);
  std::printf("%-10s %8zu %8.2f %8.2f %8.2f\n", "ALL", n, p50, p95, p99);
  std::printf("queries/s: %.0f  concurrency: %d  seconds: %d  errors: %ld\n", static_cast<double>(n) / seconds,
              concurrency, seconds, errors.load());
  return errors > 0 ? 1 : 0;
}
