// In-process search index: build, match with bitsets, rank a bounded candidate set.
#include "tonearm/catalog/search_index.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <tuple>

namespace tonearm::catalog {

namespace {

// Longest completion list a prefix expands to; short prefixes ("l") keep the most
// frequent words, which is what search-as-you-type shows first anyway.
constexpr std::size_t max_prefix_words = 64;
// Candidates ranked per tier for pages within the first rank_window results.
constexpr std::size_t rank_window = 200;

double weight_value(std::uint8_t bits) {
  if (bits & weight_a) return 1.0;
  if (bits & weight_b) return 0.4;
  if (bits & weight_c) return 0.2;
  if (bits & weight_d) return 0.1;
  return 0.0;
}

void and_into(std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] &= b[i];
}

void or_into(std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] |= b[i];
}

std::int64_t popcount(const std::vector<std::uint64_t>& a) {
  std::int64_t n = 0;
  for (auto w : a) n += std::popcount(w);
  return n;
}

// Appends the first `max` set bits of `a` (ascending) to `out`.
void first_bits(const std::vector<std::uint64_t>& a, std::size_t max, std::vector<std::uint32_t>& out) {
  std::size_t taken = 0;
  for (std::size_t i = 0; i < a.size() && taken < max; ++i) {
    auto w = a[i];
    while (w && taken < max) {
      out.push_back(static_cast<std::uint32_t>(i * 64 + static_cast<std::size_t>(std::countr_zero(w))));
      w &= w - 1;
      ++taken;
    }
  }
}

bool test_bit(const std::vector<std::uint64_t>& a, std::uint32_t doc) { return (a[doc / 64] >> (doc % 64)) & 1; }

}  // namespace

std::vector<std::pair<std::string, std::uint8_t>> parse_tsvector_text(const std::string& text) {
  std::vector<std::pair<std::string, std::uint8_t>> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || text[i] != '\'') break;
    ++i;
    std::string lexeme;
    while (i < text.size()) {
      if (text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        lexeme.push_back('\'');
        i += 2;
      } else if (text[i] == '\\' && i + 1 < text.size()) {
        lexeme.push_back(text[i + 1]);
        i += 2;
      } else if (text[i] == '\'') {
        ++i;
        break;
      } else {
        lexeme.push_back(text[i++]);
      }
    }
    // Positions: "1A,2,3C"; a position without a letter is weight D.
    std::uint8_t bits = 0;
    if (i < text.size() && text[i] == ':') {
      ++i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
        char c = i < text.size() ? text[i] : ' ';
        if (c == 'A') bits |= weight_a;
        else if (c == 'B') bits |= weight_b;
        else if (c == 'C') bits |= weight_c;
        else bits |= weight_d;
        if (c == 'A' || c == 'B' || c == 'C' || c == 'D') ++i;
        if (i < text.size() && text[i] == ',') ++i;
      }
    }
    out.emplace_back(std::move(lexeme), bits ? bits : std::uint8_t{weight_d});
  }
  return out;
}

search_index::search_index(std::vector<index_doc> docs, std::stop_token stop) {
  auto check = [&stop](std::size_t i) {
    if (i % 4096 == 0 && stop.stop_requested()) throw build_stopped();
  };
  check(0);
  std::sort(docs.begin(), docs.end(), [](const index_doc& a, const index_doc& b) {
    return std::tie(b.popularity, a.id) < std::tie(a.popularity, b.id);  // most popular first
  });
  // Intern the lexemes (a hash map, not a sort of every occurrence), then number the
  // distinct words in sorted order for prefix ranges.
  std::unordered_map<std::string, std::uint32_t> word_ids;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    check(i);
    for (const auto& w : docs[i].words) word_ids.emplace(w.first, 0);
  }
  words_.reserve(word_ids.size());
  for (const auto& [w, unused] : word_ids) words_.push_back(w);
  check(0);
  std::sort(words_.begin(), words_.end());
  for (std::uint32_t i = 0; i < words_.size(); ++i) word_ids[words_[i]] = i;
  postings_.resize(words_.size());
  posting_weights_.resize(words_.size());

  const std::size_t n = docs.size();
  ids_.reserve(n);
  popularity_.reserve(n);
  title_fold_.reserve(n);
  forward_offset_.reserve(n + 1);
  std::size_t words_in_bits = (n + 63) / 64;
  for (std::uint32_t doc = 0; doc < n; ++doc) {
    check(doc);
    auto& d = docs[doc];
    ids_.push_back(d.id);
    popularity_.push_back(d.popularity);
    by_title_[d.title_fold].push_back(doc);
    title_fold_.push_back(std::move(d.title_fold));
    forward_offset_.push_back(static_cast<std::uint32_t>(forward_.size()));
    for (const auto& [lexeme, bits] : d.words) {
      auto word = word_ids.find(lexeme)->second;
      forward_.emplace_back(word, bits);
      postings_[word].push_back(doc);
      posting_weights_[word].push_back(bits);
    }
    auto set = [&](bitset& b) {
      if (b.empty()) b.assign(words_in_bits, 0);
      b[doc / 64] |= std::uint64_t{1} << (doc % 64);
    };
    if (!d.genre_fold.empty()) set(genre_bits_[d.genre_fold]);
    if (!d.country.empty()) set(country_bits_[d.country]);
    if (d.year) set(year_bits_[d.year]);
  }
  forward_offset_.push_back(static_cast<std::uint32_t>(forward_.size()));
  for (std::uint32_t word = 0; word < postings_.size(); ++word) {
    if (postings_[word].size() * 32 < n || postings_[word].size() < 4096) continue;
    bitset b = empty_bits();
    for (auto doc : postings_[word]) b[doc / 64] |= std::uint64_t{1} << (doc % 64);
    dense_.emplace(word, std::move(b));
  }
}

