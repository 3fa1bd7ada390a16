// One connection: reads requests one at a time (so pipelined requests are answered in
// order), dispatches them through the router (blocking handlers on the executor),
// writes responses with the socket_writer, and enforces the limits and timeouts of
// server_options.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>

#include "executor.hpp"
#include "net.hpp"
#include "tonearm/http/router.hpp"
#include "tonearm/http/server.hpp"

namespace tonearm::http {

// What a session is told when it ends (the listener's bookkeeping).
class session_owner {
 public:
  // `counted_address`: the address whose slot the session held, or null.
  virtual void session_ended(std::uint64_t id, const std::string* counted_address) = 0;

 protected:
  ~session_owner() = default;
};

// What every session of a server shares.
struct session_context {
  const server_options& options;
  const router& routes;
  blocking_executor& executor;
  connection_stats& stats;
  session_owner& owner;
};

class session : public std::enable_shared_from_this<session> {
 public:
  // `counted`: the connection holds one of its address's slots (released at the end);
  // a connection that got none is answered 429 and closed.
  session(tcp::socket socket, session_context context, std::uint64_t id, std::string remote, bool counted);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Serves the connection until it ends.
  net::awaitable<void> run();
  // Asks the session to finish: an idle connection closes now, a busy one after its
  // current response. Safe from any thread.
  void request_close();

 private:
  net::awaitable<bool> wait_for_request(beast::flat_buffer& buffer, bool first);
  net::awaitable<response> dispatch(request& req);
  net::awaitable<void> send(response& res, const request& req, bool keep_alive);
  net::awaitable<void> send_pieces(const std::string& head, body_source& source, response& res);
  net::awaitable<void> send_error_and_close(errc code, std::string_view message);
  void log_if_slow(const request& req, const response& res, std::chrono::steady_clock::time_point started,
                   std::chrono::steady_clock::time_point ready) const;
  net::awaitable<void> linger_close();

  beast::tcp_stream stream_;
  session_context ctx_;
  std::uint64_t id_;
  std::string remote_;
  bool counted_ = true;
  bool idle_ = false;
  bool closing_ = false;
  bool drained_ = false;  // the shutdown's drain wait for the next request is done
  std::unique_ptr<char[]> buffer_;  // streamed bodies, stream_chunk_bytes
};

}  // namespace tonearm::http
