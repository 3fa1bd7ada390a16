// A connection's requests and responses (see session.hpp).
#include "session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <functional>
#include <vector>

#include "http_metrics.hpp"
#include "socket_writer.hpp"
#include "wire.hpp"

namespace tonearm::http {

namespace bhttp = boost::beast::http;

namespace {

// Header fields a request may have (Apache's LimitRequestFields default): a real
// client sends a dozen or two; thousands of tiny ones are an attack on the tables.
constexpr std::ptrdiff_t max_header_fields = 100;

// One streamed body being written: counted for admission (max_streams) and the gauge.
class stream_hold {
 public:
  explicit stream_hold(connection_stats& stats) : stats_(stats), gauge_(server_metrics().open_streams) {
    stats_.streams.fetch_add(1, std::memory_order_relaxed);
  }
  ~stream_hold() { stats_.streams.fetch_sub(1, std::memory_order_relaxed); }
  stream_hold(const stream_hold&) = delete;
  stream_hold& operator=(const stream_hold&) = delete;

 private:
  connection_stats& stats_;
  gauge_hold gauge_;
};

bool is_quiet(const beast::error_code& ec) {
  return ec == net::error::operation_aborted || ec == beast::error::timeout || ec == bhttp::error::end_of_stream ||
         ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

// Runs a handler (or a fast path), turning what it throws into an error response.
// The request's context is current meanwhile (the store reads its id and adds its
// database and Redis time).
template <class F>
auto guarded(const route& r, request& req, F&& fn) -> decltype(fn()) {
  core::request_scope scope(req.context);
  core::time_spent<&core::request_context::handler_seconds> timing;  // ends before the scope
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

session::session(tcp::socket socket, session_context context, std::uint64_t id, std::string remote, bool counted)
    : stream_(std::move(socket)), ctx_(context), id_(id), remote_(std::move(remote)), counted_(counted) {
  ++ctx_.stats.open;
  server_metrics().open_connections.Increment();
}

session::~session() {
  --ctx_.stats.open;
  server_metrics().open_connections.Decrement();
  ctx_.owner.session_ended(id_, counted_ ? &remote_ : nullptr);
}

void session::request_close() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    if (self->idle_) self->stream_.cancel();
  });
}

net::awaitable<response> session::dispatch(request& req) {
  auto m = ctx_.routes.match(req.method, req.path);
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
  req.route = m.route->pattern;
  // Text reaches handlers, PostgreSQL and logs only as UTF-8 without control bytes.
  if (auto problem = text_problem(req); !problem.empty()) co_return error_response(errc::bad_request, problem);
  const route* r = m.route;
  if (r->streams && req.method == "GET" && ctx_.options.max_streams > 0 &&
      ctx_.stats.streams.load(std::memory_order_relaxed) >= ctx_.options.max_streams) {
    // Full: a fast answer now beats every listener slowing down. Players retry.
    server_metrics().streams_refused.Increment();
    auto res = error_response(errc::overloaded, "this server streams to as many listeners as it can feed (" +
                                                    std::to_string(ctx_.options.max_streams) + "); retry shortly");
    res.headers.set("Retry-After", "5");
    co_return res;
  }
  if (r->execution == execution::inline_io) co_return call_handler(*r, req);
  if (r->fast)
    if (auto res = guarded(*r, req, [&] { return r->fast(req); })) co_return std::move(*res);
  const std::function<response()> call = [r, &req, queued = std::chrono::steady_clock::now()] {
    req.context.queue_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - queued).count();
    return call_handler(*r, req);
  };  // named: see send_pieces
  co_return co_await ctx_.executor.run_handler(call);
}

