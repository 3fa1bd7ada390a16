// json_body: request bodies as JSON objects.
// Input: "CONTENT-TYPE\nBODY" (an empty first line: no Content-Type header; without a
// newline the whole input is the body, with no header).
// Only api_error(bad_request or unsupported_media_type) may come out; an accepted
// body is an object no deeper than max_json_depth that serialises (handlers echo and
// store its strings) and parses back to itself. nests_deeper_than agrees with the
// depth nlohmann's SAX parser sees on every valid JSON text; no body with a NUL byte
// is accepted.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "tonearm/core/error.hpp"
#include "tonearm/http/params.hpp"

using namespace tonearm;

namespace {

// The deepest array/object nesting of a JSON text, or -1 when it is not valid JSON.
struct depth_counter : nlohmann::json_sax<nlohmann::json> {
  int depth = 0, max = 0;
  bool open() { max = std::max(max, ++depth); return true; }
  bool close() { --depth; return true; }
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return open(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

int json_depth(std::string_view text) {
  depth_counter sax;
  return nlohmann::json::sax_parse(text, &sax) ? sax.max : -1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  http::request req;
  req.method = "POST";
  std::string_view type;
  if (auto nl = input.find('\n'); nl != std::string_view::npos) {
    type = input.substr(0, nl);
    input.remove_prefix(nl + 1);
  }
  if (!type.empty()) req.headers.add("Content-Type", std::string(type));
  req.body = std::string(input);

  // (nlohmann's lexer takes a NUL byte for the end of the input: the depth reference
  // only holds for texts without one.)
  const bool has_nul = input.find('\0') != std::string_view::npos;
  const int depth = has_nul ? -1 : json_depth(input);
  if (depth >= 0)
    for (int k : {0, 1, depth - 1, depth, http::max_json_depth})
      if (k >= 0)
        FUZZ_CHECK(http::nests_deeper_than(input, k) == (depth > k), "nests_deeper_than(%d) = %d, depth %d", k,
                   http::nests_deeper_than(input, k), depth);

  nlohmann::json body;
  try {
    body = http::json_body(req);
  } catch (const api_error& e) {
    FUZZ_CHECK(e.code() == errc::bad_request || e.code() == errc::unsupported_media_type, "api_error with code %d",
               static_cast<int>(e.code()));
    if (e.code() == errc::unsupported_media_type) FUZZ_CHECK(!type.empty(), "415 without a Content-Type");
    return 0;
  }
  FUZZ_CHECK(body.is_object(), "json_body returned a %s", body.type_name());
  // A raw NUL is never valid JSON text; accepting one accepts whatever follows it
  // unparsed ({"a":1}<NUL>anything), which other parsers of the same body read differently.
  FUZZ_CHECK(!has_nul, "accepted a body with a NUL byte at %zu: '%s'", input.find('\0'),
             fuzz::printable(input).c_str());
  FUZZ_CHECK(depth >= 1 && depth <= http::max_json_depth, "accepted a body of depth %d", depth);
  if (!type.empty()) {
    std::string media(type.substr(0, type.find(';')));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    FUZZ_CHECK(media == "application/json", "accepted Content-Type '%s'", fuzz::printable(type).c_str());
  }
  // dump() throws type_error 316 on invalid UTF-8: the parser must have refused it.
  std::string text = body.dump();
  auto again = nlohmann::json::parse(text);
  FUZZ_CHECK(again == body, "the body does not survive dump() and parse()");
  // What handlers do with it: look fields up, read strings and integers.
  for (const auto& [key, value] : body.items()) {
    (void)body.contains(key);
    if (value.is_string()) (void)value.get<std::string>().size();
    if (value.is_number_integer()) (void)value.get<std::int64_t>();
  }
  return 0;
}
