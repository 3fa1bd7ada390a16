// partial_date parsing and formatting.
#include "tonearm/catalog/types.hpp"

#include <cstdio>

namespace tonearm::catalog {

namespace {
bool digits(const std::string& s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}
int number(const std::string& s, std::size_t pos, std::size_t n) { return std::stoi(s.substr(pos, n)); }
int days_in(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}
}  // namespace

std::string partial_date::iso() const {
  if (!known()) return "";
  char buf[16];
  if (month == 0) std::snprintf(buf, sizeof buf, "%04d", year);
  else if (day == 0) std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  else std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

std::optional<partial_date> partial_date::parse(const std::string& text) {
  partial_date d;
  if (!digits(text, 0, 4)) return std::nullopt;
  d.year = number(text, 0, 4);
  if (d.year < 1) return std::nullopt;
  if (text.size() == 4) return d;
  if (text[4] != '-' || !digits(text, 5, 2)) return std::nullopt;
  d.month = number(text, 5, 2);
  if (d.month < 1 || d.month > 12) return std::nullopt;
  if (text.size() == 7) return d;
  if (text[7] != '-' || !digits(text, 8, 2)) return std::nullopt;
  d.day = number(text, 8, 2);
  if (d.day < 1 || d.day > days_in(d.year, d.month)) return std::nullopt;
  if (text.size() == 10 || text[10] == 'T' || text[10] == ' ') return d;
  return std::nullopt;
}

}  // namespace tonearm::catalog
