// Streaming load client for bench/stream-load (plain sockets, one thread per
// connection: simple, and the server is what is measured).
//   stream_load ttfb PORT SONGS_FILE CONNECTIONS SECONDS
//     Each connection starts plays back to back: GET the song with Range: bytes=0-262143
//     (a player's first buffer) and reads it; prints time to first byte p50/p95/p99.
//   stream_load slow PORT SONGS_FILE CONNECTIONS SECONDS SERVER_PID RATE_KIB
//     CONNECTIONS streams of whole songs, each read at RATE_KIB KiB/s (a listener);
//     prints the server's RSS before and while they run, and KiB per stream.
//   stream_load mix PORT SONGS_FILE CONNECTIONS SECONDS WARMUP_SECONDS
//     Whole-song GETs (play starts) of songs drawn from Zipf(1.0) over the file's
//     songs; after the warm-up, prints requests/s, MB/s and the share of body bytes
//     answered with X-Cache: HIT.
// SONGS_FILE: one "/v1/songs/ID/stream" per line.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

int g_port = 0;
std::vector<std::string> g_paths;

int connect_to_server() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(g_port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    auto n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    off += static_cast<std::size_t>(n);
  }
}

struct reply_head {
  int status = 0;
  std::uint64_t content_length = 0;
  bool hit = false;
  std::string leftover;  // body bytes read with the head
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads until the end of the head; `first_byte` gets the time the first byte arrived.
reply_head read_head(int fd, clock_type::time_point* first_byte) {
  std::string buf;
  char tmp[16384];
  std::size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    auto n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) throw std::runtime_error("connection closed in the head");
    if (buf.empty() && first_byte) *first_byte = clock_type::now();
    buf.append(tmp, static_cast<std::size_t>(n));
  }
  reply_head h;
  h.status = std::atoi(buf.c_str() + 9);
  auto head = lower(buf.substr(0, end));
  if (auto p = head.find("\r\ncontent-length:"); p != std::string::npos)
    h.content_length = std::strtoull(head.c_str() + p + 17, nullptr, 10);
  if (auto p = head.find("\r\nx-cache:"); p != std::string::npos) h.hit = head.compare(p + 10, 4, " hit") == 0;
  h.leftover = buf.substr(end + 4);
  return h;
}

// Reads `left` body bytes, at most `rate` bytes/s when rate > 0.
void read_body(int fd, std::uint64_t left, std::uint64_t rate, const std::atomic<bool>& stop) {
  static thread_local std::vector<char> tmp(256 * 1024);
  auto started = clock_type::now();
  std::uint64_t got = 0;
  while (left > 0 && !stop) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, tmp.size()));
    if (rate > 0) {
      want = static_cast<std::size_t>(std::min<std::uint64_t>(want, 4096));
      auto due = started + std::chrono::microseconds(got * 1000000 / rate);
      if (clock_type::now() < due) {
        std::this_thread::sleep_until(std::min(due, clock_type::now() + 100ms));
        continue;
      }
    }
    auto n = ::recv(fd, tmp.data(), want, 0);
    if (n <= 0) throw std::runtime_error("connection closed in the body");
    left -= static_cast<std::uint64_t>(n);
    got += static_cast<std::uint64_t>(n);
  }
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size())))];
}

std::string request_for(const std::string& path, const std::string& range) {
  std::string r = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: stream_load\r\n";
  if (!range.empty()) r += "Range: " + range + "\r\n";
  return r + "\r\n";
}

long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

int ttfb(int connections, int seconds) {
  std::atomic<bool> stop{false};
  std::mutex m;
  std::vector<double> ttfb_ms;
  std::atomic<long> errors{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&, c] {
      std::mt19937 rng(static_cast<unsigned>(c) * 7919u + 1);
      std::vector<double> mine;
      int fd = -1;
      while (!stop) {
        try {
          if (fd < 0) fd = connect_to_server();
          auto sent = clock_type::now();
          send_all(fd, request_for(g_paths[rng() % g_paths.size()], "bytes=0-262143"));
          clock_type::time_point first{};
          auto h = read_head(fd, &first);
          if (h.status != 206) throw std::runtime_error("status " + std::to_string(h.status));
          read_body(fd, h.content_length - h.leftover.size(), 0, stop);
          if (!stop) mine.push_back(std::chrono::duration<double, std::milli>(first - sent).count());
        } catch (const std::exception&) {
          if (!stop) ++errors;
          if (fd >= 0) ::close(fd);
          fd = -1;
        }
      }
      if (fd >= 0) ::close(fd);
      std::lock_guard lock(m);
      ttfb_ms.insert(ttfb_ms.end(), mine.begin(), mine.end());
    });
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  std::printf("ttfb: %d concurrent streams, %zu play starts in %d s (%.0f/s), %ld errors\n", connections,
              ttfb_ms.size(), seconds, static_cast<double>(ttfb_ms.size()) / seconds, errors.load());
  std::printf("ttfb_ms p50 %.2f p95 %.2f p99 %.2f max %.2f\n", percentile(ttfb_ms, 50), percentile(ttfb_ms, 95),
              percentile(ttfb_ms, 99), percentile(ttfb_ms, 100));
  return errors > 0 ? 1 : 0;
}

