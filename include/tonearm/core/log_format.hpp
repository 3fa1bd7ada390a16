// How log lines look: `text` (time, level, message with logfmt fields) or `json` (one
// JSON object per line: time, level, message and the fields as members). Chosen once
// at start (log_format); code that logs fields asks which to write.
#pragma once

#include <atomic>

namespace tonearm::logging {

enum class format { text, json };

inline std::atomic<format>& current_format() {
  static std::atomic<format> f{format::text};
  return f;
}

// A message that starts with this byte is already JSON object members
// ("message":"access","status":200,...): the JSON formatter writes it as is.
inline constexpr char json_members = '\x1e';

}  // namespace tonearm::logging
