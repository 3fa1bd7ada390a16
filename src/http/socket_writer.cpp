// The raw-socket writer (see socket_writer.hpp).
#include "socket_writer.hpp"

#include <boost/beast/core/error.hpp>

#include <linux/sockios.h>
#include <sys/ioctl.h>
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

namespace {
// Bytes the kernel holds for the peer: sent but not acknowledged, and not yet sent
// (SIOCOUTQ). While the writer waits it only shrinks, and it shrinks exactly when the
// peer takes bytes; -1 when it cannot be read.
int bytes_queued(int fd) {
  int n = 0;
  return ::ioctl(fd, SIOCOUTQ, &n) == 0 ? n : -1;
}

// The watch over one wait for writability (see wait_writable). The timer and the
// socket are touched only while the wait is pending (done false): the session, which
// owns the socket, and the coroutine frame, which owns the timer, are alive then.
struct write_watch {
  tcp::socket* socket;
  net::steady_timer* timer;
  std::chrono::milliseconds timeout, interval;
  int queued;
  std::chrono::steady_clock::time_point progress_at;
  bool expired = false, done = false;

  static void arm(const std::shared_ptr<write_watch>& w) {
    w->timer->expires_after(w->interval);
    w->timer->async_wait([w](const boost::system::error_code& ec) {
      // A timer that fired in the same tick as the wait completed cannot be cancelled
      // any more; it must then not cancel whatever comes next.
      if (ec || w->done) return;
      auto now = std::chrono::steady_clock::now();
      int queued = bytes_queued(w->socket->native_handle());
      if (queued >= 0 && queued < w->queued) {
        w->queued = queued;
        w->progress_at = now;
      }
      if (now - w->progress_at < w->timeout) return arm(w);
      w->expired = true;
      boost::system::error_code ignored;
      w->socket->cancel(ignored);
    });
  }
};
}  // namespace

// Waits until the socket takes bytes again. A listener that reads at the pace of the
// music keeps the socket full for long stretches: Linux reports it writable only once
// a good part of the send buffer is free (a third of it, or what TCP_NOTSENT_LOWAT
// asks), which at 40 000 B/s from a buffer autotuned to megabytes takes tens of
// seconds. So the deadline is "no byte taken for write_timeout", never "not writable
// for write_timeout": every interval the bytes the kernel still holds for the peer are
// counted, and any drop is progress. A peer that reads nothing at all is dropped with
// beast::error::timeout after write_timeout (plus at most a quarter of it).
net::awaitable<void> socket_writer::wait_writable() {
  net::steady_timer timer(socket_.get_executor());
  auto interval = std::clamp(write_timeout_ / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(5000));
  auto watch = std::make_shared<write_watch>(write_watch{&socket_, &timer, write_timeout_, interval,
                                                         bytes_queued(socket_.native_handle()),
                                                         std::chrono::steady_clock::now()});
  write_watch::arm(watch);
  boost::system::error_code ec;
  co_await socket_.async_wait(tcp::socket::wait_write, net::redirect_error(use_awaitable, ec));
  watch->done = true;
  timer.cancel();
  if (watch->expired) throw boost::system::system_error(beast::error::timeout);
  if (ec) throw boost::system::system_error(ec);
}

}  // namespace tonearm::http
