// Beast/Asio server: listener coroutine, per-connection session coroutine, shutdown.
// The only file of the http module that includes Asio and Beast (they compile slowly).
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include "tonearm/http/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "wire.hpp"

namespace tonearm::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using net::use_awaitable;

class session;

struct server::impl {
  impl(server_options o, const http::router& r)
      : options(std::move(o)), routes(r), ioc(options.threads), acceptor(ioc), signals(ioc, SIGINT, SIGTERM),
        grace_timer(ioc), blocking(static_cast<std::size_t>(options.worker_threads)),
        body_reads(static_cast<std::size_t>(std::max(2, options.worker_threads / 2))),
        stats(options.stats ? *options.stats : own_stats),
        reserve_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}
  ~impl() {
    if (reserve_fd >= 0) ::close(reserve_fd);
  }

  void begin_shutdown();
  void session_started(std::uint64_t id, const std::shared_ptr<session>& s);
  // `counted_address`: the address whose slot the session held, or null.
  void session_ended(std::uint64_t id, const std::string* counted_address);
  // Takes a slot for `address`; false when it holds max_connections_per_address already.
  bool take_address_slot(const std::string& address);
  void out_of_descriptors(const beast::error_code& ec);
  net::awaitable<void> accept_loop();
  net::awaitable<response> offload(std::function<response()> fn);

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
  net::thread_pool blocking;  // after ioc: joined and destroyed first
  // Body pieces that wait on the network (hot songs from Redis): their own threads, so
  // a slow Redis holds up streams (until its breaker opens), never handler work.
  net::thread_pool body_reads;
  std::atomic<int> blocking_in_flight{0};
  connection_stats own_stats;
  connection_stats& stats;
  std::unordered_map<std::string, int> per_address;  // under sessions_mutex
  // A descriptor held back for the moment none are left: closed to accept (and at
  // once close) a waiting connection, so clients are told no instead of hanging.
  int reserve_fd = -1;
  std::chrono::steady_clock::time_point exhausted_since{};
  std::int64_t shed_at_episode_start = 0;
};

// One connection: reads requests one at a time (so pipelined requests are answered
// in order), dispatches them, writes responses, and enforces limits and timeouts.
class session : public std::enable_shared_from_this<session> {
 public:
  // `counted`: the connection holds one of its address's slots (released at the end);
  // a connection that got none is answered 429 and closed.
  session(tcp::socket socket, server::impl& srv, std::uint64_t id, std::string remote, bool counted)
      : stream_(std::move(socket)), srv_(srv), id_(id), remote_(std::move(remote)), counted_(counted) {
    ++srv_.stats.open;
  }
  ~session() {
    --srv_.stats.open;
    srv_.session_ended(id_, counted_ ? &remote_ : nullptr);
  }

  // Asks the session to finish: an idle connection closes now, a busy one after
  // its current response. Safe from any thread.
  void request_close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (self->idle_) self->stream_.cancel();
    });
  }

  net::awaitable<void> run();

 private:
  net::awaitable<bool> wait_for_request(beast::flat_buffer& buffer, bool first);
  net::awaitable<void> send(response& res, const request& req, bool keep_alive);
  net::awaitable<void> send_file(const std::string& head, const body_source::file_region& f, response& res);
  net::awaitable<void> send_pieces(const std::string& head, body_source& source, response& res);
  net::awaitable<void> send_all(const std::string& head, std::size_t& head_sent, const char* data, std::size_t n,
                                response& res);
  net::awaitable<void> wait_writable();
  net::awaitable<void> send_error_and_close(errc code, std::string_view message);
  net::awaitable<void> linger_close();
  net::awaitable<response> dispatch(request& req);

  beast::tcp_stream stream_;
  server::impl& srv_;
  std::uint64_t id_;
  std::string remote_;
  bool counted_ = true;
  bool idle_ = false;
  bool closing_ = false;
  std::unique_ptr<char[]> buffer_;  // streamed bodies, stream_chunk_bytes
};

