// Row -> entity mapping shared by the catalog SQL files (private to store/).
#pragma once

#include <pqxx/pqxx>

#include <type_traits>
#include <utility>
#include <vector>

#include "follower_counts.hpp"
#include "tonearm/catalog/types.hpp"

namespace tonearm::store::rows {

// The columns song_from_row() reads, in order; FROM songs s JOIN authors a LEFT JOIN albums al.
inline constexpr const char* song_columns =
    "s.id, s.title, s.author_id, a.name, s.album_id, al.title, s.genre, s.release_date::text, "
    "s.release_precision, s.track_number, s.duration_ms, s.play_count, s.mime_type, s.byte_size, s.blob_key, "
    "COALESCE(s.cover_key, al.cover_blob) IS NOT NULL, s.bitrate_kbps, s.loudness_lufs, s.true_peak_dbtp, "
    "al.loudness_lufs, al.true_peak_dbtp, "
    "(SELECT string_agg(r.format || ' ' || r.blob_key || ' ' || r.byte_size || ' ' || r.bitrate_kbps || ' ' ||"
    " r.duration_ms, ',' ORDER BY r.bitrate_kbps, r.format) FROM renditions r WHERE r.song_id = s.id), "
    "EXISTS (SELECT 1 FROM media_jobs j WHERE j.song_id = s.id)";
inline constexpr const char* song_from =
    " FROM songs s JOIN authors a ON a.id = s.author_id LEFT JOIN albums al ON al.id = s.album_id ";

catalog::partial_date date_from(const pqxx::field& date_text, int precision);
catalog::song song_from_row(const pqxx::row& r);

inline constexpr const char* album_columns =
    "al.id, al.title, al.author_id, a.name, al.release_date::text, al.release_precision, al.cover_blob IS NOT NULL";
catalog::album album_from_row(const pqxx::row& r);  // track_count left 0
// album_columns, then the track count as column 7.
catalog::album album_with_tracks_from_row(const pqxx::row& r);

// The followers: a sum over the author's counter shards. Whether the author has a
// cover (catalog_repository::cover_of, 'a'): an index probe of albums (author_id, title).
inline const std::string author_columns =
    "a.id, a.name, a.country, a.date_of_birth::text, a.status, a.play_count, " + followers_of('a', "a.id") +
    ", EXISTS (SELECT 1 FROM albums ca WHERE ca.author_id = a.id AND ca.cover_blob IS NOT NULL)";
catalog::author author_from_row(const pqxx::row& r);

// Every row of `r` through `from_row`, in order.
template <class F>
auto all(const pqxx::result& r, F from_row) {
  std::vector<std::decay_t<decltype(from_row(std::declval<const pqxx::row&>()))>> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(from_row(row));
  return out;
}

}  // namespace tonearm::store::rows
