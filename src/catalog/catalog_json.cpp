// Catalog entity JSON.
#include "tonearm/catalog/catalog_json.hpp"

#include <cmath>

namespace tonearm::catalog {

using namespace std::string_literals;

namespace {
nlohmann::json date_json(const partial_date& d) { return d.known() ? nlohmann::json(d.iso()) : nlohmann::json(nullptr); }
template <class T>
nlohmann::json opt_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// The renditions with what a client needs to pick one (the stream's `format`).
nlohmann::json renditions_json(const song& s) {
  auto out = nlohmann::json::array();
  for (const auto& r : s.renditions) {
    const auto* f = media::find_format(r.format);
    if (!f) continue;
    out.push_back({{"format", r.format},
                   {"codec", f->codec},
                   {"mime_type", f->mime_type},
                   {"bitrate_kbps", r.bitrate_kbps},
                   {"byte_size", r.byte_size},
                   {"duration_ms", r.duration_ms},
                   {"stream_url", "/v1/songs/" + std::to_string(s.id) + "/stream?format=" + r.format}});
  }
  return out;
}

// A measurement rounded to a tenth, as ffmpeg reports it.
nlohmann::json tenth(const std::optional<double>& v) {
  return v ? nlohmann::json(std::round(*v * 10.0) / 10.0) : nlohmann::json(nullptr);
}

// "/v1/{collection}/{id}/cover" when there is a cover to serve there, else null.
nlohmann::json cover_url(const char* collection, std::int64_t id, bool has_cover) {
  if (!has_cover) return nullptr;
  return "/v1/"s + collection + "/" + std::to_string(id) + "/cover";
}

}  // namespace

nlohmann::json song_json(const song& s) {
  return {{"id", s.id},
          {"title", s.title},
          {"author", {{"id", s.author.id}, {"name", s.author.name}}},
          {"album", s.album ? nlohmann::json{{"id", s.album->id}, {"title", s.album->title}} : nlohmann::json(nullptr)},
          {"genre", opt_json(s.genre)},
          {"release_date", date_json(s.release)},
          {"duration_ms", s.duration_ms},
          {"track_number", opt_json(s.track_number)},
          {"play_count", s.play_count},
          {"stream_url", "/v1/songs/" + std::to_string(s.id) + "/stream"},
          {"cover_url", cover_url("songs", s.id, s.has_cover)},
          {"mime_type", s.mime_type},
          {"bitrate_kbps", opt_json(s.bitrate_kbps)},
          {"renditions", renditions_json(s)},
          {"renditions_pending", s.media_pending},
          {"loudness_lufs", tenth(s.loudness_lufs)},
          {"true_peak_dbtp", tenth(s.true_peak_dbtp)},
          {"gain_db", s.loudness_lufs ? nlohmann::json(media::gain_db(s.loudness_lufs, s.true_peak_dbtp))
                                      : nlohmann::json(nullptr)},
          {"album_gain_db", s.album_loudness_lufs
                                ? nlohmann::json(media::gain_db(s.album_loudness_lufs, s.album_true_peak_dbtp))
                                : nlohmann::json(nullptr)}};
}

nlohmann::json author_json(const author& a) {
  return {{"id", a.id},
          {"name", a.name},
          {"country", opt_json(a.country)},
          {"date_of_birth", opt_json(a.date_of_birth)},
          {"status", opt_json(a.status)},
          {"play_count", a.play_count},
          {"followers", {{"total", a.followers}}},
          {"cover_url", cover_url("authors", a.id, a.has_cover)}};
}

nlohmann::json album_json(const album& a) {
  return {{"id", a.id},
          {"title", a.title},
          {"author", {{"id", a.author.id}, {"name", a.author.name}}},
          {"release_date", date_json(a.release)},
          {"track_count", a.track_count},
          {"cover_url", cover_url("albums", a.id, a.has_cover)}};
}

std::map<std::int64_t, nlohmann::json> songs_json_by_id(const store::catalog_repository& catalog,
                                                        const std::vector<std::int64_t>& ids) {
  std::map<std::int64_t, nlohmann::json> out;
  if (ids.empty()) return out;
  for (const auto& s : catalog.songs_by_ids(ids)) out.emplace(s.id, song_json(s));
  return out;
}

}  // namespace tonearm::catalog
