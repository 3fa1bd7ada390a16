// The stream handler: validators, 304, range plan, then a body that reads the blob in
// bounded pieces as the client takes them.
//
// A 206 with one range:                  A 206 with several (multipart/byteranges):
//   HTTP/1.1 206 Partial Content           HTTP/1.1 206 Partial Content
//   Content-Type: audio/mpeg               Content-Type: multipart/byteranges; boundary=B
//   Content-Range: bytes 0-99/5000         Content-Length: <all of the below>
//   Content-Length: 100
//                                          \r\n--B\r\nContent-Type: audio/mpeg\r\n
//   <bytes 0..99>                          Content-Range: bytes 0-9/5000\r\n\r\n<10 bytes>
//                                          \r\n--B\r\n...\r\n\r\n<bytes>\r\n--B--\r\n
#include "tonearm/stream/stream_handler.hpp"

#include "segmented_body.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>
#include <variant>

#include "tonearm/catalog/catalog_json.hpp"
#include "tonearm/core/error.hpp"

#include "tonearm/http/params.hpp"
#include "tonearm/media/renditions.hpp"
#include "tonearm/stream/byte_range.hpp"
#include "tonearm/stream/conditional.hpp"

namespace tonearm::stream {

namespace {

// The blob store's bytes: pread from the page cache (local), or chunks of an object
// store read through the chunk cache (S3: blocking, so read on the blocking pool).
class blob_body final : public segmented_body {
 public:
  blob_body(std::unique_ptr<store::blob_reader> reader, std::vector<body_segment> segments)
      : segmented_body(std::move(segments)), reader_(std::move(reader)) {}
  std::string_view origin() const override { return "blob_store"; }
  // S3: only a piece whose chunk is not on local disk yet goes to the blocking pool;
  // cached chunks are read here like local files.
  bool blocking() const override {
    if (!reader_->blocking()) return false;
    auto pos = upcoming_position();
    return pos && reader_->blocks_at(*pos);
  }
  // One range of a local file (not multipart): the session can sendfile it.
  std::optional<file_region> file() const override {
    if (reader_->native_handle() < 0) return std::nullopt;
    auto r = single_range();
    if (!r) return std::nullopt;
    return file_region{reader_->native_handle(), r->first, r->length()};
  }

