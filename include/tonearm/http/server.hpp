// The HTTP/1.1 server: listener, sessions with limits and timeouts, graceful stop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "tonearm/http/forwarded.hpp"
#include "tonearm/http/router.hpp"

namespace tonearm::http {

// What the listener knows of its connections, readable from any thread (readiness,
// metrics). Owned by whoever builds the server, so probes built earlier can hold it.
struct connection_stats {
  std::atomic<std::int64_t> open{0};              // connections being served
  std::atomic<std::int64_t> refused_per_address{0};  // over max_connections_per_address
  std::atomic<bool> descriptors_exhausted{false};   // accept fails for want of fds now
  std::atomic<std::int64_t> shed{0};                // closed unanswered for want of fds
  std::atomic<std::int64_t> exhaustion_episodes{0};
  std::atomic<bool> draining{false};  // shutting down: no new connections (readiness says 503)
  std::atomic<std::int64_t> streams{0};  // streamed bodies (audio) being written now
};

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see server::port())
  int threads = 2;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds write_timeout{30000};
  std::chrono::milliseconds shutdown_grace{10000};
  // On shutdown an idle keep-alive connection stays open this long, so that its peer
  // closes it first: a proxy that pools connections (nginx) may be sending a request on
  // it at that moment, and a request cut that way (a POST) cannot be retried. A request
  // that arrives meanwhile is answered with "Connection: close". Must exceed the proxy's
  // own idle timeout for upstream connections (deploy/nginx: keepalive_timeout 4s).
  // 0: idle connections are closed at once. Within shutdown_grace.
  std::chrono::milliseconds drain_idle{5000};
  // Largest piece of a streamed body in memory. 56 KiB: with the session it stays
  // under the 64 KiB per stream target (measured 62 KiB).
  std::size_t stream_chunk_bytes = 56 * 1024;
  // TCP_NOTSENT_LOWAT of every accepted connection: the most bytes the kernel keeps
  // queued for a client beyond what is in flight. A listener reading at the pace of the
  // music then pins about this much kernel memory, not a send buffer autotuned to 4 MiB.
  // Smaller costs CPU: the socket turns writable every lowat/2 bytes, and each wake is
  // a write. 0 leaves the kernel's setting.
  int send_lowat_bytes = 1024 * 1024;
  bool sendfile = true;  // bodies that are one region of a local file go out with sendfile(2)
  // Admission: the most streamed bodies (audio) written at once. A request to a
  // streaming route (router::limit_streams) that arrives while this many play gets a
  // fast 503 "overloaded" with Retry-After, before its handler runs (no play counted),
  // so that the listeners already playing keep their rate instead of every stream
  // slowing down. Checked, not reserved: requests admitted in the same instant may pass
  // it by a few. 0: no limit.
  int max_streams = 0;
  int worker_threads = 16;  // threads for blocking handlers (database, Redis)
  int worker_queue = 1024;  // blocking handlers in flight before "overloaded"
  // Connections one client address may hold at once (0: no cap); the next one gets
  // 429 and is closed. Behind a proxy every client has the proxy's address: 0 there.
  int max_connections_per_address = 256;
  // Proxies whose X-Forwarded-For names the client (request::remote); empty: none.
  trusted_proxies proxies;
  connection_stats* stats = nullptr;  // optional; the server's own when null
  // A request whose response took longer than this to be ready (queue wait and
  // handler; not the client's download) gets a warning with its timings. 0: never.
  std::chrono::milliseconds log_slow{0};
};

class server {
 public:
  server(server_options options, const http::router& routes);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and listens. Throws std::runtime_error naming the address on failure.
  void listen();
  std::uint16_t port() const;
  // Serves on `threads` I/O threads until SIGINT/SIGTERM or stop(), then stops
  // accepting, lets in-flight responses finish and idle connections drain (drain_idle)
  // within `shutdown_grace`, and returns. A second signal stops at once.
  void run();
  // Starts the same graceful stop from any thread.
  void stop();

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace tonearm::http
