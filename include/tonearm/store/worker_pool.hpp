// A fixed set of threads with a bounded queue for blocking work (libpqxx, hiredis).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tonearm::store {

class worker_pool {
 public:
  // Starts `threads` workers; at most `queue_limit` tasks wait at once.
  worker_pool(std::size_t threads, std::size_t queue_limit);
  ~worker_pool();  // runs what is queued, then joins
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  // Queues `task`. Returns false, and does not run it, when the queue is full or the
  // pool is stopping: the caller answers "overloaded" instead of piling up work.
  bool try_submit(std::function<void()> task);
  // Stops taking tasks, finishes the queued ones and joins the threads.
  void stop();
  std::size_t queued() const;

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::size_t queue_limit_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tonearm::store
