// Ingest: walk, tag, hash, store, upsert.
#include "tonearm/catalog/ingest.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include "tag_reader.hpp"
#include "tonearm/catalog/cover_art.hpp"

namespace tonearm::catalog {

namespace fs = std::filesystem;

namespace {

bool is_image_file(const fs::path& p) {
  auto ext = p.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".webp" || ext == ".gif";
}

std::vector<fs::path> collect(const std::vector<fs::path>& dirs, std::vector<fs::path>& sidecars) {
  std::vector<fs::path> files;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw std::runtime_error("not a directory: " + dir.string());
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (!it->is_regular_file(ec)) continue;
      if (it->path().filename() == "authors.json") sidecars.push_back(it->path());
      else if (!is_image_file(it->path())) files.push_back(it->path());  // images are covers, not skipped audio
    }
    if (ec) throw std::runtime_error("cannot read directory " + dir.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  std::sort(sidecars.begin(), sidecars.end());
  return files;
}

std::optional<std::string> text_field(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  if (!j[key].is_string()) throw std::runtime_error(std::string("'") + key + "' must be a string");
  return j[key].get<std::string>();
}

int apply_sidecar(const fs::path& path, store::catalog_writer& writer, ingest_summary& summary) {
  std::ifstream in(path);
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    summary.skipped_files.emplace_back(path.string(), "authors.json is not a JSON object");
    return 0;
  }
  int updated = 0;
  for (const auto& [name, details] : doc.items()) {
    try {
      if (!details.is_object()) throw std::runtime_error("details must be an object");
      store::author_details d;
      d.country = text_field(details, "country");
      if (d.country) {
        if (d.country->size() != 2) throw std::runtime_error("country must be a two-letter code");
        for (auto& c : *d.country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      d.date_of_birth = text_field(details, "date_of_birth");
      if (d.date_of_birth) {
        auto p = partial_date::parse(*d.date_of_birth);
        if (!p || p->day == 0) throw std::runtime_error("date_of_birth must be YYYY-MM-DD");
      }
      d.status = text_field(details, "status");
      if (writer.set_author_details(name, d)) ++updated;
    } catch (const std::runtime_error& e) {
      summary.skipped_files.emplace_back(path.string() + " [" + name + "]", e.what());
    }
  }
  return updated;
}

// Finds the file's picture (embedded, else its folder's image) and makes it the
// song's cover, storing the image and its sizes the first time it is seen. A picture
// that is not a usable image is noted and the song keeps no cover.
class cover_finder {
 public:
  cover_finder(store::blob_store& blobs, store::catalog_writer& writer, ingest_summary& summary)
      : blobs_(blobs), writer_(writer), summary_(summary) {}

  void attach(const fs::path& file, const std::string& song_key) {
    std::optional<picture> found = embedded_picture(file);
    if (!found) found = folder_picture(file.parent_path());
    if (!found) return;
    auto key = store_cover(*found, file);
    if (key) writer_.set_song_cover(song_key, *key);
  }

 private:
  std::optional<picture> folder_picture(const fs::path& dir) {
    auto [it, fresh] = folders_.try_emplace(dir);
    if (fresh) {
      if (auto image = folder_image(dir)) {
        std::ifstream in(*image, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        if (in.good() || in.eof()) it->second = picture{std::move(bytes), image->filename().string()};
      }
    }
    return it->second;
  }

  // The image's key once it is stored with its sizes; nullopt when it is not usable.
  std::optional<std::string> store_cover(const picture& p, const fs::path& file) {
    // Hashed in memory first: a picture seen before (every song of a folder, every
    // file of an album, a second ingest) is written nowhere again.
    auto image_key = store::sha256_hex(p.bytes);
    if (known_.count(image_key) || writer_.has_cover(image_key)) {
      known_.insert(image_key);
      return image_key;
    }
    if (auto bad = refused_.find(image_key); bad != refused_.end()) return std::nullopt;
    auto made = make_cover_renditions(p.bytes);
    if (auto* reason = std::get_if<std::string>(&made)) {
      refused_.insert(image_key);
      summary_.cover_problems.emplace_back(file.string(), "cover (" + p.source + "): " + *reason);
      return std::nullopt;
    }
    auto& r = std::get<cover_renditions>(made);
    put_bytes(p.bytes);
    store::catalog_writer::cover c;
    c.image_key = image_key;
    c.mime_type = r.mime_type;
    c.width = r.width;
    c.height = r.height;
    c.small_key = put_bytes(r.jpeg[0]);
    c.medium_key = put_bytes(r.jpeg[1]);
    c.large_key = put_bytes(r.jpeg[2]);
    writer_.add_cover(c);
    known_.insert(image_key);
    ++summary_.covers_added;
    return image_key;
  }

  // Stores `bytes` as a blob (through a temporary file: the store takes files) and
  // returns its key.
  std::string put_bytes(const std::string& bytes) {
    auto key = store::sha256_hex(bytes);
    if (blobs_.exists(key)) return key;
    auto tmp = fs::temp_directory_path() / ("tonearm-cover-" + std::to_string(::getpid()) + "-" + std::to_string(++n_));
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!out) throw std::runtime_error("cannot write " + tmp.string());
    }
    try {
      if (blobs_.put_file(key, tmp)) summary_.bytes_stored += bytes.size();
    } catch (...) {
      fs::remove(tmp);
      throw;
    }
    fs::remove(tmp);
    return key;
  }

  store::blob_store& blobs_;
  store::catalog_writer& writer_;
  ingest_summary& summary_;
  std::map<fs::path, std::optional<picture>> folders_;
  std::set<std::string> known_, refused_;
  unsigned n_ = 0;
};

// New songs: queued for the media job at once, and their loudness measured on worker
// threads while the walk goes on (decoding is the slow part of an ingest). A file whose
// loudness cannot be measured now is noted; the media job tries again.
class loudness_meter {
 public:
  loudness_meter(const ingest_media* media, ingest_summary& summary) : media_(media), summary_(summary) {
    if (!media_ || !media_->measure_loudness) return;
    for (int i = 0; i < std::max(1, media_->workers); ++i) threads_.emplace_back([this] { work(); });
  }
  ~loudness_meter() { finish(); }

