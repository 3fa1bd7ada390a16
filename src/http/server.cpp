// The listener: binds, accepts connections (with a per-address cap and a reserve
// descriptor for when none are left), starts a session for each, and stops
// gracefully on SIGINT/SIGTERM or stop(). Sessions are session.cpp's, blocking work
// the executor's, raw socket writes socket_writer's.
#include "net.hpp"

#include "tonearm/http/server.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "executor.hpp"
#include "http_metrics.hpp"
#include "session.hpp"

namespace tonearm::http {

struct server::impl final : session_owner {
  impl(server_options o, const http::router& r)
      : options(std::move(o)), routes(r), ioc(options.threads), acceptor(ioc), signals(ioc, SIGINT, SIGTERM),
        grace_timer(ioc), executor(options.worker_threads, options.worker_queue),
        stats(options.stats ? *options.stats : own_stats),
        reserve_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {
    server_metrics();  // every HTTP family exposed from the start
  }
  ~impl() {
    if (reserve_fd >= 0) ::close(reserve_fd);
  }

  void begin_shutdown();
  void session_started(std::uint64_t id, const std::shared_ptr<session>& s);
  void session_ended(std::uint64_t id, const std::string* counted_address) override;
  // Takes a slot for `address`; false when it holds max_connections_per_address already.
  bool take_address_slot(const std::string& address);
  void out_of_descriptors(const beast::error_code& ec);
  net::awaitable<void> accept_loop();

  server_options options;
  const http::router& routes;
  // Before ioc: sessions still open when it is destroyed unregister themselves here.
  std::atomic<bool> stopping{false};
  std::mutex sessions_mutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<session>> sessions;
  std::uint64_t next_session_id = 0;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::signal_set signals;
  net::steady_timer grace_timer;
  blocking_executor executor;  // after ioc: joined and destroyed first
  connection_stats own_stats;
  connection_stats& stats;
  std::unordered_map<std::string, int> per_address;  // under sessions_mutex
  // A descriptor held back for the moment none are left: closed to accept (and at
  // once close) a waiting connection, so clients are told no instead of hanging.
  int reserve_fd = -1;
  std::chrono::steady_clock::time_point exhausted_since{};
  std::int64_t shed_at_episode_start = 0;
};

void server::impl::session_started(std::uint64_t id, const std::shared_ptr<session>& s) {
  std::lock_guard lock(sessions_mutex);
  sessions.emplace(id, s);
}

bool server::impl::take_address_slot(const std::string& address) {
  if (options.max_connections_per_address <= 0) return true;
  std::lock_guard lock(sessions_mutex);
  int& n = per_address[address];
  if (n >= options.max_connections_per_address) return false;
  ++n;
  return true;
}

void server::impl::session_ended(std::uint64_t id, const std::string* counted_address) {
  std::lock_guard lock(sessions_mutex);
  sessions.erase(id);
  if (counted_address && options.max_connections_per_address > 0) {
    if (auto it = per_address.find(*counted_address); it != per_address.end() && --it->second <= 0) per_address.erase(it);
  }
  // stopped(): sessions dropped when the io_context is destroyed have nothing to stop.
  if (stopping && sessions.empty() && !ioc.stopped()) net::post(ioc, [this] { ioc.stop(); });
}

// No descriptor left for a new connection (EMFILE/ENFILE): one warning per episode,
// not per attempt. The waiting connection is accepted on the reserve descriptor and
// closed at once, so its client hears no at once instead of timing out, while the
// connections already open keep being served.
void server::impl::out_of_descriptors(const beast::error_code& ec) {
  if (!stats.descriptors_exhausted.exchange(true)) {
    ++stats.exhaustion_episodes;
    exhausted_since = std::chrono::steady_clock::now();
    shed_at_episode_start = stats.shed;
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    spdlog::warn("accept failed: {} ({} connections open, open file limit {}); closing new connections at once "
                 "until descriptors free up",
                 ec.message(), stats.open.load(), static_cast<long long>(lim.rlim_cur));
  }
  if (reserve_fd >= 0) {
    ::close(reserve_fd);
    reserve_fd = -1;
  }
  // Everything waiting in the backlog now (bounded, so other work gets its turn).
  for (int i = 0; i < 1024; ++i) {
    int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) break;
    ::close(fd);
    ++stats.shed;
  }
  reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

net::awaitable<void> server::impl::accept_loop() {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(net::make_strand(ioc), net::redirect_error(use_awaitable, ec));
    if (ec == net::error::operation_aborted || stopping) co_return;
    if (ec == net::error::no_descriptors || ec.value() == ENFILE || ec.value() == ENOBUFS || ec.value() == ENOMEM) {
      out_of_descriptors(ec);
      net::steady_timer pause(ioc, std::chrono::milliseconds(10));  // not a busy loop
      co_await pause.async_wait(net::redirect_error(use_awaitable, ec));
      continue;
    }
    if (ec) {  // a connection that died in the backlog (ECONNABORTED) and the like
      spdlog::debug("accept failed: {}", ec.message());
      continue;
    }
    if (stats.descriptors_exhausted.exchange(false)) {
      spdlog::warn("accepting connections again after {:.1f} s without descriptors; {} connections were closed "
                   "unanswered meanwhile",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - exhausted_since).count(),
                   stats.shed - shed_at_episode_start);
    }
    if (reserve_fd < 0) reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    socket.set_option(tcp::no_delay(true), ec);
    if (options.send_lowat_bytes > 0)  // best effort: a kernel without it keeps its default
      ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NOTSENT_LOWAT, &options.send_lowat_bytes,
                   sizeof options.send_lowat_bytes);
    std::string remote;
    if (auto ep = socket.remote_endpoint(ec); !ec) remote = ep.address().to_string();
    bool counted = take_address_slot(remote);
    if (!counted) ++stats.refused_per_address;
    std::uint64_t id;
    {
      std::lock_guard lock(sessions_mutex);
      id = next_session_id++;
    }
    auto strand = socket.get_executor();
    auto s = std::make_shared<session>(std::move(socket), session_context{options, routes, executor, stats, *this},
                                       id, std::move(remote), counted);
    session_started(id, s);
    net::co_spawn(strand, [s]() { return s->run(); }, net::detached);
  }
}

