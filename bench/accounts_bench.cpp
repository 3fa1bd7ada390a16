// Accounts benchmark client.
//   accounts_bench PORT SONG_IDS_FILE [CONCURRENCY=4] [SECONDS=10] [HASH_OPS=2] [HASH_KIB=65536]
// 1. argon2id baseline: crypto_pwhash_str_verify in this process on 2 threads (the
//    machine's cores), the cost the server is configured with.
// 2. Login throughput: CONCURRENCY clients, each its own user, POST /v1/sessions over
//    keep-alive connections for SECONDS; logins/s, latency percentiles, ratio to (1).
// 3. Playlist edits on a 10 000-item playlist (filled 100 songs per request): appends,
//    adds at random positions, single-item and 100-item reorders, removals, page reads;
//    200 of each, one client, p50/p95/p99.
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;
using tonearm::testing::http_connection;
using tonearm::testing::http_reply;

const char* password = "bench password 123";

http_reply send(http_connection& c, const std::string& method, const std::string& target, const std::string& token,
                const json& body) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  std::string text;
  if (!body.is_null()) {
    headers.emplace_back("Content-Type", "application/json");
    text = body.dump();
  }
  c.send_request(method, target, headers, text);
  return c.read_reply(method == "HEAD", std::chrono::seconds(60));
}

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

void print_latencies(const char* name, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))]; };
  std::printf("  %-34s n=%-5zu p50 %7.2f ms   p95 %7.2f ms   p99 %7.2f ms\n", name, ms.size(), at(0.50), at(0.95),
              at(0.99));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: accounts_bench PORT SONG_IDS_FILE [CONCURRENCY] [SECONDS] [HASH_OPS] [HASH_KIB]\n");
    return 2;
  }
  int port = std::stoi(argv[1]);
  std::vector<std::int64_t> songs;
  {
    std::ifstream in(argv[2]);
    for (std::int64_t id; in >> id;) songs.push_back(id);
  }
  int concurrency = argc > 3 ? std::stoi(argv[3]) : 4;
  int seconds = argc > 4 ? std::stoi(argv[4]) : 10;
  unsigned long long ops = argc > 5 ? std::stoull(argv[5]) : 2;
  std::size_t kib = argc > 6 ? std::stoull(argv[6]) : 65536;
  if (sodium_init() < 0 || songs.empty()) return 1;

  // 1. The baseline: argon2id verifies on 2 threads with the server's cost.
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password, std::strlen(password), ops, kib * 1024) != 0) return 1;
  std::atomic<long> verified{0};
  {
    auto until = clock_type::now() + std::chrono::seconds(std::max(2, seconds / 2));
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
      threads.emplace_back([&] {
        while (clock_type::now() < until)
          if (crypto_pwhash_str_verify(hash, password, std::strlen(password)) == 0) ++verified;
      });
    for (auto& t : threads) t.join();
  }
  double baseline = static_cast<double>(verified) / std::max(2, seconds / 2);
  std::printf("argon2id (ops=%llu, memory=%zu KiB), in-process verify on 2 threads: %.1f/s\n", ops, kib, baseline);

  // 2. Logins.
  {
    http_connection c(port);
    for (int i = 0; i < concurrency; ++i)
      send(c, "POST", "/v1/users", {}, {{"username", "bench" + std::to_string(i)}, {"password", password}});
  }
  std::vector<std::vector<double>> per_client(static_cast<std::size_t>(concurrency));
  std::atomic<long> failed{0};
  auto started = clock_type::now();
  auto until = started + std::chrono::seconds(seconds);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < concurrency; ++i)
      threads.emplace_back([&, i] {
        http_connection c(port);
        json body{{"username", "bench" + std::to_string(i)}, {"password", password}};
        while (clock_type::now() < until) {
          auto t = clock_type::now();
          auto r = send(c, "POST", "/v1/sessions", {}, body);
          if (r.status != 201) ++failed;
          per_client[static_cast<std::size_t>(i)].push_back(ms_since(t));
        }
      });
    for (auto& t : threads) t.join();
  }
  double elapsed = std::chrono::duration<double>(clock_type::now() - started).count();
  std::vector<double> all;
  for (auto& v : per_client) all.insert(all.end(), v.begin(), v.end());
  double rate = static_cast<double>(all.size()) / elapsed;
  std::printf("logins, %d clients, %d s: %.1f/s (%.2fx the in-process baseline), %ld failed\n", concurrency, seconds,
              rate, rate / baseline, failed.load());
  print_latencies("POST /v1/sessions", all);

  // 3. A 10 000-item playlist.
  http_connection c(port);
  auto login = send(c, "POST", "/v1/sessions", {}, {{"username", "bench0"}, {"password", password}});
  std::string token = json::parse(login.body)["token"];
  auto created = send(c, "POST", "/v1/playlists", token, {{"name", "Ten thousand"}});
  std::string path = "/v1/playlists/" + std::to_string(json::parse(created.body)["id"].get<std::int64_t>());
  std::mt19937_64 rng(7);
  auto song = [&] { return songs[rng() % songs.size()]; };
  long size = 0;
  int errors = 0;
  auto timed = [&](const std::string& method, const std::string& target, const json& body, std::vector<double>& out) {
    auto t = clock_type::now();
    auto r = send(c, method, target, token, body);
    out.push_back(ms_since(t));
    if (r.status != 200) {
      if (++errors < 5) std::fprintf(stderr, "%s %s -> %d %s\n", method.c_str(), target.c_str(), r.status, r.body.c_str());
    }
  };
  std::vector<double> fill, append, insert, move_one, move_range, remove, read;
  while (size < 9700) {
    json ids = json::array();
    for (int i = 0; i < 100; ++i) ids.push_back(song());
    timed("POST", path + "/items", {{"song_ids", ids}}, fill);
    size += 100;
  }
  for (int i = 0; i < 100; ++i, ++size) timed("POST", path + "/items", {{"song_ids", {song()}}}, append);
  for (int i = 0; i < 200; ++i, ++size)
    timed("POST", path + "/items", {{"song_ids", {song()}}, {"position", static_cast<long>(rng() % static_cast<unsigned long>(size + 1))}}, insert);
  auto pos = [&](long n) { return static_cast<long>(rng() % static_cast<unsigned long>(n)); };
  for (int i = 0; i < 200; ++i)
    timed("PUT", path + "/items", {{"range_start", pos(size)}, {"insert_before", pos(size + 1)}}, move_one);
  for (int i = 0; i < 200; ++i)
    timed("PUT", path + "/items", {{"range_start", pos(size - 100)}, {"range_length", 100}, {"insert_before", pos(size + 1)}},
          move_range);
  for (int i = 0; i < 200; ++i, --size) timed("DELETE", path + "/items", {{"positions", {pos(size)}}}, remove);
  for (int i = 0; i < 200; ++i) timed("GET", path + "/items?limit=100&offset=" + std::to_string(pos(size - 100)), nullptr, read);
  std::printf("playlist of %ld..10000 items (%d errors):\n", size, errors);
  print_latencies("fill: add 100 at the end", fill);
  print_latencies("add 1 at the end", append);
  print_latencies("add 1 at a random position", insert);
  print_latencies("reorder 1 item", move_one);
  print_latencies("reorder 100 items", move_range);
  print_latencies("remove 1 at a random position", remove);
  print_latencies("read a page of 100 items", read);
  return errors == 0 && failed == 0 ? 0 : 1;
}
