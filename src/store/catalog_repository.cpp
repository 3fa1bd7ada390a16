// Catalog reads: entities by id and search.
#include "tonearm/store/catalog_repository.hpp"

#include <pqxx/pqxx>

#include "catalog_rows.hpp"
#include "catalog_statements.hpp"
#include "sql_text.hpp"

namespace tonearm::store {

using namespace std::string_literals;

namespace {


// Index documents, by keyset pages: id, popularity, folded title, genre, year,
// country, tsvector text.
constexpr const char* song_docs_sql =
    "SELECT s.id, s.play_count, tonearm_fold(s.title), coalesce(s.genre_fold, ''), coalesce(s.release_year, 0),"
    " coalesce(upper(a.country), ''), coalesce(s.search_tsv::text, '')"
    " FROM songs s JOIN authors a ON a.id = s.author_id WHERE s.id > $1 ORDER BY s.id LIMIT $2";
constexpr const char* author_docs_sql =
    "SELECT a.id, a.play_count, a.name_fold, '', 0, coalesce(upper(a.country), ''), a.search_tsv::text"
    " FROM authors a WHERE a.id > $1 ORDER BY a.id LIMIT $2";
constexpr const char* album_docs_sql =
    "SELECT al.id, al.play_count, tonearm_fold(al.title), '', coalesce(extract(year FROM al.release_date)::int, 0),"
    " coalesce(upper(a.country), ''), coalesce(al.search_tsv::text, '')"
    " FROM albums al JOIN authors a ON a.id = al.author_id WHERE al.id > $1 ORDER BY al.id LIMIT $2";


const std::string select_song = "SELECT "s + rows::song_columns + rows::song_from + "WHERE s.id = $1";
const std::string select_author = "SELECT "s + rows::author_columns + " FROM authors a WHERE a.id = $1";
// An album with its track count (column 7).
const std::string select_album = "SELECT "s + rows::album_columns +
                                 ", (SELECT count(*) FROM songs t WHERE t.album_id = al.id)"
                                 " FROM albums al JOIN authors a ON a.id = al.author_id WHERE al.id = $1";
const std::string select_top_songs_of_author = "SELECT "s + rows::song_columns + rows::song_from +
                                               "WHERE s.author_id = $1 ORDER BY s.play_count DESC, s.id LIMIT $2";
const std::string select_albums_of_author = "SELECT "s + rows::album_columns +
                                            ", (SELECT count(*) FROM songs t WHERE t.album_id = al.id)"
                                            " FROM albums al JOIN authors a ON a.id = al.author_id"
                                            " WHERE al.author_id = $1"
                                            " ORDER BY al.release_date DESC NULLS LAST, al.id LIMIT 200";
const std::string select_album_tracks =
    "SELECT "s + rows::song_columns + rows::song_from +
    "WHERE s.album_id = $1 ORDER BY s.track_number NULLS LAST, s.title, s.id LIMIT 1000";

}  // namespace

std::string to_pg_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::optional<catalog::song> catalog_repository::find_song(std::int64_t id) const {
  return reader().with_connection([&](pqxx::connection& c) -> std::optional<catalog::song> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(select_song, id);
    if (r.empty()) return std::nullopt;
    return rows::song_from_row(r[0]);
  });
}

std::vector<catalog::song> catalog_repository::songs_by_ids(const std::vector<std::int64_t>& ids) const {
  return reader().with_connection([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return rows::all(tx.exec_prepared(statement::songs_by_ids, sql::int_array(ids)), rows::song_from_row);
  });
}

std::optional<catalog::author> catalog_repository::find_author(std::int64_t id) const {
  return reader().with_connection([&](pqxx::connection& c) -> std::optional<catalog::author> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(select_author, id);
    if (r.empty()) return std::nullopt;
    return rows::author_from_row(r[0]);
  });
}

std::optional<catalog_repository::cover_keys> catalog_repository::cover_of(char kind, std::int64_t id) const {
  static const char* const by_kind[] = {
      // album
      "SELECT c.image_key, c.small_key, c.medium_key, c.large_key FROM albums al"
      " JOIN covers c ON c.image_key = al.cover_blob WHERE al.id = $1",
      // song: its own, else its album's
      "SELECT c.image_key, c.small_key, c.medium_key, c.large_key FROM songs s"
      " LEFT JOIN albums al ON al.id = s.album_id"
      " JOIN covers c ON c.image_key = COALESCE(s.cover_key, al.cover_blob) WHERE s.id = $1",
      // author: the most played album with a cover
      "SELECT c.image_key, c.small_key, c.medium_key, c.large_key FROM albums al"
      " JOIN covers c ON c.image_key = al.cover_blob WHERE al.author_id = $1"
      " ORDER BY al.play_count DESC, al.id LIMIT 1",
  };
  const char* sql = kind == 'l' ? by_kind[0] : kind == 's' ? by_kind[1] : by_kind[2];
  return reader().with_connection([&](pqxx::connection& c) -> std::optional<cover_keys> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(sql, id);
    if (r.empty()) return std::nullopt;
    return cover_keys{r[0][0].as<std::string>(),
                      {r[0][1].as<std::string>(), r[0][2].as<std::string>(), r[0][3].as<std::string>()}};
  });
}

std::optional<catalog::album> catalog_repository::find_album(std::int64_t id) const {
  return reader().with_connection([&](pqxx::connection& c) -> std::optional<catalog::album> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(select_album, id);
    if (r.empty()) return std::nullopt;
    return rows::album_with_tracks_from_row(r[0]);
  });
}