void server::impl::begin_shutdown() {
  if (stopping.exchange(true)) return;
  stats.draining = true;
  spdlog::info(
      "shutting down: no new connections, finishing in-flight responses (up to {} ms), idle connections "
      "left to their clients for {} ms; a second signal stops at once",
      options.shutdown_grace.count(), std::min(options.drain_idle, options.shutdown_grace).count());
  beast::error_code ec;
  acceptor.close(ec);
  signals.async_wait([this](beast::error_code wait_ec, int sig) {
    if (wait_ec) return;
    std::lock_guard lock(sessions_mutex);
    spdlog::warn("received signal {} again: stopping now, dropping {} connection(s)", sig, sessions.size());
    ioc.stop();
  });
  std::vector<std::shared_ptr<session>> live;
  {
    std::lock_guard lock(sessions_mutex);
    for (auto& [id, weak] : sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
    if (sessions.empty()) net::post(ioc, [this] { ioc.stop(); });
  }
  for (auto& s : live) s->request_close();
  live.clear();  // a session may end (and erase itself) only without our reference
  grace_timer.expires_after(options.shutdown_grace);
  grace_timer.async_wait([this](beast::error_code wait_ec) {
    if (wait_ec) return;
    std::lock_guard lock(sessions_mutex);
    if (!sessions.empty()) spdlog::warn("shutdown grace period over; dropping {} connection(s)", sessions.size());
    ioc.stop();
  });
}

server::server(server_options options, const http::router& routes)
    : impl_(std::make_unique<impl>(std::move(options), routes)) {}

server::~server() = default;

void server::listen() {
  auto& i = *impl_;
  beast::error_code ec;
  auto address = net::ip::make_address(i.options.host, ec);
  if (ec) throw std::runtime_error("listen address '" + i.options.host + "' is not an IP address");
  tcp::endpoint ep(address, i.options.port);
  std::string where = i.options.host + ":" + std::to_string(i.options.port);
  i.acceptor.open(ep.protocol(), ec);
  if (!ec) i.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(ep, ec);
  if (!ec) i.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) i.acceptor.native_non_blocking(true, ec);  // the reserve-descriptor accept must not block
  if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
}

std::uint16_t server::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void server::run() {
  auto& i = *impl_;
  i.signals.async_wait([&i](beast::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("received signal {}", sig);
    i.begin_shutdown();
  });
  net::co_spawn(i.ioc, i.accept_loop(), net::detached);
  std::vector<std::thread> threads;
  for (int t = 1; t < i.options.threads; ++t) threads.emplace_back([&i] { i.ioc.run(); });
  i.ioc.run();
  for (auto& t : threads) t.join();
  i.executor.join();  // blocking calls still running finish; their results are dropped
}

void server::stop() {
  net::post(impl_->ioc, [this] { impl_->begin_shutdown(); });
}

}  // namespace tonearm::http
