#pragma once
// A least-recently-used cache keyed by string, bounded by the total weight of what it
// holds: one per entry by default (a count of entries), or what `Weigh` says (bytes).
// Used for search analyses, open blob files and hot-cache chunks in memory. Not
// thread-safe: the owner locks. Lookups take a string_view (no key copy to look up).
#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace tonearm::core {

struct unit_weight {
  template <class T>
  std::size_t operator()(const T&) const noexcept {
    return 1;
  }
};

template <class Value, class Weigh = unit_weight>
class lru_cache {
 public:
  explicit lru_cache(std::size_t capacity, Weigh weigh = {}) : capacity_(capacity), weigh_(std::move(weigh)) {}
  lru_cache(const lru_cache&) = delete;
  lru_cache& operator=(const lru_cache&) = delete;

  // The value under `key`, now the most recently used; nullptr when absent. The
  // pointer is valid until the next insert or clear.
  Value* find(std::string_view key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &it->second->value;
  }

  // Adds `value` under `key` as the most recently used and evicts the least recently
  // used until the weight fits. Returns the value now stored under `key` (an earlier
  // one is kept: a second insert of the same key loses) and whether it was added;
  // {nullptr, false} when the value alone weighs more than the capacity.
  std::pair<Value*, bool> insert(std::string_view key, Value value) {
    if (auto* existing = find(key)) return {existing, false};
    const std::size_t w = weigh_(value);
    if (w > capacity_) return {nullptr, false};
    entries_.push_front(entry{std::string(key), std::move(value), w});
    index_.emplace(std::string_view(entries_.front().key), entries_.begin());
    weight_ += w;
    while (weight_ > capacity_) {
      auto& last = entries_.back();
      weight_ -= last.weight;
      index_.erase(std::string_view(last.key));
      entries_.pop_back();
    }
    return {&entries_.front().value, true};
  }

  void clear() {
    index_.clear();
    entries_.clear();
    weight_ = 0;
  }

  std::size_t size() const { return entries_.size(); }
  std::size_t weight() const { return weight_; }
  std::size_t capacity() const { return capacity_; }

 private:
  struct entry {
    std::string key;
    Value value;
    std::size_t weight;  // as weighed when added
  };
  const std::size_t capacity_;
  Weigh weigh_;
  std::list<entry> entries_;  // most recently used first
  // Keys are views into entries_ (list nodes never move).
  std::unordered_map<std::string_view, typename std::list<entry>::iterator> index_;
  std::size_t weight_ = 0;
};

}  // namespace tonearm::core
