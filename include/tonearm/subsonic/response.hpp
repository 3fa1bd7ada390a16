// The Subsonic response tree and its two wire formats (no I/O). One tree renders as
// the XML of the Subsonic XSD and as the JSON clients read: attributes become
// fields, a repeated element (a list in the XSD) becomes an array even with one item,
// text content becomes "value", ids stay strings.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tonearm::subsonic {

// The protocol version spoken, and what the envelope says of the server.
inline constexpr std::string_view api_version = "1.16.1";
inline constexpr std::string_view server_type = "tonearm";

// The Subsonic error codes (the API's <error code="...">).
enum class error_code : int {
  generic = 0,
  missing_parameter = 10,
  client_too_old = 20,
  server_too_old = 30,
  wrong_credentials = 40,
  token_auth_unsupported = 41,
  auth_mechanism_unsupported = 42,
  conflicting_auth = 43,
  invalid_api_key = 44,
  not_authorized = 50,
  trial_over = 60,
  not_found = 70,
};

// An expected failure that ends a /rest call: answered as <error code message> with
// HTTP 200 and status="failed", as the protocol has it.
class protocol_error : public std::runtime_error {
 public:
  protocol_error(error_code code, const std::string& message) : std::runtime_error(message), code_(code) {}
  error_code code() const noexcept { return code_; }

 private:
  error_code code_;
};

using value = std::variant<std::string, std::int64_t, double, bool>;

struct element {
  std::string name;
  std::vector<std::pair<std::string, value>> attributes;
  std::optional<value> text;  // XML text content; "value" in JSON
  std::vector<element> children;
  // In JSON this element is an item of an array (every element of this name under
  // the same parent goes into one array), even when it is the only one.
  bool repeated = false;
  // In JSON this item is its text alone: "versions":[1], not [{"value":1}].
  bool bare = false;

  explicit element(std::string n, bool list_item = false) : name(std::move(n)), repeated(list_item) {}

  // Adds an attribute.
  element& set_value(std::string key, value v);
  element& set(std::string key, const std::string& v) { return set_value(std::move(key), value{v}); }
  element& set(std::string key, std::string_view v) { return set_value(std::move(key), value{std::string(v)}); }
  element& set(std::string key, const char* v) { return set_value(std::move(key), value{std::string(v)}); }
  element& set(std::string key, bool v) { return set_value(std::move(key), value{v}); }
  element& set(std::string key, int v) { return set_value(std::move(key), value{static_cast<std::int64_t>(v)}); }
  element& set(std::string key, std::int64_t v) { return set_value(std::move(key), value{v}); }
  element& set(std::string key, double v) { return set_value(std::move(key), value{v}); }
  // An empty optional adds nothing.
  template <class T>
  element& set_if(std::string key, const std::optional<T>& v) {
    if (v) set(std::move(key), *v);
    return *this;
  }
  // Adds a child (an object in JSON) and returns it.
  element& add(std::string child_name);
  // Adds an item of a list (an array element in JSON) and returns it.
  element& add_item(std::string child_name);
  element& add(element child);
  // Adds an item of a list that is a value alone (<folder>1</folder>; JSON [1]).
  element& add_value(std::string child_name, value v);
};

enum class format { xml, json, jsonp };

// The whole answer: <subsonic-response status="ok|failed" ...> around `body` (its
// children and attributes are the response's own: the envelope element's name is
// ignored). `callback` is for jsonp. `server_version` names this build.
std::string render(const element& body, bool ok, format f, std::string_view server_version,
                   std::string_view callback = {});
// The answer for an error.
std::string render_error(error_code code, std::string_view message, format f, std::string_view server_version,
                         std::string_view callback = {});
// The Content-Type of a format.
std::string_view content_type(format f);

// XML text escaping for attribute values and text (&, <, >, ", ' and control
// characters other than tab, newline and carriage return, which XML 1.0 cannot carry,
// dropped).
std::string xml_escape(std::string_view text);

}  // namespace tonearm::subsonic
