// Media SQL (see media_repository.hpp).
#include "tonearm/store/media_repository.hpp"

#include <pqxx/pqxx>

#include <sstream>

namespace tonearm::store {

namespace {

// Leases the due songs and reads what the job needs, in one statement.
constexpr const char* claim_sql =
    "WITH due AS ("
    "  SELECT song_id FROM media_jobs WHERE not_before <= now() ORDER BY not_before, song_id"
    "  LIMIT $1 FOR UPDATE SKIP LOCKED),"
    " leased AS ("
    "  UPDATE media_jobs j SET not_before = now() + $2 * interval '1 second' FROM due"
    "  WHERE j.song_id = due.song_id RETURNING j.song_id, j.attempts)"
    " SELECT s.id, s.blob_key, s.mime_type, s.bitrate_kbps, s.loudness_lufs IS NULL, l.attempts,"
    "  (SELECT string_agg(r.format, ',') FROM renditions r WHERE r.song_id = s.id)"
    " FROM leased l JOIN songs s ON s.id = l.song_id ORDER BY s.id";

// An album's loudness: the tracks' mean energy weighted by duration (10^(L/10)),
// back in LUFS; silent tracks (-70) count as silence, like gated blocks.
constexpr const char* album_loudness_sql =
    "UPDATE albums al SET loudness_lufs = x.lufs, true_peak_dbtp = x.peak FROM ("
    "  SELECT album_id,"
    "   CASE WHEN sum(duration_ms) > 0 AND sum(duration_ms * power(10::float8, loudness_lufs / 10.0)) > 0"
    "        THEN 10 * log(sum(duration_ms * power(10::float8, loudness_lufs / 10.0)) / sum(duration_ms))"
    "        ELSE -70 END AS lufs,"
    "   max(true_peak_dbtp) AS peak"
    "  FROM songs WHERE album_id = (SELECT album_id FROM songs WHERE id = $1) AND loudness_lufs IS NOT NULL"
    "  GROUP BY album_id) x"
    " WHERE al.id = x.album_id";

// Runs one statement in a transaction of its own; returns the rows it touched.
template <class... Args>
std::size_t write(pg_pool& db, const char* sql, const Args&... args) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params(sql, args...);
    tx.commit();
    return static_cast<std::size_t>(r.affected_rows());
  });
}

}  // namespace

std::vector<media_repository::job> media_repository::claim(int n, std::chrono::seconds lease) {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params(claim_sql, n, static_cast<long long>(lease.count()));
    std::vector<job> out;
    for (const auto& row : r) {
      job j;
      j.song_id = row[0].as<std::int64_t>();
      j.blob_key = row[1].as<std::string>();
      j.mime_type = row[2].as<std::string>();
      if (!row[3].is_null()) j.bitrate_kbps = row[3].as<int>();
      j.needs_loudness = row[4].as<bool>();
      j.attempts = row[5].as<int>();
      if (!row[6].is_null()) {
        std::stringstream formats(row[6].as<std::string>());
        for (std::string f; std::getline(formats, f, ',');) j.formats_done.push_back(f);
      }
      out.push_back(std::move(j));
    }
    tx.commit();
    return out;
  });
}

std::optional<std::int64_t> media_repository::queue(const std::string& song_blob_key) {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<std::int64_t> {
    pqxx::work tx(c);
    auto r = tx.exec_params("SELECT id FROM songs WHERE blob_key = $1", song_blob_key);
    if (r.empty()) return std::nullopt;
    auto id = r[0][0].as<std::int64_t>();
    tx.exec_params("INSERT INTO media_jobs (song_id) VALUES ($1) ON CONFLICT DO NOTHING", id);
    tx.commit();
    return id;
  });
}

int media_repository::retry_failed() {
  return static_cast<int>(
      write(db_, "UPDATE media_jobs SET not_before = now() WHERE attempts > 0 AND not_before > now()"));
}

void media_repository::add_rendition(std::int64_t song_id, const media::rendition& r) {
  write(db_,
        "INSERT INTO renditions (song_id, format, blob_key, byte_size, bitrate_kbps, duration_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (song_id, format) DO UPDATE SET blob_key = excluded.blob_key,"
        " byte_size = excluded.byte_size, bitrate_kbps = excluded.bitrate_kbps, duration_ms = excluded.duration_ms",
        song_id, r.format, r.blob_key, r.byte_size, r.bitrate_kbps, r.duration_ms);
}

void media_repository::set_loudness(std::int64_t song_id, double lufs, std::optional<double> peak) {
  db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::optional<std::string> peak_text = peak ? std::optional(std::to_string(*peak)) : std::nullopt;
    tx.exec_params("UPDATE songs SET loudness_lufs = $2, true_peak_dbtp = $3::real WHERE id = $1", song_id, lufs,
                   peak_text ? peak_text->c_str() : nullptr);
    tx.exec_params(album_loudness_sql, song_id);
    tx.commit();
  });
}

void media_repository::finish(std::int64_t song_id) {
  write(db_, "DELETE FROM media_jobs WHERE song_id = $1", song_id);
}

void media_repository::fail(std::int64_t song_id, const std::string& reason) {
  write(db_,
        "UPDATE media_jobs SET attempts = attempts + 1, last_error = $2,"
        " not_before = now() + least(interval '1 minute' * power(2, least(attempts, 20)), interval '1 day')"
        " WHERE song_id = $1",
        song_id, reason);
}

media_repository::queue_state media_repository::state() {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r = tx.exec(
        "SELECT count(*) FILTER (WHERE not_before <= now()), count(*) FILTER (WHERE not_before > now()),"
        " count(*) FILTER (WHERE attempts > 0) FROM media_jobs");
    return queue_state{r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>(), r[0][2].as<std::int64_t>()};
  });
}

}  // namespace tonearm::store
