// Paced listeners for bench/listeners (issue 22): many players on one epoll thread,
// each streaming songs the way a real player does, against any HTTP server.
//   listeners PORT PATHS_FILE LISTENERS SECONDS [--rate B/s] [--ramp N/s]
//             [--server-pids PID,PID...] [--rcvbuf BYTES]
// A listener: GET a song with `Range: bytes=0-` (one request per song, like <audio>),
// start playing once 2 s of audio are buffered, play at --rate bytes/s (40 000: 320
// kb/s), and read only while less than 10 s are buffered, so TCP backpressure holds
// the server's writes for most of the song. At the end of a song the next one starts
// on a new connection.
// Counted: streams cut (the server closed or reset before the body was complete),
// failures (connect refused, no answer, a status other than 206), underruns after the
// ramp (the buffer ran dry mid-song) and the seconds spent stalled, TTFB (request sent
// -> first byte) and startup delay (request -> 2 s buffered) p50/p99. Sampled every
// second: the server's RSS and CPU (the sum over --server-pids: nginx's workers too)
// and the kernel's TCP memory (/proc/net/sockstat, both ends: everything is on one
// machine); every 5 s the bytes queued in the server's send queues and the listeners'
// receive queues (/proc/net/tcp), to tell the two ends apart. Prints one line.
// PATHS_FILE: one request path per line (the listeners pick them round robin).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  int port = 0;
  std::vector<std::string> paths;
  int listeners = 0;
  double seconds = 0;
  double rate = 40000;  // bytes/s of audio
  double ramp = 500;    // connects per second while starting
  double start_buffer = 2, max_buffer = 10;  // seconds of audio
  int rcvbuf = 0;
  std::vector<int> server_pids;
};

struct listener {
  int fd = -1;
  enum class phase { idle, connecting, head, body } state = phase::idle;
  std::string head;
  std::uint64_t content_length = 0, received = 0;
  double played = 0;  // bytes of audio played
  bool playing = false, ever_played = false, reading = false, stalled = false;
  clock_type::time_point sent, next_start;
  std::size_t song = 0;
};

struct totals {
  long streams = 0, completed = 0, cut = 0, failed = 0, underruns = 0;
  double stalled_seconds = 0;
  std::uint64_t bytes = 0;
  std::vector<double> ttfb_ms, startup_ms, cut_after_s;
};

double seconds_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size())))];
}

long proc_rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

double proc_cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  auto close = all.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(all.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The whole machine's busy CPU seconds (/proc/stat: every state but idle and iowait).
// On loopback the kernel sends queued bytes in whichever process's context handles the
// ACK (often the client's), so a server's own CPU depends on how much it leaves queued;
// the machine's total does not.
double machine_cpu_seconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long v[10] = {};
  in >> cpu;
  for (auto& x : v) in >> x;
  unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];  // user nice system irq softirq steal
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long tcp_memory_kib() {  // "TCP: inuse 5 orphan 0 tw 0 alloc 7 mem 3" (pages)
  std::ifstream in("/proc/net/sockstat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("TCP:", 0) != 0) continue;
    auto at = line.find(" mem ");
    if (at != std::string::npos) return std::atol(line.c_str() + at + 5) * (sysconf(_SC_PAGESIZE) / 1024);
  }
  return 0;
}

// Bytes the kernel holds in the send queues of the server's sockets (local port
// `port`: sent and not yet acknowledged, or not sent yet) and in the receive queues of
// the listeners' sockets, from /proc/net/tcp's tx_queue:rx_queue (hex).
struct queue_bytes {
  std::uint64_t server_send = 0, client_receive = 0;
};
queue_bytes tcp_queues(int port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // the column names
  queue_bytes q;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string slot, local, remote, state, queues;
    if (!(f >> slot >> local >> remote >> state >> queues)) continue;
    auto colon = local.find(':'), qcolon = queues.find(':');
    if (colon == std::string::npos || qcolon == std::string::npos) continue;
    int local_port = static_cast<int>(std::strtol(local.c_str() + colon + 1, nullptr, 16));
    int remote_port = static_cast<int>(std::strtol(remote.c_str() + remote.find(':') + 1, nullptr, 16));
    if (local_port == port) q.server_send += std::strtoull(queues.substr(0, qcolon).c_str(), nullptr, 16);
    if (remote_port == port) q.client_receive += std::strtoull(queues.c_str() + qcolon + 1, nullptr, 16);
  }
  return q;
}

