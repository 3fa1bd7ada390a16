// GET/HEAD /v1/songs/{id}/stream: a song's audio with range requests.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <variant>
#include <vector>

#include "tonearm/http/request.hpp"
#include "tonearm/http/response.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/catalog_repository.hpp"
#include "tonearm/stream/hot_cache.hpp"
#include "tonearm/stream/play_counter.hpp"
#include "tonearm/stream/play_recorder.hpp"
#include "tonearm/stream/song_directory.hpp"

namespace tonearm::stream {

class stream_handler final {
 public:
  // Songs are looked up in `catalog` (and kept in-process); while PostgreSQL is
  // unavailable, in `directory` (songs played lately, by any instance).
  stream_handler(store::catalog_repository& catalog, const song_directory& directory, const store::blob_store& blobs,
                 play_recorder& plays, hot_cache& hot)
      : catalog_(catalog), directory_(directory), blobs_(blobs), plays_(plays), hot_(hot) {}
  http::response operator()(const http::request& req) const;
  // The same answer without blocking, when the song and its hot status are already in
  // memory and the body comes from the blob store (play starts too: they are queued).
  std::optional<http::response> fast(const http::request& req) const;
  // POST /v1/songs/{id}/plays: a play start reported by the client (what an edge cache
  // in front of the stream hides from the instances). Counted like a stream start, and
  // as the same listener: a client that both streams from byte 0 here and reports the
  // play is counted once.
  http::response report_play(const http::request& req) const;
  // Song `id`'s audio for `req` (ranges, conditions, HEAD) as operator() answers it,
  // for other APIs (Subsonic's stream and download): a play start is counted only
  // with `count_play` (a download is no play; a Subsonic client reports its plays).
  // `want`, when given, picks the version instead of the request's quality, codecs
  // and format parameters (Subsonic's maxBitRate and format).
  struct version_request {
    int max_kbps = 0;                 // 0: no ceiling
    std::vector<std::string> codecs;  // empty: any
    bool original = false;            // the original whatever the rest says
  };
  http::response play(const http::request& req, std::int64_t id, bool count_play,
                      const version_request* want = nullptr) const;
  // A play of song `id` reported by the client at `req`: counted as report_play does.
  // False when there is no such song; throws api_error(unavailable) as lookups do.
  bool record_play(const http::request& req, std::int64_t id) const;

 private:
  std::optional<audio_ref> lookup(std::int64_t id) const;
  std::optional<audio_ref> cached(std::int64_t id) const;
  http::response respond(const http::request& req, std::int64_t id, const audio_ref& song,
                         std::optional<std::uint64_t> hot_size) const;
  void count_play(const http::request& req, const http::response& res, std::int64_t id, const audio_ref& song,
                  const audio_ref& served) const;
  // The version of `song` that `req` asks for (an audio_ref of that blob alone), or
  // the error answer (400 for a bad parameter, 404 for a rendition it lacks).
  static std::variant<audio_ref, http::response> pick(const http::request& req, std::int64_t id,
                                                      const audio_ref& song, const version_request* want = nullptr);

  store::catalog_repository& catalog_;
  const song_directory& directory_;
  const store::blob_store& blobs_;
  play_recorder& plays_;
  hot_cache& hot_;
  // Bounded: cleared whole when full (simple, and a refill costs one query per song).
  struct cache {
    std::mutex mutex;
    std::unordered_map<std::int64_t, audio_ref> songs;
  };
  std::shared_ptr<cache> cache_ = std::make_shared<cache>();
};

// GET /v1/charts/top?window=hour|day|week&limit=: the most played songs.
class charts_handler final {
 public:
  charts_handler(store::catalog_repository& catalog, const play_counter& plays, play_recorder& recorder)
      : catalog_(catalog), plays_(plays), recorder_(recorder) {}
  http::response operator()(const http::request& req) const;

 private:
  store::catalog_repository& catalog_;
  const play_counter& plays_;
  play_recorder& recorder_;
};

}  // namespace tonearm::stream
