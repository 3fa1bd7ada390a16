// The raw-socket writer (see socket_writer.hpp).
#include "socket_writer.hpp"

#include <boost/beast/core/error.hpp>

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <memory>

namespace tonearm::http {

net::awaitable<void> socket_writer::write(std::string_view head, std::size_t& head_sent, payload body,
                                          std::uint64_t& body_sent) {
  if (!socket_.native_non_blocking()) socket_.native_non_blocking(true);
  if (auto* file = std::get_if<body_source::file_region>(&body))
    co_await write_file(head, head_sent, *file, body_sent);
  else
    co_await write_memory(head, head_sent, std::get<std::span<const char>>(body), body_sent);
}

// The head, then the file region with sendfile(2). MSG_MORE: the head leaves in the
// same packet as the start of the body. At most 1 MiB per call, and every fourth call
// other connections on this thread get a turn.
net::awaitable<void> socket_writer::write_file(std::string_view head, std::size_t& head_sent,
                                               const body_source::file_region& f, std::uint64_t& body_sent) {
  constexpr std::uint64_t max_per_call = 1 << 20;
  const int fd = socket_.native_handle();
  auto offset = static_cast<off_t>(f.offset);
  std::uint64_t left = f.length;
  int calls = 0;
  while (head_sent < head.size() || left > 0) {
    ssize_t n;
    if (head_sent < head.size()) {
      n = ::send(fd, head.data() + head_sent, head.size() - head_sent, MSG_NOSIGNAL | (left > 0 ? MSG_MORE : 0));
      if (n > 0) head_sent += static_cast<std::size_t>(n);
    } else {
      n = ::sendfile(fd, f.fd, &offset, static_cast<std::size_t>(std::min(left, max_per_call)));
      if (n == 0) throw std::runtime_error("audio shorter than recorded");
      if (n > 0) {
        left -= static_cast<std::uint64_t>(n);
        body_sent += static_cast<std::uint64_t>(n);
        if (left > 0 && ++calls % 4 == 0) co_await net::post(socket_.get_executor(), use_awaitable);
      }
    }
    if (n >= 0) continue;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      throw boost::system::system_error(errno, boost::system::system_category(), "sendfile");
    co_await wait_writable();
  }
}

// What is left of the head and data in one sendmsg(2) each time.
net::awaitable<void> socket_writer::write_memory(std::string_view head, std::size_t& head_sent,
                                                 std::span<const char> data, std::uint64_t& body_sent) {
  const int fd = socket_.native_handle();
  std::size_t sent = 0;
  while (head_sent < head.size() || sent < data.size()) {
    iovec iov[2];
    int count = 0;
    if (head_sent < head.size())
      iov[count++] = {const_cast<char*>(head.data()) + head_sent, head.size() - head_sent};
    if (sent < data.size()) iov[count++] = {const_cast<char*>(data.data()) + sent, data.size() - sent};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (w >= 0) {
      auto written = static_cast<std::size_t>(w);
      auto of_head = std::min(written, head.size() - head_sent);
      head_sent += of_head;
      sent += written - of_head;
      body_sent += written - of_head;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      throw boost::system::system_error(errno, boost::system::system_category(), "send");
    co_await wait_writable();
  }
}

// Waits until the socket takes bytes again, at most write_timeout. The timer runs on
// the socket's strand; it touches the socket only while this wait is pending (the
// session, which owns the socket, is alive then).
net::awaitable<void> socket_writer::wait_writable() {
  net::steady_timer timer(socket_.get_executor(), write_timeout_);
  // done: the wait is over. A timer that fired in the same tick as the wait completed
  // cannot be cancelled any more; it must then not cancel whatever comes next.
  struct state {
    bool expired = false, done = false;
  };
  auto st = std::make_shared<state>();
  timer.async_wait([socket = &socket_, st](const boost::system::error_code& ec) {
    if (ec || st->done) return;
    st->expired = true;
    boost::system::error_code ignored;
    socket->cancel(ignored);
  });
  boost::system::error_code ec;
  co_await socket_.async_wait(tcp::socket::wait_write, net::redirect_error(use_awaitable, ec));
  st->done = true;
  timer.cancel();
  if (st->expired) throw boost::system::system_error(beast::error::timeout);
  if (ec) throw boost::system::system_error(ec);
}

}  // namespace tonearm::http