std::vector<std::pair<std::string, std::int64_t>> search_index::genre_counts() const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  out.reserve(genre_bits_.size());
  for (const auto& [genre, bits] : genre_bits_) {
    std::int64_t n = 0;
    for (auto word : bits) n += std::popcount(word);
    out.emplace_back(genre, n);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return out;
}

std::size_t search_index::memory_bytes() const {
  std::size_t bytes = ids_.size() * (8 + 8 + sizeof(std::string) + 4) + forward_.size() * 8;
  for (const auto& t : title_fold_) bytes += t.capacity() > 15 ? t.capacity() : 0;
  for (std::size_t w = 0; w < words_.size(); ++w) bytes += words_[w].size() + 32 + postings_[w].size() * 5;
  bytes += dense_.size() * ((ids_.size() + 63) / 64) * 8;
  std::size_t bitsets = genre_bits_.size() + country_bits_.size() + year_bits_.size();
  return bytes + bitsets * ((ids_.size() + 63) / 64) * 8;
}

search_index::bitset search_index::all_bits() const {
  bitset b((ids_.size() + 63) / 64, ~std::uint64_t{0});
  if (ids_.size() % 64) b.back() = (std::uint64_t{1} << (ids_.size() % 64)) - 1;
  return b;
}

std::vector<std::uint32_t> search_index::completions(const std::string& prefix, std::size_t max) const {
  std::vector<std::uint32_t> out;
  for (auto it = std::lower_bound(words_.begin(), words_.end(), prefix);
       it != words_.end() && it->compare(0, prefix.size(), prefix) == 0; ++it)
    out.push_back(static_cast<std::uint32_t>(it - words_.begin()));
  if (out.size() > max) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(max), out.end(),
                      [&](std::uint32_t a, std::uint32_t b) { return postings_[a].size() > postings_[b].size(); });
    out.resize(max);
  }
  return out;
}

void search_index::add_postings(bitset& bits, std::uint32_t word, std::uint8_t weights) const {
  if (!weights) {
    if (auto it = dense_.find(word); it != dense_.end()) {
      or_into(bits, it->second);
      return;
    }
  }
  const auto& docs = postings_[word];
  const auto& masks = posting_weights_[word];
  for (std::size_t i = 0; i < docs.size(); ++i)
    if (!weights || (masks[i] & weights)) bits[docs[i] / 64] |= std::uint64_t{1} << (docs[i] % 64);
}

std::optional<search_index::bitset> search_index::filter_bits(const index_query& q) const {
  if (!q.genre_fold && !q.years && !q.country) return std::nullopt;
  bitset f = all_bits();
  auto and_named = [&](const std::unordered_map<std::string, bitset>& map, const std::string& key) {
    auto it = map.find(key);
    if (it == map.end()) f.assign(f.size(), 0);
    else and_into(f, it->second);
  };
  if (q.genre_fold) and_named(genre_bits_, *q.genre_fold);
  if (q.country) and_named(country_bits_, *q.country);
  if (q.years) {
    bitset y = empty_bits();
    for (const auto& [year, bits] : year_bits_)
      if (year >= q.years->from && year <= q.years->to) or_into(y, bits);
    and_into(f, y);
  }
  return f;
}

