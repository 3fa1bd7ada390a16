// Search orchestration and index refresh.
#include "tonearm/catalog/search_service.hpp"

#include <malloc.h>

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "tonearm/metrics/metrics.hpp"

namespace tonearm::catalog {

namespace {
struct search_metrics {
  prometheus::Family<prometheus::Gauge>& documents =
      metrics::gauge("tonearm_search_index_documents", "Documents in the in-memory search index, by kind.");
  prometheus::Gauge& songs = documents.Add({{"kind", "song"}});
  prometheus::Gauge& authors = documents.Add({{"kind", "author"}});
  prometheus::Gauge& albums = documents.Add({{"kind", "album"}});
  prometheus::Gauge& bytes =
      metrics::gauge("tonearm_search_index_bytes", "Memory held by the search index.").Add({});
  prometheus::Gauge& build_seconds =
      metrics::gauge("tonearm_search_index_build_seconds", "How long the last index build took.").Add({});
  prometheus::Gauge& version =
      metrics::gauge("tonearm_search_index_version", "The catalog edit version the index was built from.").Add({});
  prometheus::Counter& builds = metrics::counter("tonearm_search_index_builds_total", "Index builds.").Add({});
  prometheus::Family<prometheus::Counter>& analyses = metrics::counter(
      "tonearm_search_analysis_lookups_total", "Query analyses (typo candidates), by cache outcome.");
  prometheus::Counter& hits = analyses.Add({{"cache", "hit"}});
  prometheus::Counter& misses = analyses.Add({{"cache", "miss"}});
};
search_metrics& stats() {
  static search_metrics m;
  return m;
}
// Registered at start, so every family is exposed before its first event.
[[maybe_unused]] const auto& registered = stats();
}  // namespace


namespace {

// What each entity's document knows of a field: songs weigh title A, author B,
// album C; albums weigh their title A and author B; authors have one field. A term
// restricted to a field the entity lacks means the entity has no match.
std::optional<std::uint8_t> weights_for(search_field f, store::catalog_repository::entity e) {
  using entity = store::catalog_repository::entity;
  switch (f) {
    case search_field::any: return std::uint8_t{0};
    case search_field::title:
      if (e == entity::songs) return std::uint8_t{weight_a};
      return std::nullopt;
    case search_field::author:
      if (e == entity::songs || e == entity::albums) return std::uint8_t{weight_b};
      return std::uint8_t{0};
    case search_field::album:
      if (e == entity::songs) return std::uint8_t{weight_c};
      if (e == entity::albums) return std::uint8_t{weight_a};
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

search_service::search_service(store::catalog_repository& repo, std::chrono::milliseconds refresh,
                               std::chrono::milliseconds popularity_refresh)
    : repo_(repo), refresh_(refresh), popularity_refresh_(popularity_refresh), indexes_(std::make_shared<indexes>()) {}

search_service::~search_service() {
  if (refresher_.joinable()) {
    refresher_.request_stop();
    wake_.notify_all();
  }
}

void search_service::start() {
  try {
    refresh_if_changed();
  } catch (const std::exception& e) {
    spdlog::error("search index build failed ({}); search answers from empty indexes until a rebuild works", e.what());
  }
  refresher_ = std::jthread([this](std::stop_token stop) { refresh_loop(stop); });
}

std::shared_ptr<const search_service::indexes> search_service::current() const {
  std::lock_guard lock(mutex_);
  return indexes_;
}

std::vector<search_service::genre_count> search_service::genres() const { return current()->genres; }

std::size_t search_service::retired() const { return retired_count_.load(); }

void search_service::free_retired() {
  // use_count 1: only this list holds it, and no search can take it again.
  auto freed = std::erase_if(retired_, [](const auto& old) { return old.use_count() == 1; });
  retired_count_ = retired_.size();
  // glibc keeps what an index of millions of small allocations gave back in its arenas,
  // and the next build does not reuse all of it: without this, RSS grew by ~60 % of an
  // index with each rebuild (1 M songs: 616 MB after the first build, 1.36 GB after
  // three more).
  if (freed > 0) ::malloc_trim(0);
}

bool search_service::refresh_if_changed(std::stop_token stop) {
  std::lock_guard rebuild(rebuild_mutex_);
  free_retired();
  auto versions = repo_.catalog_version();
  auto version = versions.edits;
  if (auto now = current(); now->version == version && version != 0) {
    bool popularity_due = now->popularity != versions.popularity &&
                          std::chrono::steady_clock::now() - now->built >= popularity_refresh_;
    if (!popularity_due) return false;
  }
  auto started = std::chrono::steady_clock::now();
  using entity = store::catalog_repository::entity;
  auto next = std::make_shared<indexes>();
  next->songs = search_index(repo_.load_index_docs(entity::songs, stop), stop);
  next->authors = search_index(repo_.load_index_docs(entity::authors, stop), stop);
  next->albums = search_index(repo_.load_index_docs(entity::albums, stop), stop);
  auto counts = next->songs.genre_counts();
  if (counts.size() > 200) counts.resize(200);
  std::vector<std::string> folds;
  for (const auto& c : counts) folds.push_back(c.first);
  auto names = repo_.genre_names(folds);
  for (std::size_t i = 0; i < counts.size() && i < names.size(); ++i)
    next->genres.push_back(genre_count{names[i], counts[i].second});
  next->version = version;
  next->popularity = versions.popularity;
  next->built = std::chrono::steady_clock::now();
  next->build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("search index v{} built: {} songs, {} authors, {} albums, {:.1f} MB, {:.2f} s", version,
               next->songs.size(), next->authors.size(), next->albums.size(),
               static_cast<double>(next->songs.memory_bytes() + next->authors.memory_bytes() +
                                   next->albums.memory_bytes()) / 1e6,
               next->build_seconds);
  stats().songs.Set(static_cast<double>(next->songs.size()));
  stats().authors.Set(static_cast<double>(next->authors.size()));
  stats().albums.Set(static_cast<double>(next->albums.size()));
  stats().bytes.Set(static_cast<double>(next->songs.memory_bytes() + next->authors.memory_bytes() +
                                        next->albums.memory_bytes()));
  stats().build_seconds.Set(next->build_seconds);
  stats().version.Set(static_cast<double>(version));
  stats().builds.Increment();
  std::shared_ptr<const indexes> old;
  {
    std::lock_guard lock(mutex_);
    old = std::exchange(indexes_, std::move(next));
  }
  // Freed here, outside the lock, or later by this thread if a search still holds it.
  if (old) retired_.push_back(std::move(old));
  free_retired();
  return true;
}

void search_service::refresh_loop(std::stop_token stop) {
  std::mutex m;
  std::unique_lock lock(m);
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, refresh_, [] { return false; });
    if (stop.stop_requested()) break;
    try {
      refresh_if_changed(stop);
    } catch (const build_stopped&) {
      spdlog::info("search index rebuild stopped: shutting down");
      break;
    } catch (const std::exception& e) {
      spdlog::warn("search index refresh failed: {}", e.what());
    }
  }
}

store::catalog_repository::analysis search_service::analyse(const std::vector<std::string>& terms,
                                                            const std::optional<std::string>& genre,
                                                            std::int64_t version) const {
  std::string key = analysis_key(terms, genre);
  {
    std::lock_guard lock(cache_mutex_);
    if (cache_version_ != version) {
      cache_.clear();
      cache_version_ = version;
    }
    if (auto* hit = cache_.find(key)) {
      stats().hits.Increment();
      return *hit;
    }
  }
  stats().misses.Increment();
  auto result = repo_.analyse(terms, genre);
  std::lock_guard lock(cache_mutex_);
  if (cache_version_ == version) cache_.insert(key, result);
  return result;
}

search_results search_service::search(const search_query& q) const {
  std::vector<std::string> texts;
  for (const auto& t : q.terms) texts.push_back(t.text);
  auto idx = current();
  auto analysis = analyse(texts, q.genre, idx->version);
  // Terms that fold to nothing searchable ("!!!") match nothing rather than everything.
  bool nothing_searchable = !texts.empty() && analysis.words.empty();

  using entity = store::catalog_repository::entity;
  auto query_for = [&](entity e) -> std::optional<index_query> {
    if (nothing_searchable) return std::nullopt;
    index_query iq;
    for (const auto& [term, word] : analysis.words) {
      // An analysis is of exactly these terms (the cache key says so); never index past them.
      if (term >= q.terms.size())
        throw std::logic_error("search analysis names term " + std::to_string(term) + " of " +
                               std::to_string(q.terms.size()));
      auto weights = weights_for(q.terms[term].field, e);
      if (!weights) return std::nullopt;
      index_word w = word;
      w.weights = *weights;
      iq.words.push_back(std::move(w));
    }
    iq.genre_fold = analysis.genre_fold;
    iq.years = q.years;
    iq.country = q.country;
    iq.whole_fold = analysis.whole_fold;
    iq.limit = q.limit;
    iq.offset = q.offset;
    return iq;
  };

  // One section: search its index when the query applies to it, fetch the page's rows.
  auto section = [](const std::optional<index_query>& iq, bool applies, const search_index& index, auto fetch) {
    page<typename decltype(fetch(std::vector<std::int64_t>{}))::value_type> p;
    if (iq && applies) {
      auto r = index.search(*iq);
      p.total = r.total;
      if (!r.ids.empty()) p.items = fetch(r.ids);
    }
    return p;
  };
  search_results out;
  if (q.songs) {
    auto iq = query_for(entity::songs);
    out.songs = section(iq, true, idx->songs, [&](const auto& ids) { return repo_.songs_by_ids(ids); });
  }
  if (q.authors) {
    // Without words only a country lists authors; genre and year describe songs.
    auto iq = query_for(entity::authors);
    bool applies = iq && (!iq->words.empty() || q.country) && !q.genre && !q.years;
    out.authors = section(iq, applies, idx->authors, [&](const auto& ids) { return repo_.authors_by_ids(ids); });
  }
  if (q.albums) {
    auto iq = query_for(entity::albums);
    bool applies = iq && (!iq->words.empty() || q.country || q.years) && !q.genre;
    out.albums = section(iq, applies, idx->albums, [&](const auto& ids) { return repo_.albums_by_ids(ids); });
  }
  return out;
}

}  // namespace tonearm::catalog
