// Catalog reads: entities by id and search.
#include "tonearm/store/catalog_repository.hpp"

#include <pqxx/pqxx>

#include "catalog_rows.hpp"

namespace tonearm::store {

using namespace std::string_literals;

namespace {

const char* null_or(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

// Each word of the terms, folded and tokenised by the same parser that built the
// documents, with
// - completions: the catalog words it is a prefix of (itself included), most
//   frequent first; search_words.word is COLLATE "C", so they are one range scan;
// - corrections, for a word that is not itself a catalog word: catalog words with
//   some trigrams in common (a low bar, so "glvoe" still finds "glove") and an edit
//   distance small for the word's length (1 up to 4 letters, 2 up to 8, else 3),
//   leaving out completions.
constexpr const char* analyse_sql = R"sql(
SELECT t.idx, l.lexeme,
       ARRAY(SELECT w.word FROM search_words w
             WHERE w.word >= l.lexeme AND w.word < l.lexeme || chr(1114111)
             ORDER BY w.ndoc DESC, w.word LIMIT $2) AS completions,
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

// Ranking is bounded work: candidates are the most popular matches (at most
// max_search_results) of the words as typed and of the widened query, plus titles
// equal to the query; only they are ranked. Each candidate query is either a GIN
// bitmap scan (rare words) or a walk down the popularity index (common words), as
// the planner estimates.
struct entity_sql {
  const char* from;          // candidate FROM, alias x for the entity
  const char* filters;       // extra conditions
  const char* tsv;           // the tsvector column
  const char* fold;          // the folded name/title expression
  const char* popularity;    // ORDER BY of a candidate walk
};

std::string candidates(const entity_sql& e, bool have_terms, bool widened) {
  std::string limit = std::to_string(catalog::max_search_results);
  auto branch = [&](const std::string& cond, const std::string& tail) {
    return "(SELECT x.id " + std::string(e.from) + " WHERE " + cond + " AND " + e.filters + tail + ")";
  };
  std::string walk = " ORDER BY " + std::string(e.popularity) + " LIMIT " + limit;
  if (!have_terms) return branch("true", walk);
  std::string out = branch(std::string(e.tsv) + " @@ $2::tsquery", walk);
  if (widened) out += " UNION " + branch(std::string(e.tsv) + " @@ $1::tsquery", walk);
  out += " UNION " + branch(std::string(e.fold) + " = tonearm_fold($7::text)", " LIMIT 50");
  return out;
}

// Parameters of every entity query: $1 widened tsquery, $2 as-typed tsquery (both
// null without words), $3 genre, $4/$5 years, $6 country, $7 the whole query text,
// $8 limit, $9 offset.
const entity_sql song_entity{
    "FROM songs x JOIN authors xa ON xa.id = x.author_id",
    "($3::text IS NULL OR x.genre_fold = tonearm_fold($3::text)) "
    "AND ($4::int IS NULL OR x.release_year BETWEEN $4::int AND $5::int) "
    "AND ($6::text IS NULL OR upper(xa.country) = $6::text)",
    "x.search_tsv", "tonearm_fold(x.title)", "x.play_count DESC, x.id"};

const entity_sql author_entity{
    "FROM authors x",
    "$3::text IS NULL AND $4::int IS NULL AND $5::int IS NULL "  // genre and years describe songs
    "AND ($6::text IS NULL OR upper(x.country) = $6::text)",
    "x.search_tsv", "x.name_fold", "x.play_count DESC, x.id"};

const entity_sql album_entity{
    "FROM albums x JOIN authors xa ON xa.id = x.author_id",
    "$3::text IS NULL "
    "AND ($4::int IS NULL OR extract(year FROM x.release_date)::int BETWEEN $4::int AND $5::int) "
    "AND ($6::text IS NULL OR upper(xa.country) = $6::text)",
    "x.search_tsv", "tonearm_fold(x.title)", "x.play_count DESC, x.id"};

// Ranks the candidates with what songs holds, then joins authors and albums for the
// page's rows only.
std::string song_search_sql(bool have_terms, bool widened) {
  return "WITH cand AS (" + candidates(song_entity, have_terms, widened) + "),"
         " ranked AS (SELECT s.id, count(*) OVER () AS total,"
         "   (s.search_tsv @@ $2::tsquery) AS k1, (tonearm_fold(s.title) = tonearm_fold($7::text)) AS k2,"
         "   coalesce(ts_rank_cd(s.search_tsv, $1::tsquery), 0) * (1 + ln(1 + s.play_count) / 10) AS k3,"
         "   s.play_count AS k4"
         "   FROM cand JOIN songs s ON s.id = cand.id"
         "   ORDER BY k1 DESC NULLS LAST, k2 DESC, k3 DESC, k4 DESC, s.id LIMIT $8 OFFSET $9)"
         " SELECT " + std::string(rows::song_columns) + ", least(r.total, " +
         std::to_string(catalog::max_search_results) + ")" +
         " FROM ranked r JOIN songs s ON s.id = r.id JOIN authors a ON a.id = s.author_id"
         " LEFT JOIN albums al ON al.id = s.album_id"
         " ORDER BY r.k1 DESC NULLS LAST, r.k2 DESC, r.k3 DESC, r.k4 DESC, s.id";
}

std::string author_search_sql(bool have_terms, bool widened) {
  return "WITH cand AS (" + candidates(author_entity, have_terms, widened) + ") SELECT " + rows::author_columns +
         ", least(count(*) OVER (), " + std::to_string(catalog::max_search_results) + ")" +
         " FROM cand JOIN authors a ON a.id = cand.id"
         " ORDER BY (a.search_tsv @@ $2::tsquery) DESC NULLS LAST, (a.name_fold = tonearm_fold($7::text)) DESC,"
         " coalesce(ts_rank_cd(a.search_tsv, $1::tsquery), 0) * (1 + ln(1 + a.play_count) / 10) DESC,"
         " a.play_count DESC, a.id LIMIT $8 OFFSET $9";
}

std::string album_search_sql(bool have_terms, bool widened) {
  return "SELECT p.*, (SELECT count(*) FROM songs t WHERE t.album_id = p.id) FROM (WITH cand AS (" +
         candidates(album_entity, have_terms, widened) + ") SELECT " + rows::album_columns +
         ", least(count(*) OVER (), " + std::to_string(catalog::max_search_results) + ") AS total" +
         " FROM cand JOIN albums al ON al.id = cand.id JOIN authors a ON a.id = al.author_id"
         " ORDER BY (al.search_tsv @@ $2::tsquery) DESC NULLS LAST, (tonearm_fold(al.title) = tonearm_fold($7::text)) DESC,"
         " coalesce(ts_rank_cd(al.search_tsv, $1::tsquery), 0) * (1 + ln(1 + al.play_count) / 10) DESC,"
         " al.play_count DESC, al.id LIMIT $8 OFFSET $9) p";
}

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
    auto array_of = [](const pqxx::field& f) {
      std::vector<std::string> out;
      auto parser = f.as_array();
      for (auto elem = parser.get_next(); elem.first != pqxx::array_parser::done; elem = parser.get_next())
        if (elem.first == pqxx::array_parser::string_value) out.push_back(elem.second);
      return out;
    };
    std::vector<catalog::analysed_word> words;
    if (!texts.empty()) {
      tx.exec("SET LOCAL pg_trgm.similarity_threshold = 0.15");
      for (const auto& row : tx.exec_params(analyse_sql, to_pg_array(texts), catalog::max_completions)) {
        catalog::analysed_word w;
        w.field = q.terms[row[0].as<std::size_t>() - 1].field;
        w.lexeme = row[1].as<std::string>();
        w.completions = array_of(row[2]);
        w.corrections = array_of(row[3]);
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
    auto run = [&](const std::vector<catalog::analysed_word>& ws, bool weights, auto build_sql) {
      std::optional<std::string> exact, fuzzy;
      if (!ws.empty()) {
        auto tsq = catalog::build_tsqueries(ws, weights);
        exact = tsq.exact;
        fuzzy = tsq.fuzzy;
      }
      bool widened = fuzzy && fuzzy != exact;
      return tx.exec_params(build_sql(!ws.empty(), widened), null_or(fuzzy), null_or(exact), null_or(q.genre),
                            null_or(years_from), null_or(years_to), null_or(q.country), whole, q.limit, q.offset);
    };

    search_results out;
    if (q.songs) {
      catalog::page<catalog::song> page;
      if (!nothing_searchable) {
        for (const auto& row : run(words, true, song_search_sql)) {
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
      if (!nothing_searchable && applicable && (!author_words.empty() || q.country)) {
        for (const auto& row : run(author_words, false, author_search_sql)) {
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
      if (!nothing_searchable && applicable && (!album_words.empty() || q.country || q.years)) {
        for (const auto& row : run(album_words, true, album_search_sql)) {
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
