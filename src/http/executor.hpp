// Where blocking work runs, off the I/O threads: handlers that wait on PostgreSQL or
// Redis (a bounded queue, refused with 503 "overloaded" past it), and body pieces that
// wait on the network (hot songs from Redis), on pools of their own.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>

#include "net.hpp"
#include "tonearm/http/response.hpp"

namespace tonearm::http {

class blocking_executor {
 public:
  // `handler_threads` run blocking handlers, at most `queue` of them in flight.
  blocking_executor(int handler_threads, int queue);

  // Runs `fn` on the handler pool and resumes the caller on its own executor (strand)
  // with the result; more than `queue` calls in flight are refused at once. `fn` must
  // outlive the call: pass a named object, never a temporary in the co_await
  // expression (GCC 12 destroys those twice).
  net::awaitable<response> run_handler(const std::function<response()>& fn);
  // Reads a body piece on the body pool: a slow Redis holds up streams (until its
  // breaker opens), never handler work.
  net::awaitable<std::size_t> read_piece(const std::function<std::size_t()>& fn);
  // Blocking calls still running finish; their results are dropped.
  void join();

  int in_flight() const { return in_flight_.load(); }

 private:
  const int queue_;
  net::thread_pool handlers_;
  net::thread_pool body_reads_;
  std::atomic<int> in_flight_{0};
};

}  // namespace tonearm::http