namespace {

// Header fields a request may have (Apache's LimitRequestFields default): a real
// client sends a dozen or two; thousands of tiny ones are an attack on the tables.
constexpr std::ptrdiff_t max_header_fields = 100;

bool is_quiet(const beast::error_code& ec) {
  return ec == net::error::operation_aborted || ec == beast::error::timeout || ec == bhttp::error::end_of_stream ||
         ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

// Runs a handler (or a fast path), turning what it throws into an error response.
template <class F>
auto guarded(const route& r, request& req, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const api_error& e) {
    return error_response(e.code(), e.what(), e.details());
  } catch (const std::exception& e) {
    spdlog::error("request_id={} handler for {} {} failed: {}", req.request_id, req.method, r.pattern, e.what());
    return error_response(errc::internal, "internal error");
  }
}

std::optional<wire::framing_error> framing_problem(const bhttp::request_header<>& head) {
  std::vector<std::string_view> te, cl;
  auto lines = [&head](bhttp::field f, std::vector<std::string_view>& out) {
    auto [from, to] = head.equal_range(f);
    for (auto it = from; it != to; ++it) out.emplace_back(it->value().data(), it->value().size());
  };
  lines(bhttp::field::transfer_encoding, te);
  lines(bhttp::field::content_length, cl);
  return wire::framing_problem(te, cl, head.version());
}

response call_handler(const route& r, request& req) {
  return guarded(r, req, [&] { return r.handler(req); });
}

}  // namespace

// Runs `fn` on the blocking pool and resumes the calling coroutine on its own
// executor (strand) with the result. More than worker_queue calls in flight are
// refused at once with 503 "overloaded" rather than queued without bound.
net::awaitable<response> server::impl::offload(std::function<response()> fn) {
  if (blocking_in_flight.fetch_add(1) >= options.worker_queue) {
    --blocking_in_flight;
    co_return error_response(errc::overloaded, "server is busy; retry shortly");
  }
  struct release {
    std::atomic<int>& n;
    ~release() { --n; }
  } in_flight{blocking_in_flight};
  co_return co_await net::co_spawn(
      blocking.get_executor(),
      [fn = std::move(fn)]() -> net::awaitable<response> { co_return fn(); }, use_awaitable);
}

net::awaitable<response> session::dispatch(request& req) {
  auto m = srv_.routes.match(req.method, req.path);
  using kind = route_match::kind;
  if (m.bad_path) co_return error_response(errc::bad_request, "malformed percent-escape in path");
  if (m.outcome == kind::not_found)
    co_return error_response(errc::not_found, "no such resource: " + req.path);
  if (req.method == "OPTIONS" && m.outcome == kind::method_not_allowed) {
    response res;
    res.status = 204;
    res.headers.set("Allow", m.allow);
    co_return res;
  }
  if (m.outcome == kind::method_not_allowed) {
    auto res = error_response(errc::method_not_allowed, "method " + req.method + " is not allowed here; allowed: " + m.allow);
    res.headers.set("Allow", m.allow);
    co_return res;
  }
  req.path_params = std::move(m.params);
  // Text reaches handlers, PostgreSQL and logs only as UTF-8 without control bytes.
  if (auto problem = text_problem(req); !problem.empty()) co_return error_response(errc::bad_request, problem);
  const route* r = m.route;
  if (r->execution == execution::inline_io) co_return call_handler(*r, req);
  if (r->fast)
    if (auto res = guarded(*r, req, [&] { return r->fast(req); })) co_return std::move(*res);
  co_return co_await srv_.offload([r, &req] { return call_handler(*r, req); });
}

// Waits for the first byte of the next request under the idle timeout (the header
// timeout for a new connection). Returns false when the connection should end.
net::awaitable<bool> session::wait_for_request(beast::flat_buffer& buffer, bool first) {
  if (buffer.size() > 0) co_return true;
  if (closing_) co_return false;
  beast::error_code ec;
  idle_ = true;
  stream_.expires_after(first ? srv_.options.header_timeout : srv_.options.idle_timeout);
  auto n = co_await stream_.async_read_some(buffer.prepare(4096), net::redirect_error(use_awaitable, ec));
  idle_ = false;
  if (ec) co_return false;
  buffer.commit(n);
  co_return true;
}

