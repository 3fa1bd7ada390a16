// Catalog reads: entities by id and search.
#include "tonearm/store/catalog_repository.hpp"

#include <pqxx/pqxx>

#include "catalog_rows.hpp"

namespace tonearm::store {

using namespace std::string_literals;

namespace {

const char* null_or(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

// Each word of the terms, folded and tokenised by the same parser that built the
// documents. A word that is not itself a catalog word gets up to three corrections:
// catalog words with some trigrams in common (a low bar, so "glvoe" still finds
// "glove") and an edit distance small for the word's length (1 up to 4 letters, 2 up
// to 8, else 3). Words it is a prefix of are left out: the prefix match finds them.
constexpr const char* analyse_sql = R"sql(
SELECT t.idx, l.lexeme,
       CASE WHEN length(l.lexeme) < 3 OR EXISTS (SELECT 1 FROM search_words w WHERE w.word = l.lexeme)
            THEN '{}'::text[]
            ELSE ARRAY(SELECT w.word FROM search_words w
                       WHERE w.word % l.lexeme AND NOT starts_with(w.word, l.lexeme)
                         AND levenshtein(w.word, l.lexeme) <= CASE WHEN length(l.lexeme) <= 4 THEN 1
                                                                   WHEN length(l.lexeme) <= 8 THEN 2 ELSE 3 END
                       ORDER BY levenshtein(w.word, l.lexeme), similarity(w.word, l.lexeme) DESC, w.ndoc DESC, w.word
                       LIMIT 3)
       END AS corrections
FROM unnest($1::text[]) WITH ORDINALITY AS t(txt, idx)
CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('simple', tonearm_fold(t.txt)))) AS l(lexeme)
ORDER BY t.idx
)sql";

// $1 fuzzy tsquery (or null: no words), $2 exact tsquery, $3 genre, $4/$5 years,
// $6 country, $7 the whole query text (an exact title match ranks first), $8 limit, $9 offset.
constexpr const char* song_search_sql_tail = R"sql(
WHERE ($1::tsquery IS NULL OR s.search_tsv @@ $1::tsquery)
  AND ($3::text IS NULL OR s.genre_fold = tonearm_fold($3::text))
  AND ($4::int IS NULL OR s.release_year BETWEEN $4::int AND $5::int)
  AND ($6::text IS NULL OR upper(a.country) = $6::text)
ORDER BY (s.search_tsv @@ $2::tsquery) DESC,
         (tonearm_fold(s.title) = tonearm_fold($7::text)) DESC,
         coalesce(ts_rank_cd(s.search_tsv, $1::tsquery), 0) * (1 + ln(1 + s.play_count) / 10) DESC,
         s.play_count DESC, s.id
LIMIT $8 OFFSET $9
)sql";

constexpr const char* author_search_sql = R"sql(
SELECT a.id, a.name, a.country, a.date_of_birth::text, a.status, a.play_count, count(*) OVER ()
FROM authors a
WHERE ($1::tsquery IS NULL OR a.search_tsv @@ $1::tsquery)
  AND ($3::text IS NULL OR upper(a.country) = $3::text)
ORDER BY (a.search_tsv @@ $2::tsquery) DESC,
         (a.name_fold = tonearm_fold($4::text)) DESC,
         coalesce(ts_rank_cd(a.search_tsv, $1::tsquery), 0) DESC,
         a.play_count DESC, a.id
LIMIT $5 OFFSET $6
)sql";

constexpr const char* album_search_sql = R"sql(
SELECT x.*, (SELECT count(*) FROM songs t WHERE t.album_id = x.id) AS tracks
FROM (
  SELECT al.id, al.title, al.author_id, a.name, al.release_date::text, al.release_precision,
         count(*) OVER () AS total
  FROM albums al JOIN authors a ON a.id = al.author_id
  WHERE ($1::tsquery IS NULL OR al.search_tsv @@ $1::tsquery)
    AND ($3::int IS NULL OR extract(year FROM al.release_date)::int BETWEEN $3::int AND $4::int)
    AND ($5::text IS NULL OR upper(a.country) = $5::text)
  ORDER BY (al.search_tsv @@ $2::tsquery) DESC,
           (tonearm_fold(al.title) = tonearm_fold($6::text)) DESC,
           coalesce(ts_rank_cd(al.search_tsv, $1::tsquery), 0) DESC,
           al.play_count DESC, al.id
  LIMIT $7 OFFSET $8) x
)sql";