  void added(const fs::path& file, const std::string& key) {
    if (!media_) return;
    auto id = media_->repository.queue(key);
    if (!id) return;
    std::lock_guard lock(mutex_);
    ++summary_.media_queued;
    if (threads_.empty()) return;
    todo_.emplace_back(*id, file);
    wake_.notify_one();
  }

  // Waits for every measurement; rethrows the first store error (database gone).
  void finish() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  void work() {
    for (;;) {
      std::pair<std::int64_t, fs::path> item;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return done_ || !todo_.empty(); });
        if (todo_.empty()) return;
        item = std::move(todo_.front());
        todo_.pop_front();
      }
      auto measured = media::measure_loudness(item.second, media_->ffmpeg);
      if (auto* why = std::get_if<std::string>(&measured)) {
        std::lock_guard lock(mutex_);
        summary_.loudness_problems.emplace_back(item.second.string(), *why);
        continue;
      }
      try {
        auto& l = std::get<media::loudness>(measured);
        media_->repository.set_loudness(item.first, l.integrated_lufs, l.true_peak_dbtp);  // not under the lock
        std::lock_guard lock(mutex_);
        ++summary_.loudness_measured;
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  const ingest_media* media_;
  ingest_summary& summary_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::int64_t, fs::path>> todo_;
  bool done_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace

ingest_summary ingest(const std::vector<fs::path>& dirs, store::blob_store& blobs, store::catalog_writer& writer,
                      const std::function<void(const ingest_progress&)>& on_progress, const ingest_media* media) {
  std::vector<fs::path> sidecars;
  auto files = collect(dirs, sidecars);
  ingest_summary summary;
  cover_finder covers(blobs, writer, summary);
  loudness_meter loudness(media, summary);
  ingest_progress progress;
  progress.total = files.size();
  auto started = std::chrono::steady_clock::now();
  for (const auto& file : files) {
    progress.last_path = file.string();
    auto tags_or_reason = read_audio_tags(file);
    if (auto* reason = std::get_if<std::string>(&tags_or_reason)) {
      ++summary.skipped;
      summary.skipped_files.emplace_back(file.string(), *reason);
      progress.event = "skipped: " + *reason;
    } else {
      auto& tags = std::get<audio_tags>(tags_or_reason);
      std::uint64_t size = 0;
      std::string key;
      try {
        key = store::sha256_file(file, &size);
      } catch (const std::runtime_error& e) {
        ++summary.skipped;
        summary.skipped_files.emplace_back(file.string(), e.what());
        progress.event = std::string("skipped: ") + e.what();
        ++progress.done;
        if (on_progress) on_progress(progress);
        continue;
      }
      progress.bytes_read += size;
      if (blobs.put_file(key, file)) summary.bytes_stored += size;
      store::song_upsert s;
      s.title = tags.title.empty() ? file.stem().string() : tags.title;
      s.artist = tags.artist.empty() ? "Unknown Artist" : tags.artist;
      s.album = tags.album;
      s.album_artist = tags.album_artist;
      s.genre = tags.genre;
      s.release = tags.release;
      s.track_number = tags.track_number;
      s.duration_ms = tags.duration_ms;
      s.bitrate_kbps = tags.bitrate_kbps;
      s.blob_key = key;
      s.byte_size = static_cast<std::int64_t>(size);
      s.mime_type = tags.mime_type;
      if (writer.upsert_song(s) == store::catalog_writer::outcome::added) {
        ++summary.added;
        progress.event = "added";
        loudness.added(file, key);
      } else {
        ++summary.unchanged;
        progress.event = "unchanged";
      }
      covers.attach(file, key);
    }
    ++progress.done;
    progress.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (on_progress) on_progress(progress);
  }
  loudness.finish();
  for (const auto& sidecar : sidecars) summary.authors_updated += apply_sidecar(sidecar, writer, summary);
  writer.refresh_search_words();
  return summary;
}

}  // namespace tonearm::catalog
