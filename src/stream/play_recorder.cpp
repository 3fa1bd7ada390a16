// Play starts queued on the request path, sent to Redis in batches by one thread.
#include "tonearm/stream/play_recorder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "tonearm/metrics/metrics.hpp"

namespace tonearm::stream {

namespace {
struct recorder_metrics {
  prometheus::Counter& queued =
      metrics::counter("tonearm_plays_queued_total", "Play starts queued for Redis.").Add({});
  prometheus::Counter& dropped = metrics::counter("tonearm_plays_dropped_total",
                                                  "Play starts not counted because the queue was full.")
                                     .Add({});
  prometheus::Gauge& depth = metrics::gauge("tonearm_plays_queue_depth", "Play starts waiting to be sent.").Add({});
};
recorder_metrics& stats() {
  static recorder_metrics m;
  return m;
}
// Registered at start, so every family is exposed before its first event.
[[maybe_unused]] const auto& registered = stats();
}  // namespace


namespace {
constexpr std::size_t batch_size = 256;
}

play_recorder::play_recorder(const play_counter& counter, hot_cache& hot, const song_directory* directory,
                             std::size_t max_queued)
    : counter_(counter), hot_(hot), directory_(directory), max_queued_(max_queued), worker_([this](std::stop_token s) { run(s); }) {}

play_recorder::~play_recorder() { stop(); }

bool play_recorder::enqueue(std::int64_t song, std::string client, const audio_ref& audio, std::string served_key) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return false;
    if (queue_.size() >= max_queued_) {
      ++dropped_;
      stats().dropped.Increment();
      auto now = std::chrono::steady_clock::now();
      if (now - last_drop_warning_ > std::chrono::seconds(10)) {
        last_drop_warning_ = now;
        spdlog::warn("play queue full ({} plays): play counts are being dropped ({} so far); is Redis slow?",
                     max_queued_, dropped_);
      }
      return false;
    }
    if (served_key.empty()) served_key = audio.blob_key;
    // The original's key and type are all the song directory keeps.
    queue_.push_back(item{song, std::move(client), audio_ref{audio.blob_key, audio.mime_type}, std::move(served_key)});
    ++queued_total_;
    stats().queued.Increment();
    stats().depth.Increment();
  }
  wake_.notify_one();
  return true;
}

bool play_recorder::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  auto target = queued_total_;
  return progress_.wait_for(lock, timeout, [&] { return sent_total_ >= target || stopped_; });
}

void play_recorder::stop() {
  if (!worker_.joinable()) return;
  worker_.request_stop();
  wake_.notify_all();
  worker_.join();
}

std::uint64_t play_recorder::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void play_recorder::run(std::stop_token stop) {
  std::vector<item> batch;
  std::vector<play_counter::play> plays;
  std::vector<std::string> counted_keys;
  std::vector<std::pair<std::int64_t, audio_ref>> located;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, stop, [&] { return !queue_.empty(); });
      if (queue_.empty()) {  // stop requested and nothing left to send
        stopped_ = true;
        progress_.notify_all();
        return;
      }
      while (!queue_.empty() && batch.size() < batch_size) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
        stats().depth.Decrement();
      }
    }
    plays.clear();
    for (const auto& i : batch) plays.push_back({i.song, i.client});
    try {
      auto counted = counter_.record_many(plays, std::chrono::system_clock::now());
      counted_keys.clear();
      located.clear();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!counted[i]) continue;
        counted_keys.push_back(batch[i].served_key);
        if (std::none_of(located.begin(), located.end(), [&](const auto& l) { return l.first == batch[i].song; }))
          located.emplace_back(batch[i].song, batch[i].audio);
      }
      hot_.played_many(counted_keys);
      if (directory_) directory_->remember_many(located);
    } catch (const std::exception& e) {
      spdlog::warn("recording {} plays failed: {}", batch.size(), e.what());
    }
    {
      std::lock_guard lock(mutex_);
      sent_total_ += batch.size();
    }
    progress_.notify_all();
  }
}

}  // namespace tonearm::stream
