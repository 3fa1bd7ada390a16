// Named catalog statements.
#include "catalog_statements.hpp"

#include <string>

#include "catalog_rows.hpp"

namespace tonearm::store {

namespace {

// Each word of the terms, folded and tokenised by the same parser that built the
// documents, with its corrections when it is not itself a catalog word: catalog words
// with some trigrams in common (a low bar, so "glvoe" still finds "glove") and an edit
// distance small for the word's length (1 up to 4 letters, 2 up to 8, else 3), leaving
// out words it is a prefix of (the prefix match finds those).
//
// One round trip: row 0 carries the folded whole query ($2) as lexeme and the folded
// genre ($3) as the only "correction"; rows 1.. are the words of term idx.
constexpr const char* analyse_sql = R"sql(
SELECT 0::bigint AS idx, tonearm_fold($2::text) AS lexeme,
       CASE WHEN $3::text IS NULL THEN '{}'::text[] ELSE ARRAY[tonearm_fold($3::text)] END AS corrections
UNION ALL
(SELECT t.idx, l.lexeme,
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
CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('simple', tonearm_fold(t.txt)))) AS l(lexeme))
ORDER BY idx
)sql";

}  // namespace

void prepare_catalog_statements(pqxx::connection& c) {
  using namespace std::string_literals;
  // The similarity bar for analyse_sql's "%" is the session's pg_trgm.similarity_threshold,
  // set to 0.15 by pg_pool::prepare_connection.
  c.prepare(statement::search_analyse, analyse_sql);
  c.prepare(statement::songs_by_ids, "SELECT "s + rows::song_columns + rows::song_from +
                                         "JOIN unnest($1::bigint[]) WITH ORDINALITY AS ids(id, ord) ON ids.id = s.id"
                                         " ORDER BY ids.ord");
  c.prepare(statement::authors_by_ids, "SELECT "s + rows::author_columns +
                                           " FROM authors a JOIN unnest($1::bigint[]) WITH ORDINALITY AS ids(id, ord)"
                                           " ON ids.id = a.id ORDER BY ids.ord");
  c.prepare(statement::albums_by_ids, "SELECT "s + rows::album_columns +
                                          ", (SELECT count(*) FROM songs t WHERE t.album_id = al.id)"
                                          " FROM albums al JOIN authors a ON a.id = al.author_id"
                                          " JOIN unnest($1::bigint[]) WITH ORDINALITY AS ids(id, ord) ON ids.id = al.id"
                                          " ORDER BY ids.ord");
}

}  // namespace tonearm::store
