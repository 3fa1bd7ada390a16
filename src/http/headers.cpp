// Case-insensitive header list.
#include "tonearm/http/headers.hpp"

#include <algorithm>

namespace tonearm::http {

namespace {
char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view headers::get(std::string_view name) const noexcept {
  for (const auto& f : fields_)
    if (iequals(f.name, name)) return f.value;
  return {};
}

bool headers::has(std::string_view name) const noexcept {
  return std::any_of(fields_.begin(), fields_.end(),
                     [&](const header_field& f) { return iequals(f.name, name); });
}

void headers::set(std::string_view name, std::string value) {
  erase(name);
  fields_.push_back({std::string(name), std::move(value)});
}

void headers::add(std::string name, std::string value) {
  fields_.push_back({std::move(name), std::move(value)});
}

void headers::erase(std::string_view name) {
  std::erase_if(fields_, [&](const header_field& f) { return iequals(f.name, name); });
}

}  // namespace tonearm::http