index_result search_index::search(const index_query& q) const {
  index_result result;
  if (ids_.empty()) return result;
  const std::size_t words_in_bits = (ids_.size() + 63) / 64;
  // Per-thread buffers: a search allocates nothing proportional to the catalog.
  thread_local bitset typed_all, widened_all, typed, widened;
  auto reset_all = [&](bitset& b) {
    b.assign(words_in_bits, ~std::uint64_t{0});
    if (ids_.size() % 64) b.back() = (std::uint64_t{1} << (ids_.size() % 64)) - 1;
  };
  reset_all(typed_all);

  // Per word: the word ids that count as typed (completions) and as corrected.
  struct word_sets {
    std::vector<std::uint32_t> typed, corrected;
    std::uint8_t weights;
    std::vector<std::uint32_t> all = {};  // typed + corrected, sorted
  };
  std::vector<word_sets> sets;
  bool any_corrections = false;
  for (const auto& w : q.words) {
    word_sets s{completions(w.lexeme, max_prefix_words), {}, w.weights};
    for (const auto& c : w.corrections) {
      auto it = std::lower_bound(words_.begin(), words_.end(), c);
      if (it != words_.end() && *it == c) s.corrected.push_back(static_cast<std::uint32_t>(it - words_.begin()));
    }
    s.all = s.typed;
    s.all.insert(s.all.end(), s.corrected.begin(), s.corrected.end());
    std::sort(s.all.begin(), s.all.end());
    any_corrections = any_corrections || !s.corrected.empty();
    sets.push_back(std::move(s));
  }
  if (any_corrections) reset_all(widened_all);
  for (const auto& s : sets) {
    typed.assign(words_in_bits, 0);
    for (auto word : s.typed) add_postings(typed, word, s.weights);
    if (any_corrections) {
      widened = typed;
      for (auto word : s.corrected) add_postings(widened, word, s.weights);
      and_into(widened_all, widened);
    }
    and_into(typed_all, typed);
  }
  if (auto f = filter_bits(q)) {
    and_into(typed_all, *f);
    if (any_corrections) and_into(widened_all, *f);
  }
  const bitset& matches = any_corrections ? widened_all : typed_all;
  result.total = std::min<std::int64_t>(popcount(matches), max_search_results);
  if (result.total == 0) return result;

  // Candidates: the most popular matches of each tier, plus titles equal to the query.
  // The window is the page's end rounded up to a multiple of rank_window: the first
  // rank_window results are one order, and deeper pages rank a larger window.
  std::size_t window = static_cast<std::size_t>(q.offset + q.limit);
  window = std::min<std::size_t>((window + rank_window - 1) / rank_window * rank_window, max_search_results);
  std::vector<std::uint32_t> candidates;
  first_bits(typed_all, window, candidates);
  if (any_corrections) first_bits(widened_all, window, candidates);
  if (auto it = by_title_.find(q.whole_fold); !q.whole_fold.empty() && it != by_title_.end()) {
    std::size_t taken = 0;  // the most popular ones, like the other tiers
    for (auto doc : it->second) {
      if (taken == window) break;
      if (test_bit(matches, doc)) {
        candidates.push_back(doc);
        ++taken;
      }
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  struct ranked {
    bool typed, exact_title;
    double score;
    std::uint32_t doc;
  };
  std::vector<ranked> ranking;
  ranking.reserve(candidates.size());
  for (auto doc : candidates) {
    double relevance = 0;
    for (const auto& s : sets) {
      std::uint8_t best = 0;
      for (auto i = forward_offset_[doc]; i < forward_offset_[doc + 1]; ++i) {
        auto [word, bits] = forward_[i];
        if (std::binary_search(s.all.begin(), s.all.end(), word)) best |= s.weights ? (bits & s.weights) : bits;
      }
      relevance += weight_value(best);
    }
    double score = relevance * (1 + std::log1p(static_cast<double>(std::max<std::int64_t>(popularity_[doc], 0))) / 10);
    ranking.push_back({test_bit(typed_all, doc), !q.whole_fold.empty() && title_fold_[doc] == q.whole_fold, score, doc});
  }
  // Documents are numbered in (popularity desc, id asc) order, so the doc number is
  // the final tie-breaker of the documented order.
  auto better = [](const ranked& a, const ranked& b) {
    if (a.typed != b.typed) return a.typed;
    if (a.exact_title != b.exact_title) return a.exact_title;
    if (a.score != b.score) return a.score > b.score;
    return a.doc < b.doc;
  };
  std::size_t end = std::min<std::size_t>(ranking.size(), static_cast<std::size_t>(q.offset + q.limit));
  end = std::min<std::size_t>(end, static_cast<std::size_t>(result.total));
  std::partial_sort(ranking.begin(), ranking.begin() + static_cast<std::ptrdiff_t>(end), ranking.end(), better);
  for (std::size_t i = static_cast<std::size_t>(q.offset); i < end; ++i) result.ids.push_back(ids_[ranking[i].doc]);
  return result;
}

}  // namespace tonearm::catalog
