// Search benchmark client: N threads, one keep-alive connection each, cycling through
// a fixed query mix for a fixed time; prints p50/p95/p99 per category and queries/s.
//   search_bench PORT QUERIES_FILE [CONCURRENCY=8] [SECONDS=20]
// QUERIES_FILE: one "category<TAB>target" per line; or a file ending in ".words"
// (catalog words, most frequent first), from which a fixed mix of 5000 queries is
// generated (seeded): exact words, prefixes, typos (swapped or dropped letters),
// filtered and no-hit queries, words drawn with a Zipf law so popular queries repeat.
#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

struct query {
  std::string category, target;
};

std::string encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out.push_back(static_cast<char>(c));
    else { out.push_back('%'); out.push_back(hex[c >> 4]); out.push_back(hex[c & 15]); }
  }
  return out;
}

std::vector<query> generate(const std::vector<std::string>& words, std::size_t n) {
  std::mt19937_64 rng(42);
  std::vector<double> weights;
  for (std::size_t i = 0; i < words.size(); ++i) weights.push_back(1.0 / static_cast<double>(i + 1));
  std::discrete_distribution<std::size_t> zipf(weights.begin(), weights.end());
  std::uniform_real_distribution<double> unit(0, 1);
  auto word = [&] { return words[zipf(rng)]; };
  const char* genres[] = {"rock", "pop", "jazz", "electronic", "folk", "soul", "metal", "blues"};
  const char* countries[] = {"US", "GB", "SE", "DE", "FR", "IS", "JP", "BR"};
  std::vector<query> out;
  for (std::size_t i = 0; i < n; ++i) {
    double r = unit(rng);
    std::string type = unit(rng) < 0.6 ? "type=song&" : "";
    std::string q, category;
    if (r < 0.30) {
      category = "exact";
      q = word();
      if (unit(rng) < 0.5) q += " " + word();
    } else if (r < 0.55) {
      category = "prefix";
      std::string w = word();
      q = (unit(rng) < 0.4 ? word() + " " : "") + w.substr(0, 1 + rng() % std::max<std::size_t>(1, w.size() - 1));
    } else if (r < 0.75) {
      category = "typo";
      std::string w = word();
      while (w.size() < 5) w = word();
      std::size_t at = 1 + rng() % (w.size() - 2);
      if (unit(rng) < 0.5) std::swap(w[at], w[at + 1]);
      else w.erase(at, 1);
      q = w;
    } else if (r < 0.90) {
      category = "filtered";
      q = word();
      double f = unit(rng);
      if (f < 0.4) q += " genre:" + std::string(genres[rng() % 8]);
      else if (f < 0.7) { int y = 1960 + static_cast<int>(rng() % 60); q += " year:" + std::to_string(y) + "-" + std::to_string(y + 9); }
      else q += " country:" + std::string(countries[rng() % 8]);
    } else {
      category = "nohit";
      for (int k = 0; k < 7; ++k) q.push_back(static_cast<char>('q' + rng() % 8));
    }
    out.push_back({category, "/v1/search?" + type + "q=" + encode(q)});
  }
  return out;
}

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
  std::string file = argv[2];
  std::ifstream in(file);
  if (file.size() > 6 && file.substr(file.size() - 6) == ".words") {
    std::vector<std::string> words;
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) words.push_back(line);
    if (!words.empty()) queries = generate(words, 5000);
  } else {
    for (std::string line; std::getline(in, line);) {
      auto tab = line.find('\t');
      if (line.empty() || line[0] == '#' || tab == std::string::npos) continue;
      queries.push_back({line.substr(0, tab), line.substr(tab + 1)});
    }
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
