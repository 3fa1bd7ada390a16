// plan_ranges (Range header planning) with the representation size from the input.
// Input: "SIZE[ MAX_RANGES]\nRANGE-HEADER"; SIZE is decimal or 0x-hex (wrapping mod
// 2^64, so any size is reachable), MAX_RANGES 0..64 (default 16). Without a newline
// the whole input is the header and the size is 10000.
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "tonearm/stream/byte_range.hpp"

using namespace tonearm;

namespace {

std::uint64_t parse_number(std::string_view& s) {
  std::uint64_t n = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    while (!s.empty()) {
      char c = s.front();
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) break;
      n = n * 16 + static_cast<std::uint64_t>(d);
      s.remove_prefix(1);
    }
    return n;
  }
  while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
    n = n * 10 + static_cast<std::uint64_t>(s.front() - '0');
    s.remove_prefix(1);
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size_in) {
  std::string_view input = fuzz::as_text(data, size_in);
  std::uint64_t size = 10000;
  std::size_t max_ranges = 16;
  std::string_view header = input;
  if (auto nl = input.find('\n'); nl != std::string_view::npos) {
    std::string_view first = input.substr(0, nl);
    header = input.substr(nl + 1);
    size = parse_number(first);
    if (!first.empty() && first.front() == ' ') {
      first.remove_prefix(1);
      max_ranges = static_cast<std::size_t>(parse_number(first) % 65);
    }
  }

  const stream::range_plan plan = stream::plan_ranges(header, size, max_ranges);
  const std::string shown = fuzz::printable(header);
  using kind = stream::range_plan::kind;
  FUZZ_CHECK(plan.outcome == kind::full || plan.outcome == kind::partial || plan.outcome == kind::unsatisfiable,
             "unknown outcome %d", static_cast<int>(plan.outcome));
  if (plan.outcome != kind::partial) return 0;

  FUZZ_CHECK(!plan.ranges.empty(), "partial plan without ranges for '%s' size %llu", shown.c_str(),
             static_cast<unsigned long long>(size));
  FUZZ_CHECK(plan.ranges.size() <= max_ranges, "%zu ranges > max_ranges %zu for '%s'", plan.ranges.size(), max_ranges,
             shown.c_str());
  std::uint64_t total = 0;
  bool overflow = false;
  for (const auto& r : plan.ranges) {
    FUZZ_CHECK(r.first <= r.last, "range %llu-%llu has first > last for '%s' size %llu",
               static_cast<unsigned long long>(r.first), static_cast<unsigned long long>(r.last), shown.c_str(),
               static_cast<unsigned long long>(size));
    FUZZ_CHECK(r.last < size, "range %llu-%llu reaches past size %llu for '%s'", static_cast<unsigned long long>(r.first),
               static_cast<unsigned long long>(r.last), static_cast<unsigned long long>(size), shown.c_str());
    overflow = overflow || __builtin_add_overflow(total, r.length(), &total);
  }
  if (plan.ranges.size() > 1)
    FUZZ_CHECK(!overflow && total <= size,
               "%zu ranges ask for %s %llu bytes, more than the size %llu (header '%s'): must be kind::full",
               plan.ranges.size(), overflow ? "2^64 +" : "", static_cast<unsigned long long>(total),
               static_cast<unsigned long long>(size), shown.c_str());
  return 0;
}