class load {
 public:
  explicit load(options o) : o_(std::move(o)), people_(static_cast<std::size_t>(o_.listeners)) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) throw std::runtime_error("epoll_create1 failed");
  }

  void run() {
    const auto start = clock_type::now();
    const auto end = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(o_.seconds));
    // Steady state: every listener started, and had time to fill its first buffer.
    steady_from_ = start + std::chrono::duration_cast<clock_type::duration>(
                               std::chrono::duration<double>(o_.listeners / o_.ramp + o_.start_buffer + 3));
    for (std::size_t i = 0; i < people_.size(); ++i) {
      people_[i].song = i % o_.paths.size();
      people_[i].next_start = start + std::chrono::duration_cast<clock_type::duration>(
                                          std::chrono::duration<double>(static_cast<double>(i) / o_.ramp));
    }
    sample(start);
    auto last_tick = start;
    auto next_sample = start + std::chrono::seconds(1);
    std::vector<epoll_event> events(1024);
    while (clock_type::now() < end) {
      int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 10);
      auto now = clock_type::now();
      for (int e = 0; e < n; ++e) on_event(people_[events[e].data.u32], events[e].events, now);
      if (now - last_tick >= std::chrono::milliseconds(50)) {
        tick(seconds_between(last_tick, now), now);
        last_tick = now;
      }
      if (now >= next_sample) {
        sample(now);
        next_sample += std::chrono::seconds(1);
      }
    }
    report(seconds_between(start, clock_type::now()));
  }

 private:
  void start_song(listener& l, clock_type::time_point now) {
    const auto song = l.song;
    l = listener{};
    l.song = song;
    l.next_start = now;
    l.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l.fd < 0) return fail(l, now);
    if (o_.rcvbuf > 0) ::setsockopt(l.fd, SOL_SOCKET, SO_RCVBUF, &o_.rcvbuf, sizeof o_.rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(o_.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(l.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS)
      return fail(l, now);
    l.state = listener::phase::connecting;
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u32 = static_cast<std::uint32_t>(&l - people_.data());
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, l.fd, &ev);
  }

  void close_listener(listener& l) {
    if (l.fd >= 0) ::close(l.fd);
    l.fd = -1;
    l.state = listener::phase::idle;
  }

  // A request that got no stream: counted, tried again in a second.
  void fail(listener& l, clock_type::time_point now) {
    ++t_.failed;
    close_listener(l);
    l.next_start = now + std::chrono::seconds(1);
  }

  void next_song(listener& l, clock_type::time_point now) {
    close_listener(l);
    l.song = (l.song + 1) % o_.paths.size();
    l.next_start = now;
  }

  void watch(listener& l, bool read) {
    if (l.reading == read) return;
    l.reading = read;
    epoll_event ev{};
    ev.events = read ? EPOLLIN | EPOLLRDHUP : EPOLLRDHUP;
    ev.data.u32 = static_cast<std::uint32_t>(&l - people_.data());
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, l.fd, &ev);
  }

  void on_event(listener& l, std::uint32_t what, clock_type::time_point now) {
    if (l.fd < 0) return;
    if (l.state == listener::phase::connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(l.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (what & (EPOLLERR | EPOLLHUP))) return fail(l, now);
      std::string req = "GET " + o_.paths[l.song] +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: tonearm-listeners\r\nRange: bytes=0-\r\n\r\n";
      if (::send(l.fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return fail(l, now);
      l.sent = now;
      l.state = listener::phase::head;
      l.reading = false;
      watch(l, true);
      ++t_.streams;
      return;
    }
    if (!(what & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
    read_some(l, now);
  }

  // Reads what the playout buffer has room for (all of the head first).
  void read_some(listener& l, clock_type::time_point now) {
    static char scratch[256 * 1024];
    for (;;) {
      double room = o_.max_buffer * o_.rate - (static_cast<double>(l.received) - l.played);
      std::size_t want = sizeof scratch;
      if (l.state == listener::phase::body) {
        if (room <= 0) return watch(l, false);
        want = std::min<std::size_t>(want, static_cast<std::size_t>(room) + 1);
      } else {
        want = 4096;  // the head: a little at a time, so the body's share is counted right
      }
      ssize_t n = ::recv(l.fd, scratch, want, 0);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n <= 0) return ended(l, now);
      if (l.state == listener::phase::head) {
        if (l.head.empty()) t_.ttfb_ms.push_back(seconds_between(l.sent, now) * 1000);
        l.head.append(scratch, static_cast<std::size_t>(n));
        auto end = l.head.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (l.head.size() > 16384) return fail(l, now);
          continue;
        }
        int status = std::atoi(l.head.c_str() + 9);
        std::string lower = l.head.substr(0, end);
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto cl = lower.find("\r\ncontent-length:");
        if (status != 206 || cl == std::string::npos) return fail(l, now);
        l.content_length = std::strtoull(lower.c_str() + cl + 17, nullptr, 10);
        l.received = l.head.size() - (end + 4);
        t_.bytes += l.received;
        l.head.resize(end + 4);
        l.state = listener::phase::body;
      } else {
        l.received += static_cast<std::uint64_t>(n);
        t_.bytes += static_cast<std::uint64_t>(n);
      }
      if (l.received >= l.content_length) return watch(l, false);  // all here: play it out
    }
  }

  // The server closed (or reset) the connection.
  void ended(listener& l, clock_type::time_point now) {
    if (l.state == listener::phase::body && l.received >= l.content_length) return watch(l, false);
    if (l.state == listener::phase::body) {
      ++t_.cut;
      t_.cut_after_s.push_back(seconds_between(l.sent, now));
      return next_song(l, now);
    }
    fail(l, now);
  }

  // Plays dt seconds of every listener's buffer, starts the listeners due, and turns
  // reading on again where the buffer has room.
  void tick(double dt, clock_type::time_point now) {
    bool steady = now >= steady_from_;
    for (auto& l : people_) {
      if (l.state == listener::phase::idle) {
        if (now >= l.next_start) start_song(l, now);
        continue;
      }
      if (l.state != listener::phase::body) continue;
      double buffered = (static_cast<double>(l.received) - l.played) / o_.rate;
      bool all_here = l.received >= l.content_length;
      if (!l.playing && (buffered >= o_.start_buffer || all_here)) {
        l.playing = true;
        if (!l.ever_played) t_.startup_ms.push_back(seconds_between(l.sent, now) * 1000);
        l.ever_played = true;
        l.stalled = false;
      }
      if (l.playing) {
        l.played = std::min(l.played + dt * o_.rate, static_cast<double>(l.received));
        if (l.played >= static_cast<double>(l.content_length)) {
          ++t_.completed;
          next_song(l, now);
          continue;
        }
        if (l.played >= static_cast<double>(l.received)) {  // ran dry mid-song: rebuffer
          l.playing = false;
          if (steady) ++t_.underruns;
          l.stalled = steady;
        }
      } else if (l.stalled) {
        t_.stalled_seconds += dt;
      }
      if (!all_here) watch(l, (static_cast<double>(l.received) - l.played) < o_.max_buffer * o_.rate);
    }
  }

  void sample(clock_type::time_point now) {
    long rss = 0;
    double cpu = 0;
    for (int pid : o_.server_pids) {
      rss += proc_rss_kib(pid);
      cpu += proc_cpu_seconds(pid);
    }
    if (samples_ == 0) {
      rss_before_ = rss;
      tcp_before_ = tcp_memory_kib();
    }
    if (now >= steady_from_) {
      rss_peak_ = std::max(rss_peak_, rss);
      tcp_peak_ = std::max(tcp_peak_, tcp_memory_kib());
      if (samples_ % 5 == 0) {  // a walk over every socket: not every second
        auto q = tcp_queues(o_.port);
        send_queue_peak_ = std::max(send_queue_peak_, q.server_send);
        receive_queue_peak_ = std::max(receive_queue_peak_, q.client_receive);
      }
      double machine = machine_cpu_seconds();
      if (steady_cpu_at_ < 0) {
        steady_cpu_at_ = cpu;
        steady_machine_at_ = machine;
        steady_bytes_at_ = t_.bytes;
        steady_time_ = now;
      }
      cpu_last_ = cpu;
      machine_last_ = machine;
      bytes_last_ = t_.bytes;
      time_last_ = now;
    }
    ++samples_;
  }

  void report(double elapsed) {
    double steady_s = steady_cpu_at_ < 0 ? 0 : seconds_between(steady_time_, time_last_);
    double steady_bits = static_cast<double>(bytes_last_ - steady_bytes_at_) * 8;
    double cpu_s = steady_cpu_at_ < 0 ? 0 : cpu_last_ - steady_cpu_at_;
    double gbps = steady_s > 0 ? steady_bits / steady_s / 1e9 : 0;
    double cpu_share = steady_s > 0 ? cpu_s / steady_s : 0;
    double machine_share = steady_s > 0 && steady_cpu_at_ >= 0 ? (machine_last_ - steady_machine_at_) / steady_s : 0;
    double per_stream_kib =
        o_.listeners > 0 ? static_cast<double>(rss_peak_ - rss_before_) / static_cast<double>(o_.listeners) : 0;
    char line[2048];
    std::snprintf(line, sizeof line,
                  "listeners=%d seconds=%.0f streams=%ld completed=%ld cut=%ld failed=%ld underruns=%ld "
                  "stalled_s=%.1f min_cut_after_s=%.1f ttfb_p50_ms=%.1f ttfb_p99_ms=%.1f startup_p50_ms=%.0f "
                  "startup_p99_ms=%.0f gbps=%.3f server_cpu=%.2f cpu_per_gbps=%.2f machine_cpu=%.2f machine_cpu_per_gbps=%.2f rss_before_kib=%ld "
                  "rss_peak_kib=%ld kib_per_stream=%.1f tcp_mem_kib=%ld server_sendq_kib_per_stream=%.1f "
                  "client_recvq_kib_per_stream=%.1f",
                  o_.listeners, elapsed, t_.streams, t_.completed, t_.cut, t_.failed, t_.underruns,
                  t_.stalled_seconds, t_.cut_after_s.empty() ? 0.0 : *std::min_element(t_.cut_after_s.begin(), t_.cut_after_s.end()),
                  percentile(t_.ttfb_ms, 50), percentile(t_.ttfb_ms, 99), percentile(t_.startup_ms, 50),
                  percentile(t_.startup_ms, 99), gbps, cpu_share, gbps > 0 ? cpu_share / gbps : 0.0, machine_share,
                  gbps > 0 ? machine_share / gbps : 0.0, rss_before_,
                  rss_peak_, per_stream_kib, tcp_peak_ - tcp_before_,
                  static_cast<double>(send_queue_peak_) / 1024.0 / o_.listeners,
                  static_cast<double>(receive_queue_peak_) / 1024.0 / o_.listeners);
    std::printf("%s\n", line);
    std::fflush(stdout);
  }

  options o_;
  std::vector<listener> people_;
  int epoll_ = -1;
  totals t_;
  clock_type::time_point steady_from_, steady_time_, time_last_;
  long rss_before_ = 0, rss_peak_ = 0, tcp_before_ = 0, tcp_peak_ = 0;
  double steady_cpu_at_ = -1, cpu_last_ = 0, steady_machine_at_ = 0, machine_last_ = 0;
  std::uint64_t steady_bytes_at_ = 0, bytes_last_ = 0, send_queue_peak_ = 0, receive_queue_peak_ = 0;
  long samples_ = 0;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: listeners PORT PATHS_FILE LISTENERS SECONDS [--rate B/s] [--ramp N/s] "
               "[--server-pids PID,PID...] [--rcvbuf BYTES]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) usage();
  options o;
  o.port = std::atoi(argv[1]);
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) o.paths.push_back(line);
  o.listeners = std::atoi(argv[3]);
  o.seconds = std::atof(argv[4]);
  for (int i = 5; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--rate") o.rate = std::atof(v.c_str());
    else if (k == "--ramp") o.ramp = std::atof(v.c_str());
    else if (k == "--rcvbuf") o.rcvbuf = std::atoi(v.c_str());
    else if (k == "--server-pids") {
      std::stringstream ss(v);
      for (std::string p; std::getline(ss, p, ',');) o.server_pids.push_back(std::atoi(p.c_str()));
    } else usage();
  }
  if (o.port <= 0 || o.paths.empty() || o.listeners <= 0 || o.seconds <= 0 || o.rate <= 0 || o.ramp <= 0) usage();
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  if (static_cast<long>(lim.rlim_cur) < o.listeners + 64) {
    std::fprintf(stderr, "listeners: %d listeners need %d descriptors; the limit is %ld\n", o.listeners,
                 o.listeners + 64, static_cast<long>(lim.rlim_cur));
    return 2;
  }
  load(std::move(o)).run();
  return 0;
}