// Fields as each entity's document knows them: songs weigh title A, author B,
// album C; albums weigh their title A and author B; authors have one field.
std::vector<catalog::analysed_word> for_albums(std::vector<catalog::analysed_word> words, bool& applicable) {
  std::vector<catalog::analysed_word> out;
  applicable = true;
  for (auto& w : words) {
    if (w.field == catalog::search_field::title) { applicable = false; continue; }
    if (w.field == catalog::search_field::album) w.field = catalog::search_field::title;
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<catalog::analysed_word> for_authors(std::vector<catalog::analysed_word> words, bool& applicable) {
  std::vector<catalog::analysed_word> out;
  applicable = true;
  for (auto& w : words) {
    if (w.field == catalog::search_field::title || w.field == catalog::search_field::album) { applicable = false; continue; }
    w.field = catalog::search_field::any;
    out.push_back(std::move(w));
  }
  return out;
}

std::optional<std::string> opt_query(const std::vector<catalog::analysed_word>& words, bool weights,
                                     std::optional<std::string>& exact) {
  if (words.empty()) {
    exact.reset();
    return std::nullopt;
  }
  auto q = catalog::build_tsqueries(words, weights);
  exact = q.exact;
  return q.fuzzy;
}

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
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<catalog::song> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT "s + rows::song_columns + rows::song_from + "WHERE s.id = $1", id);
    if (r.empty()) return std::nullopt;
    return rows::song_from_row(r[0]);
  });
}

std::vector<catalog::song> catalog_repository::songs_by_ids(const std::vector<std::int64_t>& ids) const {
  std::vector<std::string> text;
  for (auto id : ids) text.push_back(std::to_string(id));
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT "s + rows::song_columns + rows::song_from +
                                "JOIN unnest($1::bigint[]) WITH ORDINALITY AS ids(id, ord) ON ids.id = s.id ORDER BY ids.ord",
                            to_pg_array(text));
    std::vector<catalog::song> out;
    for (const auto& row : r) out.push_back(rows::song_from_row(row));
    return out;
  });
}

std::optional<catalog::author> catalog_repository::find_author(std::int64_t id) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<catalog::author> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT "s + rows::author_columns + " FROM authors a WHERE a.id = $1", id);
    if (r.empty()) return std::nullopt;
    return rows::author_from_row(r[0]);
  });
}

std::optional<catalog::album> catalog_repository::find_album(std::int64_t id) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<catalog::album> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT "s + rows::album_columns +
                                ", (SELECT count(*) FROM songs t WHERE t.album_id = al.id)"
                                " FROM albums al JOIN authors a ON a.id = al.author_id WHERE al.id = $1",
                            id);
    if (r.empty()) return std::nullopt;
    auto album = rows::album_from_row(r[0]);
    album.track_count = r[0][6].as<int>();
    return album;
  });
}

std::vector<catalog::song> catalog_repository::top_songs_by_author(std::int64_t author_id, int limit) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT "s + rows::song_columns + rows::song_from +
                                "WHERE s.author_id = $1 ORDER BY s.play_count DESC, s.id LIMIT $2",
                            author_id, limit);
    std::vector<catalog::song> out;
    for (const auto& row : r) out.push_back(rows::song_from_row(row));
    return out;
  });
}

std::vector<catalog::album> catalog_repository::albums_by_author(std::int64_t author_id) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT "s + rows::album_columns +
                                ", (SELECT count(*) FROM songs t WHERE t.album_id = al.id)"
                                " FROM albums al JOIN authors a ON a.id = al.author_id WHERE al.author_id = $1"
                                " ORDER BY al.release_date DESC NULLS LAST, al.id LIMIT 200",
                            author_id);
    std::vector<catalog::album> out;
    for (const auto& row : r) {
      out.push_back(rows::album_from_row(row));
      out.back().track_count = row[6].as<int>();
    }
    return out;
  });
}