 private:
  std::size_t read(std::uint64_t pos, char* out, std::size_t want) override { return reader_->read(pos, out, want); }
  std::optional<file_region> region_at(std::uint64_t pos, std::uint64_t want) override {
    auto r = reader_->region_at(pos, want);
    if (!r) return std::nullopt;
    return file_region{r->fd, r->offset, r->length};
  }
  // A piece that started without blocking never waits half-way.
  bool can_continue(std::uint64_t pos) override { return !reader_->blocking() || !reader_->blocks_at(pos); }
  std::unique_ptr<store::blob_reader> reader_;
};

std::string content_range(const byte_range& r, std::uint64_t size) {
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" + std::to_string(size);
}

}  // namespace

std::optional<audio_ref> stream_handler::cached(std::int64_t id) const {
  std::lock_guard lock(cache_->mutex);
  auto it = cache_->songs.find(id);
  if (it == cache_->songs.end()) return std::nullopt;
  // A song still waiting for its renditions is read again now and then: they appear.
  if (!it->second.settled && std::chrono::steady_clock::now() - it->second.fetched > std::chrono::seconds(5)) {
    cache_->songs.erase(it);
    return std::nullopt;
  }
  return it->second;
}

std::optional<audio_ref> stream_handler::lookup(std::int64_t id) const {
  if (auto ref = cached(id)) return ref;
  audio_ref ref;
  try {
    auto song = catalog_.find_song(id);
    if (!song) return std::nullopt;
    ref.blob_key = song->blob_key;
    ref.mime_type = song->mime_type;
    ref.bitrate_kbps = song->bitrate_kbps;
    ref.renditions = song->renditions;
    ref.settled = !song->media_pending;
    ref.fetched = std::chrono::steady_clock::now();
  } catch (const api_error& e) {
    // PostgreSQL is away: a song played lately is still found (the directory in Redis);
    // anything else gets the database's 503.
    if (e.code() != errc::unavailable) throw;
    auto known = directory_.find(id);
    if (!known) throw;
    spdlog::warn("song {} found in the song directory while PostgreSQL is unavailable ({})", id, e.what());
    ref = std::move(*known);
  }
  std::lock_guard lock(cache_->mutex);
  if (cache_->songs.size() >= 100000) cache_->songs.clear();
  cache_->songs.emplace(id, ref);
  return ref;
}

std::optional<http::response> stream_handler::fast(const http::request& req) const {
  auto id = http::path_id(req, "id", "song");
  auto song = cached(id);
  if (!song) return std::nullopt;
  auto version = pick(req, id, *song);
  if (auto* answer = std::get_if<http::response>(&version)) {
    if (answer->status == 404 && !song->settled) return std::nullopt;  // read it again (play())
    return std::move(*answer);
  }
  const auto& served = std::get<audio_ref>(version);
  auto hot = hot_.known_size(served.blob_key);
  if (!hot) return std::nullopt;  // asking Redis whether it is hot blocks: off the I/O thread
  if (!blobs_.opens_at_once(served.blob_key)) return std::nullopt;  // an S3 HEAD would wait: a worker's job
  auto response = respond(req, id, served, *hot);
  count_play(req, response, id, *song, served);
  return response;
}

http::response stream_handler::operator()(const http::request& req) const {
  return play(req, http::path_id(req, "id", "song"), true);
}

http::response stream_handler::play(const http::request& req, std::int64_t id, bool count,
                                    const version_request* want) const {
  auto song = lookup(id);
  if (!song) return http::error_response(errc::not_found, "no song with id " + std::to_string(id));
  auto version = pick(req, id, *song, want);
  if (auto* answer = std::get_if<http::response>(&version); answer && answer->status == 404 && !song->settled) {
    // A rendition asked by name that the cached entry lacks may have been made since.
    {
      std::lock_guard lock(cache_->mutex);
      cache_->songs.erase(id);
    }
    song = lookup(id);
    if (!song) return http::error_response(errc::not_found, "no song with id " + std::to_string(id));
    version = pick(req, id, *song, want);
  }
  if (auto* answer = std::get_if<http::response>(&version)) return std::move(*answer);
  const auto& served = std::get<audio_ref>(version);
  auto response = respond(req, id, served, hot_.cached_size(served.blob_key));
  if (count) count_play(req, response, id, *song, served);
  return response;
}

// format= names one version (a rendition, or `original`); otherwise quality= (default
// original) and codecs= (what the client plays; default any) pick the best fit.
std::variant<audio_ref, http::response> stream_handler::pick(const http::request& req, std::int64_t id,
                                                             const audio_ref& song, const version_request* want) {
  auto original = [&] { return audio_ref(song.blob_key, song.mime_type); };
  auto rendition = [&](std::size_t i) {
    audio_ref served(song.renditions[i].blob_key,
                     std::string(media::find_format(song.renditions[i].format)->mime_type));
    served.version = song.renditions[i].format;
    return served;
  };
  // A best fit within `target` kb/s among the versions in `codecs` (any when empty).
  int target = 0;
  std::vector<std::string> codecs;
  if (want) {
    if (want->original) return original();
    target = want->max_kbps > 0 ? want->max_kbps : 1 << 30;
    codecs = want->codecs;
  } else {
    if (auto format = req.query_param("format")) {
      if (*format == "original") return original();
      if (!media::find_format(*format))
        return http::error_response(errc::bad_request, "parameter 'format' takes original, opus-96, opus-160, "
                                                       "opus-256 or aac-128, got '" + *format + "'");
      for (std::size_t i = 0; i < song.renditions.size(); ++i)
        if (song.renditions[i].format == *format) return rendition(i);
      return http::error_response(errc::not_found, "song " + std::to_string(id) + " has no " + *format +
                                                       " rendition" + (song.settled ? "" : " yet"));
    }
    auto quality = media::quality::original;
    if (auto q = req.query_param("quality")) {
      auto parsed = media::parse_quality(*q);
      if (!parsed)
        return http::error_response(errc::bad_request,
                                    "parameter 'quality' takes low, normal, high or original, got '" + *q + "'");
      quality = *parsed;
    }
    if (auto c = req.query_param("codecs")) {
      auto parsed = media::parse_codecs(*c);
      if (!parsed)
        return http::error_response(errc::bad_request, "parameter 'codecs' is a comma-separated list of mp3, aac, "
                                                       "opus, vorbis, flac, wav and aiff, got '" + *c + "'");
      codecs = std::move(*parsed);
    }
    if (quality == media::quality::original) return original();
    target = media::target_kbps(quality);
  }
  auto chosen = media::choose_within({song.mime_type, song.bitrate_kbps}, song.renditions, target, codecs);
  auto served = chosen ? rendition(*chosen) : original();
  // A best fit can change while the song waits for its renditions: caches must not
  // keep this answer for long (settled = false marks it; respond() says so).
  served.settled = song.settled;
  return served;
}

namespace {

// The listener: address and user agent, hashed to keep the Redis key short. The same
// for a stream start and a reported play, so that the two count once.
std::string listener_key(const http::request& req) {
  return std::to_string(std::hash<std::string>{}(req.remote + "|" + std::string(req.header("User-Agent"))));
}

}  // namespace

// A play starts when the whole file goes out, or a range from byte 0 (not on 304/416).
void stream_handler::count_play(const http::request& req, const http::response& res, std::int64_t id,
                                const audio_ref& song, const audio_ref& served) const {
  bool play_start = req.method == "GET" &&
                    (res.status == 200 || (res.status == 206 && is_play_start(req.method, req.header("Range"))));
  if (!play_start) return;
  plays_.enqueue(id, listener_key(req), song, served.blob_key);
}

bool stream_handler::record_play(const http::request& req, std::int64_t id) const {
  auto song = lookup(id);
  if (!song) return false;
  plays_.enqueue(id, listener_key(req), *song);
  return true;
}

http::response stream_handler::report_play(const http::request& req) const {
  auto id = http::path_id(req, "id", "song");
  // No fields yet; a body, when sent, must still be a JSON object.
  if (!req.body.empty()) (void)http::json_body(req);
  auto song = lookup(id);
  if (!song) return http::error_response(errc::not_found, "no song with id " + std::to_string(id));
  bool queued = plays_.enqueue(id, listener_key(req), *song);
  auto res = http::json_response(202, nlohmann::json{{"song_id", id}, {"queued", queued}}.dump());
  res.headers.set("Cache-Control", "no-store");
  return res;
}

// `hot_size`: the song's size in the hot cache when it is there (asked by the caller:
// the I/O thread only uses what is already known).
http::response stream_handler::respond(const http::request& req, std::int64_t id, const audio_ref& ref,
                                       std::optional<std::uint64_t> hot_size) const {
  const audio_ref* song = &ref;
  // The blob path comes only from the stored content hash, never from the URL.
  auto reader = blobs_.open(song->blob_key);
  if (!reader) {
    spdlog::error("request_id={} song {} has no blob {}: audio missing from the blob store", req.request_id, id,
                  song->blob_key);
    return http::error_response(errc::internal, "the audio of song " + std::to_string(id) + " is unavailable");
  }
  const std::uint64_t size = reader->size();
  validators v{"\"" + song->blob_key + "\"", reader->modified()};

  http::response res;
  res.headers.set("Accept-Ranges", "bytes");
  res.headers.set("ETag", v.etag);
  res.headers.set("Last-Modified", format_http_date(v.last_modified));
  res.headers.set("Cache-Control", song->settled ? "public, max-age=31536000, immutable" : "public, max-age=30");
  // Which version this is: a rendition's name, or original.
  res.headers.set("X-Rendition", song->version);
  if (not_modified(req.header("If-None-Match"), req.header("If-Modified-Since"), v)) {
    res.status = 304;
    return res;
  }
  res.headers.set("X-Cache", "MISS");  // until we know the body comes from the hot cache

  range_plan plan;
  if (range_allowed(req.header("If-Range"), v)) plan = plan_ranges(req.header("Range"), size);
  std::vector<body_segment> segments;
  switch (plan.outcome) {
    case range_plan::kind::full:
      res.status = 200;
      res.headers.set("Content-Type", song->mime_type);
      if (size > 0) segments.emplace_back(byte_range{0, size - 1});
      break;
    case range_plan::kind::unsatisfiable: {
      auto err = http::error_response(errc::range_not_satisfiable,
                                      "no requested range starts before the end (" + std::to_string(size) + " bytes)");
      for (const auto& f : res.headers) err.headers.set(f.name, f.value);
      err.headers.set("Content-Range", "bytes */" + std::to_string(size));
      return err;
    }
    case range_plan::kind::partial:
      res.status = 206;
      if (plan.ranges.size() == 1) {
        res.headers.set("Content-Type", song->mime_type);
        res.headers.set("Content-Range", content_range(plan.ranges.front(), size));
        segments.emplace_back(plan.ranges.front());
      } else {
        std::string boundary = "tonearm-" + song->blob_key.substr(0, 24);
        res.headers.set("Content-Type", "multipart/byteranges; boundary=" + boundary);
        for (const auto& r : plan.ranges) {
          segments.emplace_back("\r\n--" + boundary + "\r\nContent-Type: " + song->mime_type +
                                "\r\nContent-Range: " + content_range(r, size) + "\r\n\r\n");
          segments.emplace_back(r);
        }
        segments.emplace_back("\r\n--" + boundary + "--\r\n");
      }
      break;
  }
  // Hot songs come from Redis; anything else (or any Redis trouble) from the blob store.
  hot_cache::count_stream(hot_size == size);
  if (hot_size == size) {
    res.headers.set("X-Cache", "HIT");
    res.stream = hot_.body(song->blob_key, std::move(segments));
  } else {
    res.headers.set("X-Cache", "MISS");
    res.stream = std::make_shared<blob_body>(std::move(reader), std::move(segments));
  }
  return res;
}

http::response charts_handler::operator()(const http::request& req) const {
  auto window_name = req.query_param("window").value_or("day");
  chart_window window;
  if (window_name == "hour") window = chart_window::hour;
  else if (window_name == "day") window = chart_window::day;
  else if (window_name == "week") window = chart_window::week;
  else return http::error_response(errc::bad_request, "parameter 'window' takes hour, day or week, got '" + window_name + "'");
  int limit = 20;
  if (auto l = req.query_param("limit")) {
    auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (l->empty() || ec != std::errc{} || p != l->data() + l->size() || limit < 1 || limit > 50)
      return http::error_response(errc::bad_request, "parameter 'limit' must be an integer from 1 to 50, got '" + *l + "'");
  }
  recorder_.drain(std::chrono::milliseconds(500));  // a listener sees their own plays
  auto top = plays_.top(window, limit, std::chrono::system_clock::now());
  if (!top) return http::error_response(errc::unavailable, "charts are unavailable right now (Redis unreachable)");
  std::vector<std::int64_t> ids;
  for (const auto& [song, n] : *top) ids.push_back(song);
  auto songs = catalog::songs_json_by_id(catalog_, ids);
  nlohmann::json items = nlohmann::json::array();
  int rank = 0;
  for (const auto& [song, n] : *top)
    if (auto it = songs.find(song); it != songs.end())
      items.push_back({{"rank", ++rank}, {"plays", n}, {"song", it->second}});
  auto res = http::json_response(200, nlohmann::json{{"window", window_name}, {"items", items}}.dump());
  res.headers.set("Cache-Control", "public, max-age=60");
  return res;
}

}  // namespace tonearm::stream