// Waits for the first byte of the next request under the idle timeout (the header
// timeout for a new connection). Returns false when the connection should end.
// While the server shuts down, an idle connection waits drain_idle for its peer to
// close it (or to send one last request, answered with "Connection: close").
net::awaitable<bool> session::wait_for_request(beast::flat_buffer& buffer, bool first) {
  if (buffer.size() > 0) co_return true;
  const auto drain = std::min(ctx_.options.drain_idle, ctx_.options.shutdown_grace);
  for (;;) {
    if (closing_ && (drained_ || drain.count() == 0)) co_return false;
    beast::error_code ec;
    idle_ = true;
    if (closing_) drained_ = true;  // this wait is the last one
    stream_.expires_after(closing_ ? drain : first ? ctx_.options.header_timeout : ctx_.options.idle_timeout);
    auto n = co_await stream_.async_read_some(buffer.prepare(4096), net::redirect_error(use_awaitable, ec));
    idle_ = false;
    // Cancelled by request_close() while idle: on to the drain wait.
    if (ec == net::error::operation_aborted && closing_ && !drained_) continue;
    if (ec) co_return false;
    buffer.commit(n);
    co_return true;
  }
}

net::awaitable<void> session::run() {
  beast::flat_buffer buffer;
  bool first = true;
  if (!counted_) {
    co_await send_error_and_close(errc::too_many_requests,
                                  "too many connections from your address (at most " +
                                      std::to_string(ctx_.options.max_connections_per_address) + ")");
    co_return;
  }
  try {
    while (co_await wait_for_request(buffer, first)) {
      first = false;
      auto started = std::chrono::steady_clock::now();
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(ctx_.options.max_header_bytes));
      parser.body_limit(ctx_.options.max_body_bytes);
      beast::error_code ec;
      stream_.expires_after(ctx_.options.header_timeout);
      co_await bhttp::async_read_header(stream_, buffer, parser, net::redirect_error(use_awaitable, ec));
      if (ec == bhttp::error::header_limit) {
        co_await send_error_and_close(errc::header_too_large, "request header fields too large");
        co_return;
      }
      if (ec == bhttp::error::body_limit) {  // Content-Length over the limit, seen in the head
        co_await send_error_and_close(errc::payload_too_large, "request body larger than " +
                                                                  std::to_string(ctx_.options.max_body_bytes) + " bytes");
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
          stream_.expires_after(ctx_.options.write_timeout);
          co_await bhttp::async_write(stream_, cont, use_awaitable);
        }
        stream_.expires_after(ctx_.options.header_timeout);
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
      req.remote = ctx_.options.proxies.client_address(remote_, req.headers.get("X-Forwarded-For"));
      req.request_id = wire::request_id_for(req.headers.get("X-Request-Id"));
      req.context.request_id = req.request_id;
      split_target(req);
      bool keep_alive = msg.keep_alive();

      response res = co_await dispatch(req);
      const auto ready = std::chrono::steady_clock::now();
      auto done = [&] {
        wire::log_access(req, res, started);
        log_if_slow(req, res, started, ready);
        server_metrics().request_done(req.route, req.method, res.status,
                                      std::chrono::duration<double>(ready - started).count(),
                                      res.stream ? res.stream->origin() : "handler", res.body_bytes_sent);
      };
      try {
        co_await send(res, req, keep_alive && !closing_);
      } catch (...) {
        // A client that hung up mid-body still gets its line, with the bytes it got.
        done();
        throw;
      }
      done();
      if (!keep_alive || closing_ || wire::wants_close(res)) break;
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  } catch (const boost::system::system_error& e) {
    if (e.code() == beast::error::timeout)  // a client that stopped reading: expected, one line at debug
      spdlog::debug("connection from {} dropped: it took no byte for {} ms", remote_, ctx_.options.write_timeout.count());
    else if (!is_quiet(e.code()))
      spdlog::warn("connection from {} ended: {}", remote_, e.code().message());
  } catch (const std::exception& e) {
    spdlog::error("connection from {} failed: {}", remote_, e.what());
  }
}

net::awaitable<void> session::send(response& res, const request& req, bool keep_alive) {
  bool head_only = req.method == "HEAD";
  std::string head = wire::serialize_head(res, req.request_id, keep_alive);
  // Every response leaves through the socket writer: its deadline is "no byte taken
  // for write_timeout", not "the response took longer than write_timeout".
  std::size_t head_sent = 0;
  socket_writer writer(stream_.socket(), ctx_.options.write_timeout);
  if (res.stream && !head_only && ctx_.options.sendfile) {
    if (auto f = res.stream->file()) {
      stream_hold streaming(ctx_.stats);
      co_await writer.write(head, head_sent, *f, res.body_bytes_sent);
      co_return;
    }
  }
  if (res.stream && !head_only) {
    stream_hold streaming(ctx_.stats);
    co_await send_pieces(head, *res.stream, res);
  } else {
    std::span<const char> body;  // HEAD: none (a streamed body never reaches here but for HEAD)
    if (!head_only) body = std::span<const char>(res.body.data(), res.body.size());
    co_await writer.write(head, head_sent, body, res.body_bytes_sent);
  }
}

