// Records play starts off the request path. A stream answers at once (on the I/O
// thread when everything it needs is in memory); its play goes into a bounded queue
// that a background thread sends to Redis in batches (one round trip for up to 256
// plays), telling the hot cache which songs crossed the threshold and the song directory
// where their audio is. A full queue (Redis slow) drops counts, never delays playback.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "tonearm/stream/hot_cache.hpp"
#include "tonearm/stream/play_counter.hpp"
#include "tonearm/stream/song_directory.hpp"

namespace tonearm::stream {

class play_recorder {
 public:
  // `directory` may be null (no song directory).
  play_recorder(const play_counter& counter, hot_cache& hot, const song_directory* directory = nullptr,
                std::size_t max_queued = 65536);
  ~play_recorder();
  play_recorder(const play_recorder&) = delete;
  play_recorder& operator=(const play_recorder&) = delete;

  // Queues one play start; false (not counted) when the queue is full or stopped.
  // `audio` is the song's original (for the song directory); `served_key` the blob
  // that was served (a rendition, or the original when empty), which the hot cache
  // counts.
  bool enqueue(std::int64_t song, std::string client, const audio_ref& audio, std::string served_key = {});
  // Waits until every play queued before the call has been sent to Redis, at most
  // `timeout`; false on timeout. Charts call it so a listener sees their own plays.
  bool drain(std::chrono::milliseconds timeout);
  // Sends what is queued, then stops the thread (at shutdown, before the last flush).
  void stop();
  // Plays dropped because the queue was full.
  std::uint64_t dropped() const;

 private:
  struct item {
    std::int64_t song;
    std::string client;
    audio_ref audio;
    std::string served_key;
  };
  void run(std::stop_token stop);

  const play_counter& counter_;
  hot_cache& hot_;
  const song_directory* directory_;
  const std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;     // the worker: new plays
  std::condition_variable_any progress_;  // drain(): a batch was sent
  std::deque<item> queue_;
  std::uint64_t queued_total_ = 0;  // plays ever queued
  std::uint64_t sent_total_ = 0;    // of those, sent (counted or not)
  std::uint64_t dropped_ = 0;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point last_drop_warning_{};
  std::jthread worker_;
};

}  // namespace tonearm::stream