std::vector<catalog::song> catalog_repository::top_songs_by_author(std::int64_t author_id, int limit) const {
  return reader().with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return rows::all(tx.exec_params(select_top_songs_of_author, author_id, limit), rows::song_from_row);
  });
}

std::vector<catalog::album> catalog_repository::albums_by_author(std::int64_t author_id) const {
  return reader().with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return rows::all(tx.exec_params(select_albums_of_author, author_id), rows::album_with_tracks_from_row);
  });
}

std::vector<catalog::song> catalog_repository::album_tracks(std::int64_t album_id) const {
  return reader().with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return rows::all(tx.exec_params(select_album_tracks, album_id), rows::song_from_row);
  });
}

std::vector<catalog::author> catalog_repository::authors_by_ids(const std::vector<std::int64_t>& ids) const {
  return reader().with_connection([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return rows::all(tx.exec_prepared(statement::authors_by_ids, sql::int_array(ids)), rows::author_from_row);
  });
}

std::vector<catalog::album> catalog_repository::albums_by_ids(const std::vector<std::int64_t>& ids) const {
  return reader().with_connection([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return rows::all(tx.exec_prepared(statement::albums_by_ids, sql::int_array(ids)), rows::album_with_tracks_from_row);
  });
}

catalog_repository::analysis catalog_repository::analyse(const std::vector<std::string>& terms,
                                                         const std::optional<std::string>& genre) const {
  return reader().with_connection([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    analysis out;
    std::string whole;
    for (const auto& t : terms) whole += (whole.empty() ? "" : " ") + t;
    auto r = tx.exec_prepared(statement::search_analyse, to_pg_array(terms), whole, genre ? genre->c_str() : nullptr);
    for (const auto& row : r) {
      std::vector<std::string> list;
      auto parser = row[2].as_array();
      for (auto elem = parser.get_next(); elem.first != pqxx::array_parser::done; elem = parser.get_next())
        if (elem.first == pqxx::array_parser::string_value) list.push_back(elem.second);
      auto idx = row[0].as<std::size_t>();
      if (idx == 0) {
        out.whole_fold = row[1].is_null() ? "" : row[1].as<std::string>();
        if (!list.empty()) out.genre_fold = list.front();
        continue;
      }
      catalog::index_word w;
      w.lexeme = row[1].as<std::string>();
      w.corrections = std::move(list);
      out.words.emplace_back(idx - 1, std::move(w));
    }
    return out;
  });
}

std::vector<std::string> catalog_repository::genre_names(const std::vector<std::string>& folds) const {
  if (folds.empty()) return {};
  return reader().with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    // One index probe per genre (songs_genre_idx), not a scan of the catalog.
    auto r = tx.exec_params(
        "SELECT coalesce((SELECT s.genre FROM songs s WHERE s.genre_fold = f.fold LIMIT 1), f.fold)"
        " FROM unnest($1::text[]) WITH ORDINALITY AS f(fold, n) ORDER BY f.n",
        to_pg_array(folds));
    std::vector<std::string> names;
    for (const auto& row : r) names.push_back(row[0].as<std::string>());
    return names;
  });
}

std::vector<catalog::index_doc> catalog_repository::load_index_docs(entity e, std::stop_token stop) const {
  const char* sql = e == entity::songs ? song_docs_sql : e == entity::authors ? author_docs_sql : album_docs_sql;
  std::vector<catalog::index_doc> docs;
  std::int64_t last = 0;
  constexpr int batch = 20000;
  for (;;) {
    if (stop.stop_requested()) throw catalog::build_stopped();
    auto r = reader().with_connection([&](pqxx::connection& c) {
      pqxx::read_transaction tx(c);
      return tx.exec_params(sql, last, batch);
    });
    for (const auto& row : r) {
      if (docs.size() % 4096 == 0 && stop.stop_requested()) throw catalog::build_stopped();
      catalog::index_doc d;
      d.id = row[0].as<std::int64_t>();
      d.popularity = row[1].as<std::int64_t>();
      d.title_fold = row[2].as<std::string>();
      d.genre_fold = row[3].as<std::string>();
      d.year = row[4].as<int>();
      d.country = row[5].as<std::string>();
      d.words = catalog::parse_tsvector_text(row[6].as<std::string>());
      last = d.id;
      docs.push_back(std::move(d));
    }
    if (r.size() < static_cast<std::size_t>(batch)) break;
  }
  return docs;
}

catalog_repository::versions catalog_repository::catalog_version() const {
  return reader().with_connection([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    auto r = tx.exec("SELECT version, popularity FROM catalog_version");
    return versions{r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>()};
  });
}

void catalog_repository::add_plays(const std::vector<std::pair<std::int64_t, std::int64_t>>& song_plays) const {
  if (song_plays.empty()) return;
  std::vector<std::int64_t> ids, counts;
  for (const auto& [id, n] : song_plays) {
    ids.push_back(id);
    counts.push_back(n);
  }
  db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params(
        "WITH d AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS d(id, n)),"
        " s AS (UPDATE songs SET play_count = play_count + d.n FROM d WHERE songs.id = d.id"
        "       RETURNING songs.author_id, songs.album_id, d.n),"
        " a AS (UPDATE authors SET play_count = authors.play_count + t.n"
        "       FROM (SELECT author_id, sum(n) AS n FROM s GROUP BY author_id) t WHERE authors.id = t.author_id)"
        " UPDATE albums SET play_count = albums.play_count + t.n"
        " FROM (SELECT album_id, sum(n) AS n FROM s WHERE album_id IS NOT NULL GROUP BY album_id) t"
        " WHERE albums.id = t.album_id",
        sql::int_array(ids), sql::int_array(counts));
    tx.commit();
  });
}

}  // namespace tonearm::store