std::vector<catalog::song> catalog_repository::album_tracks(std::int64_t album_id) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("SELECT "s + rows::song_columns + rows::song_from +
                                "WHERE s.album_id = $1 ORDER BY s.track_number NULLS LAST, s.title, s.id LIMIT 1000",
                            album_id);
    std::vector<catalog::song> out;
    for (const auto& row : r) out.push_back(rows::song_from_row(row));
    return out;
  });
}

search_results catalog_repository::search(const catalog::search_query& q) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<std::string> texts;
    std::string whole;
    for (const auto& t : q.terms) {
      texts.push_back(t.text);
      whole += (whole.empty() ? "" : " ") + t.text;
    }
    std::vector<catalog::analysed_word> words;
    if (!texts.empty()) {
      tx.exec("SET LOCAL pg_trgm.similarity_threshold = 0.15");
      for (const auto& row : tx.exec_params(analyse_sql, to_pg_array(texts))) {
        catalog::analysed_word w;
        w.field = q.terms[row[0].as<std::size_t>() - 1].field;
        w.lexeme = row[1].as<std::string>();
        auto parser = row[2].as_array();
        for (auto elem = parser.get_next(); elem.first != pqxx::array_parser::done; elem = parser.get_next())
          if (elem.first == pqxx::array_parser::string_value) w.corrections.push_back(elem.second);
        words.push_back(std::move(w));
      }
    }
    // Terms that fold to nothing searchable ("!!!") match nothing rather than everything.
    bool nothing_searchable = !texts.empty() && words.empty();

    std::optional<std::string> years_from, years_to;
    if (q.years) {
      years_from = std::to_string(q.years->from);
      years_to = std::to_string(q.years->to);
    }
    search_results out;
    if (q.songs) {
      catalog::page<catalog::song> page;
      if (!nothing_searchable) {
        std::optional<std::string> exact;
        auto fuzzy = opt_query(words, true, exact);
        auto r = tx.exec_params("SELECT "s + rows::song_columns + ", count(*) OVER ()" + rows::song_from +
                                    song_search_sql_tail,
                                null_or(fuzzy), null_or(exact), null_or(q.genre), null_or(years_from),
                                null_or(years_to), null_or(q.country), whole, q.limit, q.offset);
        for (const auto& row : r) {
          page.items.push_back(rows::song_from_row(row));
          page.total = row[15].as<std::int64_t>();
        }
      }
      out.songs = std::move(page);
    }
    if (q.authors) {
      catalog::page<catalog::author> page;
      bool applicable = true;
      auto author_words = for_authors(words, applicable);
      // Genre and year describe songs, not people: such a search lists no authors.
      if (!nothing_searchable && applicable && !q.genre && !q.years && (!author_words.empty() || q.country)) {
        std::optional<std::string> exact;
        auto fuzzy = opt_query(author_words, false, exact);
        auto r = tx.exec_params(author_search_sql, null_or(fuzzy), null_or(exact), null_or(q.country), whole,
                                q.limit, q.offset);
        for (const auto& row : r) {
          page.items.push_back(rows::author_from_row(row));
          page.total = row[6].as<std::int64_t>();
        }
      }
      out.authors = std::move(page);
    }
    if (q.albums) {
      catalog::page<catalog::album> page;
      bool applicable = true;
      auto album_words = for_albums(words, applicable);
      if (!nothing_searchable && applicable && !q.genre && (!album_words.empty() || q.country || q.years)) {
        std::optional<std::string> exact;
        auto fuzzy = opt_query(album_words, true, exact);
        auto r = tx.exec_params(album_search_sql, null_or(fuzzy), null_or(exact), null_or(years_from),
                                null_or(years_to), null_or(q.country), whole, q.limit, q.offset);
        for (const auto& row : r) {
          page.items.push_back(rows::album_from_row(row));
          page.total = row[6].as<std::int64_t>();
          page.items.back().track_count = row[7].as<int>();
        }
      }
      out.albums = std::move(page);
    }
    return out;
  });
}

}  // namespace tonearm::store
