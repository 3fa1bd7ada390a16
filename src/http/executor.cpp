// The blocking executor (see executor.hpp).
#include "executor.hpp"

#include <algorithm>

#include "http_metrics.hpp"

namespace tonearm::http {

blocking_executor::blocking_executor(int handler_threads, int queue)
    : queue_(queue),
      handlers_(static_cast<std::size_t>(std::max(1, handler_threads))),
      body_reads_(static_cast<std::size_t>(std::max(2, handler_threads / 2))) {}

net::awaitable<response> blocking_executor::run_handler(const std::function<response()>& fn) {
  auto& m = server_metrics();
  if (in_flight_.fetch_add(1) >= queue_) {
    --in_flight_;
    m.tasks_refused.Increment();
    co_return error_response(errc::overloaded, "server is busy; retry shortly");
  }
  struct release {
    std::atomic<int>& n;
    ~release() { --n; }
  } in_flight{in_flight_};
  gauge_hold queued(m.tasks_in_flight);
  m.tasks_run.Increment();
  co_return co_await net::co_spawn(
      handlers_.get_executor(), [&fn]() -> net::awaitable<response> { co_return fn(); },
      use_awaitable);
}

net::awaitable<std::size_t> blocking_executor::read_piece(const std::function<std::size_t()>& fn) {
  co_return co_await net::co_spawn(
      body_reads_.get_executor(), [&fn]() -> net::awaitable<std::size_t> { co_return fn(); },
      use_awaitable);
}

void blocking_executor::join() {
  handlers_.join();
  body_reads_.join();
}

}  // namespace tonearm::http
