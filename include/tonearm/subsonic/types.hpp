// What the Subsonic API shows of the catalog, as one user sees it (their stars and
// ratings with each item): plain data, no SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tonearm::subsonic {

struct song_row {
  std::int64_t id = 0;
  std::string title;
  std::int64_t artist_id = 0;
  std::string artist;
  std::optional<std::int64_t> album_id;
  std::optional<std::string> album;
  std::optional<std::string> genre;
  int year = 0;  // 0: unknown
  std::optional<int> track;
  int duration_ms = 0;
  std::optional<int> bitrate_kbps;
  std::int64_t size = 0;
  std::string mime_type;
  std::int64_t play_count = 0;
  std::string created;                 // ISO 8601
  std::optional<std::string> starred;  // when the user starred it (ISO 8601)
  int rating = 0;                      // the user's, 0 when none
  bool cover = false;                  // it (or its album) has cover art
};

struct album_row {
  std::int64_t id = 0;
  std::string name;
  std::int64_t artist_id = 0;
  std::string artist;
  int year = 0;
  std::optional<std::string> genre;
  int song_count = 0;
  std::int64_t duration_ms = 0;
  std::int64_t play_count = 0;
  std::string created;
  std::optional<std::string> starred;
  int rating = 0;
  bool cover = false;
};

struct artist_row {
  std::int64_t id = 0;
  std::string name;
  int album_count = 0;
  std::optional<std::string> starred;
  int rating = 0;
  bool cover = false;  // one of their albums has cover art
};

struct genre_row {
  std::string name;
  int songs = 0;
  int albums = 0;
};

// The queue that follows a user from device to device.
struct play_queue {
  std::vector<std::int64_t> song_ids;
  std::optional<std::int64_t> current;  // the song playing
  std::int64_t position_ms = 0;         // where in it
  std::string changed;                  // ISO 8601, set by the database
  std::string changed_by;               // the client that saved it ("web", a Subsonic c=)
};

// getAlbumList2's types.
enum class album_order { random, newest, highest, frequent, recent, starred, by_name, by_artist, by_year, by_genre };

struct album_query {
  album_order order = album_order::newest;
  int size = 10;
  int offset = 0;
  int from_year = 0, to_year = 0;  // by_year: newest first when from_year > to_year
  std::string genre;               // by_genre
};

}  // namespace tonearm::subsonic
