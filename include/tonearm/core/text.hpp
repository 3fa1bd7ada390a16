// Checks on text that crosses the edge (query parameters, JSON strings): strict UTF-8
// and control characters. Header-only and pure, used by http, catalog and accounts.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tonearm::core {

// True when `s` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences.
constexpr bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;       // no overlongs
      else if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;       // no overlongs
      else if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;  // continuation byte first, C0/C1 overlong lead, F5..FF
    }
    if (n - i < len) return false;
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

// True when `s` holds an ASCII control character (U+0000..U+001F, U+007F), other than
// a tab when `allow_tab`. (C1 controls U+0080..U+009F are two-byte sequences and are
// not looked for: they are printable nowhere but harmless to store.)
constexpr bool has_control(std::string_view s, bool allow_tab = false) noexcept {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7F) return true;
  }
  return false;
}

// True when `s` holds a NUL byte (which PostgreSQL's text and C strings cannot carry).
constexpr bool has_nul(std::string_view s) noexcept { return s.find('\0') != std::string_view::npos; }

// At most `max` bytes of `s` for an error message: printable ASCII kept, anything else '?'.
inline std::string printable(std::string_view s, std::size_t max = 32) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
  return out;
}

// `s` without the spaces and tabs at either end (HTTP's optional whitespace, RFC 9110
// §5.6.3): a view into `s`.
constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `s` without the spaces, tabs, CRs and LFs at either end.
inline std::string trimmed(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace tonearm::core
