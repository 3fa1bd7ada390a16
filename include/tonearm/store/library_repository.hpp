// All SQL of the Subsonic API's view of the catalog: songs, albums and artists with
// the caller's stars and ratings, the browsing lists, stars, ratings, the albums a
// user listened to, and the play queue.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tonearm/store/pg_pool.hpp"
#include "tonearm/subsonic/types.hpp"

namespace tonearm::store {

class library_repository {
 public:
  explicit library_repository(pg_pool& db) : db_(db) {}

  // Songs by ids, in the order given; unknown ids are left out.
  std::vector<subsonic::song_row> songs(std::int64_t user, const std::vector<std::int64_t>& ids) const;
  // In disc order: track number, then id.
  std::vector<subsonic::song_row> album_songs(std::int64_t user, std::int64_t album) const;
  std::optional<subsonic::album_row> album(std::int64_t user, std::int64_t id) const;
  std::optional<subsonic::artist_row> artist(std::int64_t user, std::int64_t id) const;
  // Every artist, by name (getArtists, getIndexes).
  std::vector<subsonic::artist_row> artists(std::int64_t user) const;
  // When the newest artist came (Unix ms; getIndexes' lastModified), 0 with none.
  std::int64_t artists_changed_ms() const;
  // The length of each playlist (ms), in the order given.
  std::vector<std::int64_t> playlist_durations(const std::vector<std::int64_t>& ids) const;
  // Newest first.
  std::vector<subsonic::album_row> artist_albums(std::int64_t user, std::int64_t artist) const;
  // An artist's songs that are on no album (getMusicDirectory lists them with the albums).
  std::vector<subsonic::song_row> artist_loose_songs(std::int64_t user, std::int64_t artist) const;
  std::vector<subsonic::album_row> album_list(std::int64_t user, const subsonic::album_query& q) const;
  // By song count, most first.
  std::vector<subsonic::genre_row> genres() const;
  std::vector<subsonic::song_row> songs_by_genre(std::int64_t user, const std::string& genre, int count,
                                                 int offset) const;
  std::vector<subsonic::song_row> random_songs(std::int64_t user, int size, const std::optional<std::string>& genre,
                                               std::optional<int> from_year, std::optional<int> to_year) const;
  // The most played songs of the artist of that name (case-insensitive).
  std::vector<subsonic::song_row> top_songs(std::int64_t user, const std::string& artist, int count) const;
  // The user's stars, newest first.
  std::vector<subsonic::song_row> starred_songs(std::int64_t user) const;
  std::vector<subsonic::album_row> starred_albums(std::int64_t user) const;
  std::vector<subsonic::artist_row> starred_artists(std::int64_t user) const;
  // Everything in id order, a page at a time (search3 with an empty query: how
  // clients copy a whole library).
  std::vector<subsonic::artist_row> artists_page(std::int64_t user, int count, int offset) const;
  std::vector<subsonic::album_row> albums_page(std::int64_t user, int count, int offset) const;
  std::vector<subsonic::song_row> songs_page(std::int64_t user, int count, int offset) const;
  std::vector<subsonic::artist_row> artists_by_ids(std::int64_t user, const std::vector<std::int64_t>& ids) const;
  std::vector<subsonic::album_row> albums_by_ids(std::int64_t user, const std::vector<std::int64_t>& ids) const;

  // Star (on) or unstar songs (the liked songs of /v1/me/library), albums and artists
  // in one transaction. Unknown ids are left out: false when any was unknown (nothing
  // is changed then).
  bool set_stars(std::int64_t user, const std::vector<std::int64_t>& songs, const std::vector<std::int64_t>& albums,
                 const std::vector<std::int64_t>& artists, bool on) const;
  // kind: 's' song, 'l' album, 'a' artist; rating 0 removes it. False when there is
  // no such item.
  bool set_rating(std::int64_t user, char kind, std::int64_t id, int rating) const;
  // The album of a song the user played, for getAlbumList2?type=recent.
  void record_listen(std::int64_t user, std::int64_t song) const;

  std::optional<subsonic::play_queue> play_queue(std::int64_t user) const;
  // Unknown song ids are left out of the stored queue.
  subsonic::play_queue save_play_queue(std::int64_t user, const subsonic::play_queue& q) const;

 private:
  pg_pool& db_;
};

}  // namespace tonearm::store