net::awaitable<void> session::run() {
  beast::flat_buffer buffer;
  bool first = true;
  if (!counted_) {
    co_await send_error_and_close(errc::too_many_requests,
                                  "too many connections from your address (at most " +
                                      std::to_string(srv_.options.max_connections_per_address) + ")");
    co_return;
  }
  try {
    while (co_await wait_for_request(buffer, first)) {
      first = false;
      auto started = std::chrono::steady_clock::now();
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(srv_.options.max_header_bytes));
      parser.body_limit(srv_.options.max_body_bytes);
      beast::error_code ec;
      stream_.expires_after(srv_.options.header_timeout);
      co_await bhttp::async_read_header(stream_, buffer, parser, net::redirect_error(use_awaitable, ec));
      if (ec == bhttp::error::header_limit) {
        co_await send_error_and_close(errc::header_too_large, "request header fields too large");
        co_return;
      }
      if (ec == bhttp::error::body_limit) {  // Content-Length over the limit, seen in the head
        co_await send_error_and_close(errc::payload_too_large, "request body larger than " +
                                                                  std::to_string(srv_.options.max_body_bytes) + " bytes");
        co_return;
      }
      if (ec) {
        if (!is_quiet(ec)) co_await send_error_and_close(errc::bad_request, "malformed request: " + ec.message());
        co_return;
      }
      auto& head = parser.get();
      if (std::distance(head.begin(), head.end()) > max_header_fields) {
        co_await send_error_and_close(errc::header_too_large,
                                      "more than " + std::to_string(max_header_fields) + " header fields");
        co_return;
      }
      if (auto bad = framing_problem(head)) {  // never guess where a body ends (smuggling)
        co_await send_error_and_close(bad->code, bad->message);
        co_return;
      }
      if (!parser.is_done()) {
        if (beast::iequals(head[bhttp::field::expect], "100-continue")) {
          bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
          stream_.expires_after(srv_.options.write_timeout);
          co_await bhttp::async_write(stream_, cont, use_awaitable);
        }
        stream_.expires_after(srv_.options.header_timeout);
        co_await bhttp::async_read(stream_, buffer, parser, net::redirect_error(use_awaitable, ec));
        if (ec == bhttp::error::body_limit) {
          co_await send_error_and_close(errc::payload_too_large, "request body too large");
          co_return;
        }
        if (ec) {
          if (!is_quiet(ec)) co_await send_error_and_close(errc::bad_request, "malformed request body: " + ec.message());
          co_return;
        }
      }
      stream_.expires_never();

      auto msg = parser.release();
      request req;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      for (const auto& f : msg) req.headers.add(std::string(f.name_string()), std::string(f.value()));
      req.body = std::move(msg.body());
      req.remote = remote_;
      req.request_id = wire::request_id_for(req.headers.get("X-Request-Id"));
      split_target(req);
      bool keep_alive = msg.keep_alive();

      response res = co_await dispatch(req);
      try {
        co_await send(res, req, keep_alive && !closing_);
      } catch (...) {
        // A client that hung up mid-body still gets its line, with the bytes it got.
        wire::log_access(req, res, started);
        throw;
      }
      wire::log_access(req, res, started);
      if (!keep_alive || closing_ || wire::wants_close(res)) break;
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  } catch (const boost::system::system_error& e) {
    if (!is_quiet(e.code())) spdlog::warn("connection from {} ended: {}", remote_, e.code().message());
  } catch (const std::exception& e) {
    spdlog::error("connection from {} failed: {}", remote_, e.what());
  }
}

