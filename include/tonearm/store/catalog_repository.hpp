// All catalog SQL for reading: entities, search analysis and search index documents.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "tonearm/catalog/search_index.hpp"
#include "tonearm/catalog/search_query.hpp"
#include "tonearm/catalog/types.hpp"
#include "tonearm/store/pg_pool.hpp"
#include "tonearm/store/read_route.hpp"

namespace tonearm::store {

class catalog_repository {
 public:
  // Reads go where `reads` says (a standby that keeps up), writes to `db`.
  explicit catalog_repository(pg_pool& db, const read_route* reads = nullptr) : db_(db), reads_(reads) {}

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

  std::vector<catalog::author> authors_by_ids(const std::vector<std::int64_t>& ids) const;

  // The cover of an album ('l'), a song ('s': its own picture, else its album's) or an
  // author ('a': the cover of their most played album that has one): the blob keys of
  // its served sizes (64, 300, 640 px). nullopt when there is none.
  struct cover_keys {
    std::string image_key;
    std::array<std::string, 3> sizes;
  };
  std::optional<cover_keys> cover_of(char kind, std::int64_t id) const;
  std::vector<catalog::album> albums_by_ids(const std::vector<std::int64_t>& ids) const;

  // The query's terms folded and tokenised by the parser that built the documents,
  // each word with its typo corrections from the dictionary; the folded whole query
  // text; the folded genre.
  struct analysis {
    std::vector<std::pair<std::size_t, catalog::index_word>> words;  // term index, word
    std::string whole_fold;
    std::optional<std::string> genre_fold;
  };
  analysis analyse(const std::vector<std::string>& terms, const std::optional<std::string>& genre) const;

  enum class entity { songs, authors, albums };
  // Every document of `entity` for the in-process search index, read in batches.
  // Throws catalog::build_stopped between batches once `stop` is requested.
  std::vector<catalog::index_doc> load_index_docs(entity e, std::stop_token stop = {}) const;
  // How each folded genre is written in the catalog (one song's spelling), in order.
  std::vector<std::string> genre_names(const std::vector<std::string>& folds) const;
  // The catalog_version counters: `edits` moves on catalog changes, `popularity` on
  // play count updates.
  struct versions {
    std::int64_t edits = 0, popularity = 0;
    bool operator==(const versions&) const = default;
  };
  versions catalog_version() const;
  // Adds plays to songs (and their authors and albums) in one transaction.
  void add_plays(const std::vector<std::pair<std::int64_t, std::int64_t>>& song_plays) const;

 private:
  pg_pool& reader() const { return reads_ ? reads_->pool() : db_; }
  pg_pool& db_;
  const read_route* reads_;
};

// Formats a PostgreSQL array literal of text values: {"a","b\"c"}.
std::string to_pg_array(const std::vector<std::string>& values);

}  // namespace tonearm::store
