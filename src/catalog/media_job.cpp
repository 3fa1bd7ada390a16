// The media job: claim, fetch, measure, encode, store, finish (or fail and wait).
#include "tonearm/catalog/media_job.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include "tag_reader.hpp"

namespace tonearm::catalog {

namespace fs = std::filesystem;

namespace {

// A directory of its own for one song's work, removed with everything in it.
class work_dir {
 public:
  work_dir() {
    static std::atomic<unsigned> n{0};
    path_ = fs::temp_directory_path() / ("tonearm-media-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::create_directories(path_);
  }
  ~work_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  work_dir(const work_dir&) = delete;
  work_dir& operator=(const work_dir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The blob's bytes as a local file ffmpeg can read (an S3 blob comes over the network).
fs::path fetch(const store::blob_store& blobs, const std::string& key, const fs::path& dir) {
  auto reader = blobs.open(key);
  if (!reader) throw std::runtime_error("the original " + key + " is not in the blob store");
  auto path = dir / "source";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<char> buf(1 << 20);
  std::uint64_t pos = 0, size = reader->size();
  while (pos < size) {
    auto got = reader->read(pos, buf.data(), buf.size());
    if (got == 0) throw std::runtime_error("the original " + key + " ended early");
    out.write(buf.data(), static_cast<std::streamsize>(got));
    pos += got;
  }
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
  return path;
}

struct song_result {
  int renditions = 0;
  bool measured = false;
  std::uint64_t bytes_stored = 0;
};

song_result work_on(const store::media_repository::job& job, store::media_repository& media,
                    store::blob_store& blobs, const media_job_options& o) {
  song_result result;
  std::vector<const media::format*> todo;
  for (const auto* f : media::formats_for(job.mime_type, job.bitrate_kbps))
    if (std::find(job.formats_done.begin(), job.formats_done.end(), f->name) == job.formats_done.end())
      todo.push_back(f);
  if (!job.needs_loudness && todo.empty()) return result;
  work_dir dir;
  auto source = fetch(blobs, job.blob_key, dir.path());
  if (job.needs_loudness) {
    auto measured = media::measure_loudness(source, o.ffmpeg);
    if (auto* why = std::get_if<std::string>(&measured)) throw std::runtime_error("loudness: " + *why);
    auto& l = std::get<media::loudness>(measured);
    media.set_loudness(job.song_id, l.integrated_lufs, l.true_peak_dbtp);
    result.measured = true;
  }
  if (todo.empty()) return result;
  auto encoded = media::encode(source, todo, dir.path(), o.ffmpeg);
  if (auto* why = std::get_if<std::string>(&encoded)) throw std::runtime_error("encode: " + *why);
  const auto& files = std::get<std::vector<fs::path>>(encoded);
  for (std::size_t i = 0; i < todo.size(); ++i) {
    // Read back like any audio file: a rendition TagLib cannot read is no rendition.
    auto tags = read_audio_tags(files[i]);
    if (auto* why = std::get_if<std::string>(&tags))
      throw std::runtime_error(std::string(todo[i]->name) + " is unreadable: " + *why);
    const auto& t = std::get<audio_tags>(tags);
    media::rendition r;
    r.format = std::string(todo[i]->name);
    std::uint64_t size = 0;
    r.blob_key = store::sha256_file(files[i], &size);
    r.byte_size = static_cast<std::int64_t>(size);
    r.duration_ms = t.duration_ms;
    r.bitrate_kbps = t.bitrate_kbps.value_or(todo[i]->bitrate_kbps);
    if (blobs.put_file(r.blob_key, files[i])) result.bytes_stored += size;
    media.add_rendition(job.song_id, r);
    ++result.renditions;
  }
  return result;
}

}  // namespace

media_job_summary run_media_job(store::media_repository& media, store::blob_store& blobs,
                                const media_job_options& o,
                                const std::function<void(const media_job_progress&)>& on_progress) {
  media_job_summary summary;
  std::mutex mutex;  // summary, progress, the first error
  media_job_progress progress;
  progress.total = media.state().due;
  std::exception_ptr stopped;
  auto started = std::chrono::steady_clock::now();
  auto worker = [&] {
    try {
      for (;;) {
        {
          std::lock_guard lock(mutex);
          if (stopped) return;
        }
        auto jobs = media.claim(1, o.lease);
        if (jobs.empty()) return;
        const auto& job = jobs.front();
        std::string event;
        song_result r;
        bool ok = true;
        try {
          r = work_on(job, media, blobs, o);
          media.finish(job.song_id);
          event = std::to_string(r.renditions) + " renditions" + (r.measured ? ", loudness" : "");
        } catch (const std::runtime_error& e) {
          // Blob, ffmpeg or SQL trouble with this song: noted, retried later. When the
          // database is gone, noting it fails too and ends the run.
          ok = false;
          event = std::string("failed: ") + e.what();
          spdlog::warn("media job: song {} (attempt {}) failed: {}", job.song_id, job.attempts + 1, e.what());
          media.fail(job.song_id, e.what());
        }
        std::lock_guard lock(mutex);
        if (ok) {
          ++summary.songs_done;
          summary.renditions_made += r.renditions;
          summary.loudness_measured += r.measured ? 1 : 0;
          summary.bytes_stored += r.bytes_stored;
          ++progress.done;
        } else {
          ++summary.songs_failed;
          summary.failures.emplace_back(job.song_id, event.substr(8));
          ++progress.failed;
        }
        progress.total = std::max(progress.total, progress.done + progress.failed);
        progress.song_id = job.song_id;
        progress.event = event;
        progress.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (on_progress) on_progress(progress);
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!stopped) stopped = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (int i = 1; i < std::max(1, o.workers); ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (stopped) std::rethrow_exception(stopped);
  return summary;
}

}  // namespace tonearm::catalog