net::awaitable<void> session::send(response& res, const request& req, bool keep_alive) {
  bool head_only = req.method == "HEAD";
  std::string head = wire::serialize_head(res, req.request_id, keep_alive);
  stream_.expires_after(srv_.options.write_timeout);
  if (res.stream && !head_only && srv_.options.sendfile) {
    if (auto f = res.stream->file()) {
      co_await send_file(head, *f, res);
      co_return;
    }
  }
  if (res.stream && !head_only) {
    co_await send_pieces(head, *res.stream, res);
  } else if (res.stream) {
    co_await net::async_write(stream_, net::buffer(head), use_awaitable);
  } else {
    std::array<net::const_buffer, 2> buffers{net::buffer(head),
                                             head_only ? net::const_buffer{} : net::buffer(res.body)};
    co_await net::async_write(stream_, buffers, use_awaitable);
    if (!head_only) res.body_bytes_sent = res.body.size();
  }
}

// The head, then the file region straight from the page cache to the socket with
// sendfile(2): no buffer of ours, no copy through user space. Non-blocking: when the
// socket is full we wait until it is writable, at most write_timeout each time (a
// stalled reader is dropped); a client that hangs up ends it with EPIPE/ECONNRESET.
net::awaitable<void> session::send_file(const std::string& head, const body_source::file_region& f, response& res) {
  constexpr std::uint64_t max_per_call = 1 << 20;  // then other connections get a turn
  auto& sock = stream_.socket();
  if (!sock.native_non_blocking()) sock.native_non_blocking(true);
  const int fd = sock.native_handle();
  std::size_t head_sent = 0;
  auto offset = static_cast<off_t>(f.offset);
  std::uint64_t left = f.length;
  int calls = 0;
  while (head_sent < head.size() || left > 0) {
    ssize_t n;
    if (head_sent < head.size()) {
      // MSG_MORE: the head leaves in the same packet as the start of the body.
      n = ::send(fd, head.data() + head_sent, head.size() - head_sent, MSG_NOSIGNAL | (left > 0 ? MSG_MORE : 0));
      if (n > 0) head_sent += static_cast<std::size_t>(n);
    } else {
      n = ::sendfile(fd, f.fd, &offset, static_cast<std::size_t>(std::min(left, max_per_call)));
      if (n == 0) throw std::runtime_error("audio shorter than recorded");
      if (n > 0) {
        left -= static_cast<std::uint64_t>(n);
        res.body_bytes_sent += static_cast<std::uint64_t>(n);
        if (left > 0 && ++calls % 4 == 0) co_await net::post(stream_.get_executor(), use_awaitable);
      }
    }
    if (n >= 0) continue;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      throw boost::system::system_error(errno, boost::system::system_category(), "sendfile");
    co_await wait_writable();
  }
}

// A body pulled piece by piece into this connection's buffer (at most
// stream_chunk_bytes): each piece is written with non-blocking sends before the next
// is read, the head leaving with the first piece. A source that may wait on the
// network (Redis) is read on the body_reads pool; local files and chunk memory are read
// here, from the page cache or RAM.
net::awaitable<void> session::send_pieces(const std::string& head, body_source& source, response& res) {
  // One buffer per connection, reused: a fresh large buffer per response costs page
  // faults on every request.
  const auto max = srv_.options.stream_chunk_bytes;
  if (!buffer_) buffer_ = std::make_unique<char[]>(max);
  char* buf = buffer_.get();
  std::size_t head_sent = 0;
  for (int pieces = 1;; ++pieces) {
    std::size_t n;
    if (source.blocking()) {
      n = co_await net::co_spawn(
          srv_.body_reads.get_executor(), [&]() -> net::awaitable<std::size_t> { co_return source.next(buf, max); },
          use_awaitable);
    } else {
      n = source.next(buf, max);
    }
    co_await send_all(head, head_sent, buf, n, res);
    if (n == 0) co_return;
    if (pieces % 8 == 0) co_await net::post(stream_.get_executor(), use_awaitable);  // others get a turn
  }
}

