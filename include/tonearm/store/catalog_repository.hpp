// All catalog SQL for reading: entities and search.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tonearm/catalog/search_query.hpp"
#include "tonearm/catalog/types.hpp"
#include "tonearm/store/pg_pool.hpp"

namespace tonearm::store {

struct search_results {
  std::optional<catalog::page<catalog::song>> songs;
  std::optional<catalog::page<catalog::author>> authors;
  std::optional<catalog::page<catalog::album>> albums;
};

class catalog_repository {
 public:
  explicit catalog_repository(pg_pool& db) : db_(db) {}

  std::optional<catalog::song> find_song(std::int64_t id) const;
  std::optional<catalog::author> find_author(std::int64_t id) const;
  std::optional<catalog::album> find_album(std::int64_t id) const;
  // Most played first.
  std::vector<catalog::song> top_songs_by_author(std::int64_t author_id, int limit) const;
  // Newest first.
  std::vector<catalog::album> albums_by_author(std::int64_t author_id) const;
  // In track order.
  std::vector<catalog::song> album_tracks(std::int64_t album_id) const;
  // Songs by ids, in the order given; unknown ids are left out.
  std::vector<catalog::song> songs_by_ids(const std::vector<std::int64_t>& ids) const;

  // Runs the search for each requested type. Words are folded, tokenised and typo-
  // corrected in PostgreSQL; matches of the words as typed rank before matches
  // found only through a correction.
  search_results search(const catalog::search_query& q) const;

 private:
  pg_pool& db_;
};

// Formats a PostgreSQL array literal of text values: {"a","b\"c"}.
std::string to_pg_array(const std::vector<std::string>& values);

}  // namespace tonearm::store
