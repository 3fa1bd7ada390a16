// Pieces of SQL text the repositories share, used only to build their named
// statements once (never per request).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tonearm::store::sql {

// ISO 8601 in UTC with a Z, the way every timestamp leaves the API.
inline std::string iso(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
}

// `statement` with its "{where}" replaced by `where`.
inline std::string with_where(std::string statement, const std::string& where) {
  auto at = statement.find("{where}");
  statement.replace(at, 7, where);
  return statement;
}

// A PostgreSQL array literal of integers: "{1,2,3}" (a parameter value, not SQL).
inline std::string int_array(const std::vector<std::int64_t>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "}";
}

}  // namespace tonearm::store::sql
