// `tonearm ingest DIR...`: tagged audio files -> blob store + catalog rows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tonearm/media/ffmpeg.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/catalog_writer.hpp"
#include "tonearm/store/media_repository.hpp"

namespace tonearm::catalog {

struct ingest_summary {
  int added = 0;
  int unchanged = 0;
  int skipped = 0;
  std::uint64_t bytes_stored = 0;  // new blob bytes written
  std::vector<std::pair<std::string, std::string>> skipped_files;  // path, reason
  int authors_updated = 0;         // from authors.json sidecars
  int covers_added = 0;            // distinct cover images stored
  // Pictures that could not be used (the song is ingested without): path, reason.
  std::vector<std::pair<std::string, std::string>> cover_problems;
  int loudness_measured = 0;  // new songs measured (EBU R128)
  int media_queued = 0;       // new songs queued for renditions
  // Loudness that could not be measured now (the media job tries again): path, reason.
  std::vector<std::pair<std::string, std::string>> loudness_problems;
};

// Media at ingest: each new song is queued for the media job (`tonearm renditions`:
// renditions, and loudness when not measured here) and, with `measure_loudness`, its
// loudness is measured with ffmpeg now, on `workers` threads beside the walk.
struct ingest_media {
  store::media_repository& repository;
  media::ffmpeg_options ffmpeg;
  bool measure_loudness = true;
  int workers = 2;
};

struct ingest_progress {
  std::size_t done = 0, total = 0;
  std::uint64_t bytes_read = 0;
  double seconds = 0;
  std::string last_path;
  std::string event;  // "added", "unchanged", "skipped: reason"
};

// Walks `dirs` recursively (sorted, so runs are reproducible), reads every regular
// file's tags, stores the bytes under their SHA-256 and upserts the rows. A file that
// is not readable audio is skipped and reported; the run goes on. A file named
// authors.json is a sidecar: {"Björk": {"country":"IS","date_of_birth":"1965-11-21",
// "status":"active"}} sets those authors' details after the songs are in.
// Throws std::runtime_error when a directory is missing, and lets store errors
// (database unreachable) through: those stop the run.
// With `media`, new songs are measured and queued (see ingest_media).
ingest_summary ingest(const std::vector<std::filesystem::path>& dirs, store::blob_store& blobs,
                      store::catalog_writer& writer, const std::function<void(const ingest_progress&)>& on_progress,
                      const ingest_media* media = nullptr);

}  // namespace tonearm::catalog
