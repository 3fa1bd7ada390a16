// Catalog upserts.
#include "tonearm/store/catalog_writer.hpp"

#include <pqxx/pqxx>

namespace tonearm::store {

namespace {

const char* null_or(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

constexpr const char* select_song_blobs =
    "SELECT id, blob_key, byte_size FROM songs WHERE id > $1 ORDER BY id LIMIT $2";

std::int64_t author_id(pqxx::work& tx, const std::string& name) {
  // Insert-or-select without rewriting an existing row.
  auto r = tx.exec_params(
      "WITH ins AS (INSERT INTO authors (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id) "
      "SELECT id FROM ins UNION ALL SELECT id FROM authors WHERE name = $1 LIMIT 1",
      name);
  return r[0][0].as<std::int64_t>();
}

std::optional<std::string> date_or_null(const catalog::partial_date& d) {
  if (!d.known()) return std::nullopt;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month ? d.month : 1, d.day ? d.day : 1);
  return std::string(buf);
}

int precision_of(const catalog::partial_date& d) { return !d.known() ? 0 : d.month == 0 ? 1 : d.day == 0 ? 2 : 3; }

}  // namespace

catalog_writer::outcome catalog_writer::upsert_song(const song_upsert& s) {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto exists = tx.exec_params("SELECT 1 FROM songs WHERE blob_key = $1", s.blob_key);
    if (!exists.empty()) return outcome::unchanged;
    std::int64_t artist = author_id(tx, s.artist);
    std::optional<std::string> album_id;
    auto date = date_or_null(s.release);
    if (s.album) {
      std::int64_t owner = s.album_artist ? author_id(tx, *s.album_artist) : artist;
      auto r = tx.exec_params(
          "WITH ins AS (INSERT INTO albums (author_id, title, release_date, release_precision) "
          "  VALUES ($1, $2, $3::date, $4) ON CONFLICT (author_id, title) DO NOTHING RETURNING id) "
          "SELECT id FROM ins UNION ALL SELECT id FROM albums WHERE author_id = $1 AND title = $2 LIMIT 1",
          owner, *s.album, null_or(date), precision_of(s.release));
      album_id = r[0][0].as<std::string>();
    }
    std::optional<std::string> track = s.track_number ? std::optional(std::to_string(*s.track_number)) : std::nullopt;
    std::optional<std::string> bitrate = s.bitrate_kbps ? std::optional(std::to_string(*s.bitrate_kbps)) : std::nullopt;
    auto r = tx.exec_params(
        "INSERT INTO songs (author_id, album_id, title, genre, release_date, release_precision, track_number,"
        " duration_ms, bitrate_kbps, blob_key, byte_size, mime_type)"
        " VALUES ($1, $2::bigint, $3, $4, $5::date, $6, $7::int, $8, $9::int, $10, $11, $12)"
        " ON CONFLICT (blob_key) DO NOTHING RETURNING id",
        artist, null_or(album_id), s.title, null_or(s.genre), null_or(date), precision_of(s.release), null_or(track),
        s.duration_ms, null_or(bitrate), s.blob_key, s.byte_size, s.mime_type);
    tx.commit();
    return r.empty() ? outcome::unchanged : outcome::added;  // empty: a concurrent ingest won
  });
}

bool catalog_writer::has_cover(const std::string& image_key) {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return !tx.exec_params("SELECT 1 FROM covers WHERE image_key = $1", image_key).empty();
  });
}

void catalog_writer::add_cover(const cover& v) {
  db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO covers (image_key, mime_type, width, height, small_key, medium_key, large_key)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (image_key) DO NOTHING",
        v.image_key, v.mime_type, v.width, v.height, v.small_key, v.medium_key, v.large_key);
    tx.commit();
  });
}

void catalog_writer::set_song_cover(const std::string& song_blob_key, const std::string& image_key) {
  db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    // Neither statement touches a column the search triggers watch.
    tx.exec_params("UPDATE songs SET cover_key = $2 WHERE blob_key = $1 AND cover_key IS DISTINCT FROM $2",
                   song_blob_key, image_key);
    tx.exec_params("UPDATE albums SET cover_blob = $2 WHERE cover_blob IS NULL"
                   " AND id = (SELECT album_id FROM songs WHERE blob_key = $1)",
                   song_blob_key, image_key);
    tx.commit();
  });
}

bool catalog_writer::set_author_details(const std::string& name, const author_details& d) {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params(
        "UPDATE authors SET country = coalesce($2, country), date_of_birth = coalesce($3::date, date_of_birth),"
        " status = coalesce($4, status) WHERE name = $1",
        name, null_or(d.country), null_or(d.date_of_birth), null_or(d.status));
    tx.commit();
    return r.affected_rows() > 0;
  });
}

std::vector<catalog_writer::song_blob> catalog_writer::song_blobs(std::int64_t after_id, int limit) {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(select_song_blobs, after_id, limit);
    std::vector<song_blob> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::int64_t>()});
    return out;
  });
}

int catalog_writer::refresh_search_words() {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto n = tx.exec("SELECT tonearm_refresh_search_words()")[0][0].as<int>();
    tx.commit();
    return n;
  });
}

}  // namespace tonearm::store
