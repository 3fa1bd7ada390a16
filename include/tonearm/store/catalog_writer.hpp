// All catalog SQL for writing: upserts used by ingest, author details, dictionary.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tonearm/catalog/types.hpp"
#include "tonearm/store/pg_pool.hpp"

namespace tonearm::store {

// A song as read from a tagged file.
struct song_upsert {
  std::string title;
  std::string artist;
  std::optional<std::string> album;
  std::optional<std::string> album_artist;  // owner of the album; artist when absent
  std::optional<std::string> genre;
  catalog::partial_date release;
  std::optional<int> track_number;
  int duration_ms = 0;
  std::optional<int> bitrate_kbps;
  std::string blob_key;
  std::int64_t byte_size = 0;
  std::string mime_type;
};

struct author_details {
  std::optional<std::string> country;        // ISO 3166-1 alpha-2
  std::optional<std::string> date_of_birth;  // ISO date
  std::optional<std::string> status;
};

class catalog_writer {
 public:
  explicit catalog_writer(pg_pool& db) : db_(db) {}

  enum class outcome { added, unchanged };
  // Upserts the author(s), the album and the song in one transaction. A song is
  // identified by its audio bytes (blob_key): the same bytes again change nothing.
  outcome upsert_song(const song_upsert& s);
  // Sets the details of the author named `name`; returns false when there is none.
  bool set_author_details(const std::string& name, const author_details& d);
  // Cover art (see catalog/cover_art.hpp): an image and its served sizes, all blobs.
  struct cover {
    std::string image_key, mime_type;
    int width = 0, height = 0;
    std::string small_key, medium_key, large_key;  // 64, 300, 640 px
  };
  bool has_cover(const std::string& image_key);
  void add_cover(const cover& c);  // once: adding it again changes nothing
  // The cover of the song with those audio bytes, and of its album when that has none.
  void set_song_cover(const std::string& song_blob_key, const std::string& image_key);
  // Rebuilds the typo-correction dictionary; returns the number of words.
  int refresh_search_words();

  // The songs' audio, in id order after `after_id`, at most `limit`: for
  // `tonearm blobs check` (keyset pages, so a big catalog is read in bounded steps).
  struct song_blob {
    std::int64_t id;
    std::string blob_key;
    std::int64_t byte_size;
  };
  std::vector<song_blob> song_blobs(std::int64_t after_id, int limit);

 private:
  pg_pool& db_;
};

}  // namespace tonearm::store
