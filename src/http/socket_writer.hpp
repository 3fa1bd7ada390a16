// Writes a response's head and body bytes to a socket with the system calls that copy
// least: sendfile(2) for a region of a local file (page cache to socket, no buffer of
// ours), sendmsg(2) with the head and a body piece in one call otherwise. The socket
// is non-blocking; when it is full the writer waits until it is writable. A reader
// that takes no byte at all for write_timeout is dropped with beast::error::timeout; one
// that reads slowly (a player at the pace of the music) never is, however long the
// socket stays full. A client that hangs up ends the write with EPIPE/ECONNRESET (a
// system_error).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "net.hpp"
#include "tonearm/http/response.hpp"

namespace tonearm::http {

class socket_writer {
 public:
  // Bytes to send after the head: a piece in memory or a region of an open file.
  using payload = std::variant<std::span<const char>, body_source::file_region>;

  socket_writer(tcp::socket& socket, std::chrono::milliseconds write_timeout)
      : socket_(socket), write_timeout_(write_timeout) {}

  // Writes what is left of `head` (from head_sent on), then all of `body`; counts the
  // body bytes written into body_sent as they leave, so a failed write still says how
  // far it got.
  net::awaitable<void> write(std::string_view head, std::size_t& head_sent, payload body, std::uint64_t& body_sent);

 private:
  net::awaitable<void> write_memory(std::string_view head, std::size_t& head_sent, std::span<const char> data,
                                    std::uint64_t& body_sent);
  net::awaitable<void> write_file(std::string_view head, std::size_t& head_sent, const body_source::file_region& f,
                                  std::uint64_t& body_sent);
  net::awaitable<void> wait_writable();

  tcp::socket& socket_;
  std::chrono::milliseconds write_timeout_;
};

}  // namespace tonearm::http
