// Search: PostgreSQL analyses the words, in-process indexes find and rank, PostgreSQL
// returns the page's rows. A background thread rebuilds the indexes when the
// catalog_version counter moves.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <atomic>
#include <mutex>
#include <vector>
#include <optional>
#include <stop_token>
#include <thread>

#include "tonearm/catalog/search_index.hpp"
#include "tonearm/catalog/search_query.hpp"
#include "tonearm/catalog/types.hpp"
#include "tonearm/core/lru_cache.hpp"
#include "tonearm/store/catalog_repository.hpp"

namespace tonearm::catalog {

struct search_results {
  std::optional<page<song>> songs;
  std::optional<page<author>> authors;
  std::optional<page<album>> albums;
};

class search_service {
 public:
  // `refresh`: how often to look at catalog_version; a catalog edit rebuilds then, a
  // play count change only once `popularity_refresh` has passed since the last build.
  search_service(store::catalog_repository& repo, std::chrono::milliseconds refresh,
                 std::chrono::milliseconds popularity_refresh);
  ~search_service();
  search_service(const search_service&) = delete;
  search_service& operator=(const search_service&) = delete;

  // Builds the indexes now (a failure is logged and leaves them empty) and starts
  // the background refresh.
  void start();
  // Rebuilds now when the catalog changed since the last build. Returns true when it
  // rebuilt. Throws on database errors, and build_stopped once `stop` is requested.
  bool refresh_if_changed(std::stop_token stop = {});

  // Blocking (database): call from a worker thread.
  search_results search(const search_query& q) const;

  // The catalog's genres with their number of songs, most first (at most 200; from the
  // current index, so no database work).
  struct genre_count {
    std::string name;
    std::int64_t songs = 0;
  };
  std::vector<genre_count> genres() const;

  // Indexes replaced by a rebuild but still held by a search. They are freed by the
  // rebuild thread (at its next check) once no search holds them: never under the
  // lock every search takes, never by the search that let go last (freeing an index of
  // millions of songs takes seconds).
  std::size_t retired() const;
  // The current indexes, held as a search holds them (for tests of the above).
  std::shared_ptr<const void> pin() const { return current(); }


 private:
  struct indexes {
    search_index songs, authors, albums;
    std::int64_t version = 0;  // catalog_version.version it was built at (0: never)
    std::int64_t popularity = 0;
    std::chrono::steady_clock::time_point built{};
    double build_seconds = 0;
    std::vector<genre_count> genres;
  };
  std::shared_ptr<const indexes> current() const;
  void refresh_loop(std::stop_token stop);
  // Analyses are a pure function of the words and the dictionary: cached (LRU) per
  // index version, since search traffic repeats itself (prefixes typed, hits).
  store::catalog_repository::analysis analyse(const std::vector<std::string>& terms,
                                               const std::optional<std::string>& genre, std::int64_t version) const;

  store::catalog_repository& repo_;
  std::chrono::milliseconds refresh_;
  std::chrono::milliseconds popularity_refresh_;
  mutable std::mutex mutex_;
  std::shared_ptr<const indexes> indexes_;
  std::mutex rebuild_mutex_;  // one rebuild at a time
  // Replaced indexes still in use (see retired()); under rebuild_mutex_.
  std::vector<std::shared_ptr<const indexes>> retired_;
  std::atomic<std::size_t> retired_count_{0};
  void free_retired();
  std::condition_variable_any wake_;
  static constexpr std::size_t analysis_cache_size = 10000;
  mutable std::mutex cache_mutex_;
  mutable core::lru_cache<store::catalog_repository::analysis> cache_{analysis_cache_size};
  mutable std::int64_t cache_version_ = -1;
  std::jthread refresher_;
};

}  // namespace tonearm::catalog
