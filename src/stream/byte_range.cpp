// Range header parsing and planning.
#include "tonearm/stream/byte_range.hpp"
#include "tonearm/core/text.hpp"

#include <limits>
#include <optional>

namespace tonearm::stream {

namespace {

using core::trim_ows;

// Digits only, checked digit by digit for overflow; nullopt otherwise.
std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
    n = n * 10 + d;
  }
  return n;
}

bool iequals_bytes(std::string_view unit) {
  if (unit.size() != 5) return false;
  for (std::size_t i = 0; i < 5; ++i)
    if ((unit[i] | 0x20) != "bytes"[i]) return false;
  return true;
}

}  // namespace

range_plan plan_ranges(std::string_view header, std::uint64_t size, std::size_t max_ranges) {
  range_plan full;  // kind::full
  header = trim_ows(header);
  if (header.empty()) return full;
  auto eq = header.find('=');
  if (eq == std::string_view::npos || !iequals_bytes(trim_ows(header.substr(0, eq)))) return full;
  std::string_view set = header.substr(eq + 1);

  range_plan plan;
  std::size_t specs = 0;
  while (true) {
    auto comma = set.find(',');
    std::string_view spec = trim_ows(set.substr(0, comma));
    if (!spec.empty()) {
      if (++specs > max_ranges) return full;
      auto dash = spec.find('-');
      if (dash == std::string_view::npos) return full;
      std::string_view a = trim_ows(spec.substr(0, dash)), b = trim_ows(spec.substr(dash + 1));
      if (a.empty()) {  // suffix: the last n bytes
        auto n = number(b);
        if (!n) return full;
        if (*n > 0 && size > 0) plan.ranges.push_back({size - std::min(*n, size), size - 1});
      } else {
        auto first = number(a);
        if (!first) return full;
        std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
        if (!b.empty()) {
          auto l = number(b);
          if (!l || *l < *first) return full;
          last = *l;
        }
        if (*first < size) plan.ranges.push_back({*first, std::min(last, size - 1)});
      }
    }
    if (comma == std::string_view::npos) break;
    set = set.substr(comma + 1);
  }
  if (specs == 0) return full;  // "bytes=" or "bytes=,,": malformed
  if (plan.ranges.empty()) {
    plan.outcome = range_plan::kind::unsatisfiable;
    return plan;
  }
  // Several ranges may ask for at most `size` bytes in all (overlap amplification).
  // Checked before each sum, so it cannot wrap whatever the size (even above 2^63).
  if (plan.ranges.size() > 1) {
    std::uint64_t requested = 0;
    for (const auto& r : plan.ranges) {
      if (r.length() > size - requested) return full;
      requested += r.length();
    }
  }
  plan.outcome = range_plan::kind::partial;
  return plan;
}

}  // namespace tonearm::stream