// Writes what is left of `head`, then data[0, n), with non-blocking sendmsg; when the
// socket is full, waits until it is writable (at most write_timeout each time).
net::awaitable<void> session::send_all(const std::string& head, std::size_t& head_sent, const char* data,
                                       std::size_t n, response& res) {
  auto& sock = stream_.socket();
  if (!sock.native_non_blocking()) sock.native_non_blocking(true);
  const int fd = sock.native_handle();
  std::size_t sent = 0;
  while (head_sent < head.size() || sent < n) {
    iovec iov[2];
    int count = 0;
    if (head_sent < head.size()) iov[count++] = {const_cast<char*>(head.data()) + head_sent, head.size() - head_sent};
    if (sent < n) iov[count++] = {const_cast<char*>(data) + sent, n - sent};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (w >= 0) {
      auto written = static_cast<std::size_t>(w);
      auto of_head = std::min(written, head.size() - head_sent);
      head_sent += of_head;
      sent += written - of_head;
      res.body_bytes_sent += written - of_head;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      throw boost::system::system_error(errno, boost::system::system_category(), "send");
    co_await wait_writable();
  }
}

net::awaitable<void> session::wait_writable() {
  net::steady_timer timer(stream_.get_executor(), srv_.options.write_timeout);
  // done: the wait is over. A timer that fired in the same tick as the wait completed
  // cannot be cancelled any more; it must then not cancel whatever comes next.
  struct state {
    bool expired = false, done = false;
  };
  auto st = std::make_shared<state>();
  timer.async_wait([self = shared_from_this(), st](const boost::system::error_code& ec) {
    if (ec || st->done) return;
    st->expired = true;
    boost::system::error_code ignored;
    self->stream_.socket().cancel(ignored);
  });
  boost::system::error_code ec;
  co_await stream_.socket().async_wait(tcp::socket::wait_write, net::redirect_error(use_awaitable, ec));
  st->done = true;
  timer.cancel();
  if (st->expired) throw boost::system::system_error(beast::error::timeout);
  if (ec) throw boost::system::system_error(ec);
}

net::awaitable<void> session::send_error_and_close(errc code, std::string_view message) {
  request req;
  req.method = "-";
  req.request_id = wire::request_id_for({});
  req.remote = remote_;
  auto started = std::chrono::steady_clock::now();
  response res = error_response(code, message);
  beast::error_code ec;
  try {
    co_await send(res, req, false);
  } catch (const boost::system::system_error&) {
    co_return;  // the client is gone; nothing to tell it
  }
  wire::log_access(req, res, started);
  co_await linger_close();
}

// Half-closes and reads what the client still sends (bounded in time and bytes), so
// closing with unread input does not reset the connection before the client has
// read our error response.
net::awaitable<void> session::linger_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 16 * 1024> sink;
  std::size_t total = 0;
  stream_.expires_after(std::chrono::seconds(2));
  while (!ec && total < 4 * 1024 * 1024) {
    total += co_await stream_.async_read_some(net::buffer(sink), net::redirect_error(use_awaitable, ec));
  }
}

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
    std::string remote;
    if (auto ep = socket.remote_endpoint(ec); !ec) remote = ep.address().to_string();
    bool counted = take_address_slot(remote);
    if (!counted) ++stats.refused_per_address;
    std::uint64_t id;
    {
      std::lock_guard lock(sessions_mutex);
      id = next_session_id++;
    }
    auto executor = socket.get_executor();
    auto s = std::make_shared<session>(std::move(socket), *this, id, std::move(remote), counted);
    session_started(id, s);
    net::co_spawn(executor, [s]() { return s->run(); }, net::detached);
  }
}

void server::impl::begin_shutdown() {
  if (stopping.exchange(true)) return;
  spdlog::info("shutting down: no new connections, finishing in-flight responses (up to {} ms)",
               options.shutdown_grace.count());
  beast::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
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
  i.blocking.join();  // blocking calls still running finish; their results are dropped
  i.body_reads.join();
}

void server::stop() {
  net::post(impl_->ioc, [this] { impl_->begin_shutdown(); });
}

}  // namespace tonearm::http