int slow(int connections, int seconds, int pid, int rate_kib) {
  long before = rss_kib(pid);
  std::atomic<bool> stop{false};
  std::atomic<int> streaming{0};
  std::atomic<long> errors{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&, c] {
      try {
        int fd = connect_to_server();
        send_all(fd, request_for(g_paths[static_cast<std::size_t>(c) % g_paths.size()], ""));
        auto h = read_head(fd, nullptr);
        if (h.status != 200) throw std::runtime_error("status " + std::to_string(h.status));
        ++streaming;
        read_body(fd, h.content_length - h.leftover.size(), static_cast<std::uint64_t>(rate_kib) * 1024, stop);
        ::close(fd);
      } catch (const std::exception& e) {
        ++errors;
      }
    });
  auto deadline = clock_type::now() + std::chrono::seconds(seconds);
  long peak = before;
  while (clock_type::now() < deadline) {
    std::this_thread::sleep_for(250ms);
    peak = std::max(peak, rss_kib(pid));
  }
  int active = streaming.load();
  long during = rss_kib(pid);
  stop = true;
  for (auto& t : threads) t.join();
  std::printf("slow: %d streams at %d KiB/s, %d started, %ld errors\n", connections, rate_kib, active, errors.load());
  std::printf("rss_kib before %ld during %ld peak %ld; per stream %.1f KiB (peak %.1f KiB)\n", before, during, peak,
              static_cast<double>(during - before) / std::max(1, active),
              static_cast<double>(peak - before) / std::max(1, active));
  return errors > 0 ? 1 : 0;
}

int mix(int connections, int seconds, int warmup) {
  // Zipf(1.0): P(rank k) proportional to 1/k; ranks are shuffled over the ids so that
  // popularity does not follow insertion order.
  std::vector<double> cdf(g_paths.size());
  double sum = 0;
  for (std::size_t k = 0; k < cdf.size(); ++k) cdf[k] = (sum += 1.0 / static_cast<double>(k + 1));
  for (auto& x : cdf) x /= sum;
  std::vector<std::size_t> order(g_paths.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));

  std::atomic<bool> stop{false}, measuring{false};
  std::atomic<std::uint64_t> bytes{0}, hit_bytes{0}, requests{0};
  std::atomic<long> errors{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(static_cast<unsigned>(c) + 99);
      std::uniform_real_distribution<double> u(0, 1);
      int fd = -1;
      while (!stop) {
        try {
          if (fd < 0) fd = connect_to_server();
          auto k = static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
          send_all(fd, request_for(g_paths[order[std::min(k, order.size() - 1)]], ""));
          auto h = read_head(fd, nullptr);
          if (h.status != 200) throw std::runtime_error("status " + std::to_string(h.status));
          read_body(fd, h.content_length - h.leftover.size(), 0, stop);
          if (measuring && !stop) {
            ++requests;
            bytes += h.content_length;
            if (h.hit) hit_bytes += h.content_length;
          }
        } catch (const std::exception&) {
          if (!stop) ++errors;
          if (fd >= 0) ::close(fd);
          fd = -1;
        }
      }
      if (fd >= 0) ::close(fd);
    });
  std::this_thread::sleep_for(std::chrono::seconds(warmup));
  measuring = true;
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  measuring = false;
  stop = true;
  for (auto& t : threads) t.join();
  std::printf("mix: Zipf(1.0) over %zu songs, %d connections, %d s after %d s warm-up, %ld errors\n", g_paths.size(),
              connections, seconds, warmup, errors.load());
  std::printf("requests/s %.1f MB/s %.1f hot_byte_share %.1f%%\n", static_cast<double>(requests) / seconds,
              static_cast<double>(bytes) / seconds / 1e6,
              bytes ? 100.0 * static_cast<double>(hit_bytes) / static_cast<double>(bytes) : 0.0);
  return errors > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: stream_load ttfb|slow|mix PORT SONGS_FILE CONNECTIONS SECONDS [...]\n");
    return 2;
  }
  std::string mode = argv[1];
  g_port = std::atoi(argv[2]);
  std::ifstream in(argv[3]);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) g_paths.push_back(line);
  if (g_paths.empty()) {
    std::fprintf(stderr, "no songs in %s\n", argv[3]);
    return 2;
  }
  int connections = std::atoi(argv[4]);
  int seconds = std::atoi(argv[5]);
  if (mode == "ttfb") return ttfb(connections, seconds);
  if (mode == "slow" && argc >= 8) return slow(connections, seconds, std::atoi(argv[6]), std::atoi(argv[7]));
  if (mode == "mix" && argc >= 7) return mix(connections, seconds, std::atoi(argv[6]));
  std::fprintf(stderr, "bad arguments for %s\n", mode.c_str());
  return 2;
}
