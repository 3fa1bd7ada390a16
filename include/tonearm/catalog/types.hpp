// Catalog entities as the domain sees them: plain data, no SQL, no JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tonearm/core/page.hpp"
#include "tonearm/media/renditions.hpp"

namespace tonearm::catalog {

// A date known to the year, the month or the day.
struct partial_date {
  int year = 0;   // 0: unknown
  int month = 0;  // 0: unknown
  int day = 0;    // 0: unknown
  bool known() const { return year != 0; }
  // ISO 8601 as precise as known: "1997", "1997-05", "1997-05-21"; "" when unknown.
  std::string iso() const;
  // Parses "1997", "1997-05", "1997-05-21" (also "1997-05-21T..."); nullopt otherwise.
  static std::optional<partial_date> parse(const std::string& text);
};

struct author_ref {
  std::int64_t id = 0;
  std::string name;
};

struct album_ref {
  std::int64_t id = 0;
  std::string title;
};

struct song {
  std::int64_t id = 0;
  std::string title;
  author_ref author;
  std::optional<album_ref> album;
  std::optional<std::string> genre;
  partial_date release;
  std::optional<int> track_number;
  int duration_ms = 0;
  std::int64_t play_count = 0;
  std::string mime_type;
  std::int64_t byte_size = 0;
  std::string blob_key;
  bool has_cover = false;  // its own picture or its album's (GET /v1/songs/{id}/cover)
  std::optional<int> bitrate_kbps;
  // EBU R128, measured at ingest or by the media job; nullopt until then.
  std::optional<double> loudness_lufs, true_peak_dbtp;
  std::optional<double> album_loudness_lufs, album_true_peak_dbtp;
  std::vector<media::rendition> renditions;  // by bitrate
  bool media_pending = false;                // queued for the media job
};

struct author {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::string> country;
  std::optional<std::string> date_of_birth;  // ISO date
  std::optional<std::string> status;
  std::int64_t play_count = 0;
  std::int64_t followers = 0;
  bool has_cover = false;  // an album of theirs has a cover (GET /v1/authors/{id}/cover)
};

struct album {
  std::int64_t id = 0;
  std::string title;
  author_ref author;
  partial_date release;
  int track_count = 0;
  bool has_cover = false;  // albums.cover_blob is set (GET /v1/albums/{id}/cover)
};

}  // namespace tonearm::catalog
