// Conditional requests (RFC 9110 section 13) for immutable audio: 304 and If-Range.
// Pure: header values in, decisions out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tonearm::stream {

struct validators {
  std::string etag;            // strong, with quotes: "\"9f86d08...\""
  std::int64_t last_modified;  // seconds since the epoch
};

// RFC 9110 13.2.2 for GET/HEAD: when If-None-Match is present it decides alone (a weak
// comparison, "*" matches anything); otherwise If-Modified-Since does (not modified
// when last_modified <= the date; an unparseable date is ignored). True -> send 304.
bool not_modified(std::string_view if_none_match, std::string_view if_modified_since, const validators& v);

// RFC 9110 13.1.5: a Range applies only when If-Range is absent, or is an entity-tag
// that strongly matches (weak tags never do), or an HTTP-date equal to Last-Modified.
// False -> ignore the Range and send the whole representation (200).
bool range_allowed(std::string_view if_range, const validators& v);

// Parses IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and the obsolete RFC 850
// ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994") forms.
std::optional<std::int64_t> parse_http_date(std::string_view text);
// IMF-fixdate.
std::string format_http_date(std::int64_t seconds);

}  // namespace tonearm::stream
