// The media job (`tonearm renditions`): takes songs off the media queue, measures the
// loudness of those that have none and encodes the renditions they lack, each a blob
// like the original. A failed song is noted and retried later; the original always
// plays meanwhile. Several runners (threads here, or processes on other machines)
// share the queue through leases.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tonearm/media/ffmpeg.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/media_repository.hpp"

namespace tonearm::catalog {

struct media_job_options {
  int workers = 1;                      // songs encoded at once (ffmpeg runs one per song)
  std::chrono::seconds lease{30 * 60};  // a song taken by a runner that died is due again after this
  media::ffmpeg_options ffmpeg;
};

struct media_job_progress {
  std::int64_t done = 0, failed = 0, total = 0;  // total: due when the run started, plus any added since
  std::int64_t song_id = 0;
  std::string event;  // "3 renditions", "failed: reason"
  double seconds = 0;
};

struct media_job_summary {
  int songs_done = 0;
  int songs_failed = 0;
  int renditions_made = 0;
  int loudness_measured = 0;
  std::uint64_t bytes_stored = 0;
  double seconds = 0;
  std::vector<std::pair<std::int64_t, std::string>> failures;  // song id, reason
};

// Runs until no song is due. Progress is reported from the worker threads, one call at
// a time. Lets store errors through (the database is gone: the run stops; its leased
// songs come back when the lease ends).
media_job_summary run_media_job(store::media_repository& media, store::blob_store& blobs,
                                const media_job_options& options,
                                const std::function<void(const media_job_progress&)>& on_progress);

}  // namespace tonearm::catalog
