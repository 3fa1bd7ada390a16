// Row -> entity mapping.
#include "catalog_rows.hpp"

#include <sstream>

namespace tonearm::store::rows {

catalog::partial_date date_from(const pqxx::field& date_text, int precision) {
  catalog::partial_date d;
  if (date_text.is_null() || precision <= 0) return d;
  auto parsed = catalog::partial_date::parse(date_text.as<std::string>());
  if (!parsed) return d;
  d.year = parsed->year;
  if (precision >= 2) d.month = parsed->month;
  if (precision >= 3) d.day = parsed->day;
  return d;
}

catalog::song song_from_row(const pqxx::row& r) {
  catalog::song s;
  s.id = r[0].as<std::int64_t>();
  s.title = r[1].as<std::string>();
  s.author = {r[2].as<std::int64_t>(), r[3].as<std::string>()};
  if (!r[4].is_null()) s.album = catalog::album_ref{r[4].as<std::int64_t>(), r[5].as<std::string>()};
  if (!r[6].is_null()) s.genre = r[6].as<std::string>();
  s.release = date_from(r[7], r[8].as<int>());
  if (!r[9].is_null()) s.track_number = r[9].as<int>();
  s.duration_ms = r[10].as<int>();
  s.play_count = r[11].as<std::int64_t>();
  s.mime_type = r[12].as<std::string>();
  s.byte_size = r[13].as<std::int64_t>();
  s.blob_key = r[14].as<std::string>();
  s.has_cover = r[15].as<bool>();
  if (!r[16].is_null()) s.bitrate_kbps = r[16].as<int>();
  auto number = [](const pqxx::field& f) { return f.is_null() ? std::nullopt : std::optional(f.as<double>()); };
  s.loudness_lufs = number(r[17]);
  s.true_peak_dbtp = number(r[18]);
  s.album_loudness_lufs = number(r[19]);
  s.album_true_peak_dbtp = number(r[20]);
  if (!r[21].is_null()) {
    // "format key size kbps ms,..." (song_columns)
    std::istringstream list(r[21].as<std::string>());
    for (std::string item; std::getline(list, item, ',');) {
      std::istringstream fields(item);
      media::rendition x;
      if (fields >> x.format >> x.blob_key >> x.byte_size >> x.bitrate_kbps >> x.duration_ms)
        s.renditions.push_back(std::move(x));
    }
  }
  s.media_pending = r[22].as<bool>();
  return s;
}

catalog::album album_from_row(const pqxx::row& r) {
  catalog::album a;
  a.id = r[0].as<std::int64_t>();
  a.title = r[1].as<std::string>();
  a.author = {r[2].as<std::int64_t>(), r[3].as<std::string>()};
  a.release = date_from(r[4], r[5].as<int>());
  a.has_cover = r[6].as<bool>();
  return a;
}

catalog::album album_with_tracks_from_row(const pqxx::row& r) {
  auto a = album_from_row(r);
  a.track_count = r[7].as<int>();
  return a;
}

catalog::author author_from_row(const pqxx::row& r) {
  catalog::author a;
  a.id = r[0].as<std::int64_t>();
  a.name = r[1].as<std::string>();
  if (!r[2].is_null()) a.country = r[2].as<std::string>();
  if (!r[3].is_null()) a.date_of_birth = r[3].as<std::string>();
  if (!r[4].is_null()) a.status = r[4].as<std::string>();
  a.play_count = r[5].as<std::int64_t>();
  a.followers = r[6].as<std::int64_t>();
  a.has_cover = r[7].as<bool>();
  return a;
}

}  // namespace tonearm::store::rows