// A body pulled piece by piece into this connection's buffer (at most
// stream_chunk_bytes): each piece is written before the next is read, the head leaving
// with the first piece. A source that may wait on the network (Redis) is read on the
// executor's body pool; local files and chunk memory are read here, from the page
// cache or RAM. A piece that is a region of a file on local disk (an S3 blob's cached
// chunk, a part of a multipart body) goes out with sendfile(2) instead, from no
// buffer of ours.
net::awaitable<void> session::send_pieces(const std::string& head, body_source& source, response& res) {
  // One buffer per connection, reused: a fresh large buffer per response costs page
  // faults on every request.
  const auto max = ctx_.options.stream_chunk_bytes;
  if (!buffer_) buffer_ = std::make_unique<char[]>(max);
  char* buf = buffer_.get();
  std::size_t head_sent = 0;
  socket_writer writer(stream_.socket(), ctx_.options.write_timeout);
  // A named function, not a temporary in the co_await: GCC 12 destroys such
  // temporaries twice (a double free once the lambda lives on the heap).
  const std::function<std::size_t()> read = [&] { return source.next(buf, max); };
  constexpr std::uint64_t region_max = 1 << 20;
  for (int pieces = 1;; ++pieces) {
    if (ctx_.options.sendfile) {
      if (auto region = source.next_region(region_max)) {
        co_await writer.write(head, head_sent, *region, res.body_bytes_sent);
        if (pieces % 8 == 0) co_await net::post(stream_.get_executor(), use_awaitable);
        continue;
      }
    }
    std::size_t n;
    if (source.blocking()) {
      n = co_await ctx_.executor.read_piece(read);
    } else {
      n = source.next(buf, max);
    }
    co_await writer.write(head, head_sent, std::span<const char>(buf, n), res.body_bytes_sent);
    if (n == 0) co_return;
    if (pieces % 8 == 0) co_await net::post(stream_.get_executor(), use_awaitable);  // others get a turn
  }
}

// The warning for a response that took longer than log_slow to be ready, with where
// the time went: waiting for a worker, the handler (of which PostgreSQL and Redis),
// and writing the body (the client's pace, reported, not counted against the bar).
void session::log_if_slow(const request& req, const response& res, std::chrono::steady_clock::time_point started,
                          std::chrono::steady_clock::time_point ready) const {
  if (ctx_.options.log_slow.count() <= 0) return;
  using ms = std::chrono::duration<double, std::milli>;
  const double ready_ms = ms(ready - started).count();
  if (ready_ms < static_cast<double>(ctx_.options.log_slow.count())) return;
  const auto& c = req.context;
  spdlog::warn("slow request request_id={} method={} route={} status={} ready_ms={:.1f} queue_ms={:.1f} handler_ms={:.1f} "
               "db_ms={:.1f} redis_ms={:.1f} write_ms={:.1f}",
               req.request_id, req.method, req.route.empty() ? "-" : req.route, res.status, ready_ms,
               c.queue_seconds * 1000, c.handler_seconds * 1000, c.db_seconds * 1000, c.redis_seconds * 1000,
               ms(std::chrono::steady_clock::now() - ready).count());
}

net::awaitable<void> session::send_error_and_close(errc code, std::string_view message) {
  request req;
  req.method = "-";
  req.request_id = wire::request_id_for({});
  req.remote = remote_;
  auto started = std::chrono::steady_clock::now();
  response res = error_response(code, message);
  try {
    co_await send(res, req, false);
  } catch (const boost::system::system_error&) {
    co_return;  // the client is gone; nothing to tell it
  }
  wire::log_access(req, res, started);
  server_metrics().request_done({}, req.method, res.status,
                                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                                "handler", res.body_bytes_sent);
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

}  // namespace tonearm::http
