// The hot-cache rules (see hot_policy.hpp).
#include "tonearm/stream/hot_policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tonearm::stream::hot_policy {

window_position position(std::chrono::milliseconds since_epoch, std::chrono::seconds window) {
  const std::int64_t ms = since_epoch.count();
  const std::int64_t length = std::max<std::int64_t>(1, window.count()) * 1000;
  const std::int64_t into = ((ms % length) + length) % length;
  const double weight = 1.0 - static_cast<double>(into) / static_cast<double>(length);
  return {(ms - into) / length, std::round(weight * 10000.0) / 10000.0};
}

window_position position_now(std::chrono::seconds window) {
  return position(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()),
                  window);
}

std::string weight_text(double weight) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", weight);
  return text;
}

double heat(double current_plays, double previous_plays, double previous_weight) {
  return current_plays + previous_plays * previous_weight;
}

bool may_evict(double coldest, double newcomer) { return coldest <= newcomer; }

bool admit(double heat, std::int64_t threshold, const cache_state& cache) {
  if (heat < static_cast<double>(threshold)) return false;
  if (cache.bytes < 0 || static_cast<std::uint64_t>(cache.bytes) < cache.max_bytes) return true;
  return !cache.coldest_heat || may_evict(*cache.coldest_heat, heat);
}

bool renew(double heat, std::int64_t threshold, long long ttl_left_seconds, long long ttl_seconds) {
  return heat >= static_cast<double>(threshold) && 2 * ttl_left_seconds < ttl_seconds;
}

std::uint64_t chunk_count(std::uint64_t size, std::uint64_t chunk_bytes) {
  if (chunk_bytes == 0) return 0;
  return size / chunk_bytes + (size % chunk_bytes != 0 ? 1 : 0);
}

}  // namespace tonearm::stream::hot_policy
