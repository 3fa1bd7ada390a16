// Range requests (RFC 9110 section 14): what to send for a Range header and a size.
// Pure: no request object, no I/O.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace tonearm::stream {

struct byte_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
  bool operator==(const byte_range&) const = default;
};

struct range_plan {
  enum class kind {
    full,           // send 200 with the whole body (no or ignored Range header)
    partial,        // send 206 with `ranges` (one: Content-Range; several: multipart)
    unsatisfiable,  // send 416 with Content-Range: bytes */size
  };
  kind outcome = kind::full;
  std::vector<byte_range> ranges;
};

// Plans the response to `header` (the Range field value; empty when absent) for a
// representation of `size` bytes:
// - "bytes=a-b", "bytes=a-" and "bytes=-n" (the last n bytes), several separated by
//   commas; the unit is case-insensitive; `last` is clamped to size - 1;
// - ranges starting at or after the end are dropped; none left -> unsatisfiable;
// - a malformed header, another unit, a range with first > last, or a number that
//   overflows -> full (RFC 9110 14.2: the header is ignored);
// - more than `max_ranges` ranges, or ranges that together ask for more bytes than
//   the representation has (overlap tricks) -> full: one copy of the body is the most
//   a request can make us send.
range_plan plan_ranges(std::string_view header, std::uint64_t size, std::size_t max_ranges = 16);

}  // namespace tonearm::stream
