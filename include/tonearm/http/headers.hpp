// An ordered list of HTTP header fields with case-insensitive lookup.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tonearm::http {

bool iequals(std::string_view a, std::string_view b) noexcept;

struct header_field {
  std::string name;
  std::string value;
};

class headers {
 public:
  // The first field named `name`, or an empty view when absent.
  std::string_view get(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept;
  // Replaces every field named `name` with one field.
  void set(std::string_view name, std::string value);
  void add(std::string name, std::string value);
  void erase(std::string_view name);

  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }
  std::size_t size() const noexcept { return fields_.size(); }

 private:
  std::vector<header_field> fields_;
};

}  // namespace tonearm::http
