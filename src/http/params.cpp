// Ids, URL encoding, paging objects, body fields, JSON responses.
#include "tonearm/http/params.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

#include "tonearm/core/error.hpp"
#include "tonearm/core/text.hpp"

namespace tonearm::http {

std::int64_t path_id(const request& req, std::string_view name, std::string_view what) {
  const std::string& text = req.param(name);
  std::int64_t id = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || id <= 0 || text[0] == '+')
    throw api_error(errc::bad_request,
                    std::string(what) + " id must be a positive integer, got '" + text.substr(0, 64) + "'");
  return id;
}

std::vector<std::int64_t> ids_param(const request& req, std::string_view name, std::size_t max) {
  auto text = req.query_param(name);
  if (!text || text->empty())
    throw api_error(errc::bad_request, "parameter '" + std::string(name) + "' is required: comma-separated ids");
  std::vector<std::int64_t> ids;
  std::string_view rest = *text;
  for (;;) {
    auto comma = rest.find(',');
    auto part = rest.substr(0, comma);
    std::int64_t id = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), id);
    if (part.empty() || ec != std::errc{} || p != part.data() + part.size() || id <= 0 || part[0] == '+')
      throw api_error(errc::bad_request, "parameter '" + std::string(name) + "' must be positive integer ids, got '" +
                                             std::string(part.substr(0, 64)) + "'");
    ids.push_back(id);
    if (ids.size() > max)
      throw api_error(errc::bad_request,
                      "parameter '" + std::string(name) + "' takes at most " + std::to_string(max) + " ids");
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return ids;
}

namespace {
int int_param(const request& req, const char* name, int fallback, int lo, int hi) {
  auto text = req.query_param(name);
  if (!text) return fallback;
  int n = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (text->empty() || ec != std::errc{} || p != text->data() + text->size() || n < lo || n > hi)
    throw api_error(errc::bad_request, std::string(name) + " must be an integer from " + std::to_string(lo) + " to " +
                                           std::to_string(hi) + ", got '" + text->substr(0, 64) + "'");
  return n;
}
}  // namespace

paging paging_params(const request& req, int default_limit, int max_limit, int max_offset) {
  return {int_param(req, "limit", default_limit, 1, max_limit), int_param(req, "offset", 0, 0, max_offset)};
}

bool nests_deeper_than(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;  // unbalanced text is the parser's to refuse
    }
  }
  return false;
}

nlohmann::json json_body(const request& req) {
  auto type = req.header("Content-Type");
  if (!type.empty()) {
    auto media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    std::string lower;
    for (char c : media) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (lower != "application/json")
      throw api_error(errc::unsupported_media_type,
                      "request body must be application/json, got '" + std::string(media.substr(0, 64)) + "'");
  }
  // nlohmann's lexer takes a NUL byte for the end of input ("{}\0junk" would parse);
  // JSON text cannot hold one raw anyway.
  if (req.body.find('\0') != std::string::npos) throw api_error(errc::bad_request, "request body is not valid JSON");
  // Depth first, before any tree is built: a 1 MB "[[[[..." would become ~20 MB of nodes.
  if (nests_deeper_than(req.body, max_json_depth))
    throw api_error(errc::bad_request, "request body nests deeper than " + std::to_string(max_json_depth) + " levels");
  auto body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) throw api_error(errc::bad_request, "request body is not valid JSON");
  if (!body.is_object()) throw api_error(errc::bad_request, "request body must be a JSON object");
  return body;
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

namespace {
std::string page_url(const request& req, const std::vector<std::pair<std::string, std::string>>& overrides,
                     int limit, int offset) {
  std::string url = req.path + "?";
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!first) url += '&';
    first = false;
    url += url_encode(k) + "=" + url_encode(v);
  };
  for (const auto& [k, v] : req.query_params) {
    // A token in the query (access_token) is not repeated into links that may be
    // shared or logged.
    if (k == "offset" || k == "limit" || k == "access_token") continue;
    bool overridden = false;
    for (const auto& o : overrides) overridden = overridden || o.first == k;
    if (!overridden) add(k, v);
  }
  for (const auto& [k, v] : overrides) add(k, v);
  add("offset", std::to_string(offset));
  add("limit", std::to_string(limit));
  return url;
}
}  // namespace

nlohmann::json paging_object(nlohmann::json items, std::int64_t total, int limit, int offset, const request& req,
                             const std::vector<std::pair<std::string, std::string>>& overrides) {
  nlohmann::json page{{"items", std::move(items)}, {"total", total}, {"limit", limit}, {"offset", offset}};
  page["next"] = offset + limit < total ? nlohmann::json(page_url(req, overrides, limit, offset + limit)) : nullptr;
  page["previous"] = offset > 0 ? nlohmann::json(page_url(req, overrides, limit, std::max(0, offset - limit))) : nullptr;
  return page;
}

namespace {
[[noreturn]] void wrong(const char* field, const char* expected) {
  throw api_error(errc::bad_request, std::string(field) + " must be " + expected);
}
}  // namespace

const nlohmann::json* present_field(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string required_string(const nlohmann::json& body, const char* field) {
  auto v = optional_string(body, field);
  if (!v) throw api_error(errc::bad_request, std::string(field) + " is required");
  return *v;
}

std::optional<std::string> optional_string(const nlohmann::json& body, const char* field) {
  auto v = present_field(body, field);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong(field, "a string");
  // PostgreSQL's text (and every C string on the way) ends at a NUL: storing "a\0b"
  // would keep "a". Refused, so what is stored is always what the client sent.
  auto text = v->get<std::string>();
  if (core::has_nul(text)) wrong(field, "text without NUL characters");
  return text;
}

std::optional<bool> optional_bool(const nlohmann::json& body, const char* field) {
  auto v = present_field(body, field);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) wrong(field, "true or false");
  return v->get<bool>();
}

std::optional<std::int64_t> optional_int(const nlohmann::json& body, const char* field) {
  auto v = present_field(body, field);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) wrong(field, "an integer");
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT32_MAX))
    wrong(field, "an integer below 2^31");
  auto n = v->get<std::int64_t>();
  if (n > INT32_MAX || n < INT32_MIN) wrong(field, "an integer below 2^31");
  return n;
}

std::int64_t required_int(const nlohmann::json& body, const char* field) {
  auto v = optional_int(body, field);
  if (!v) throw api_error(errc::bad_request, std::string(field) + " is required");
  return *v;
}

std::vector<std::int64_t> required_int_array(const nlohmann::json& body, const char* field, std::size_t max) {
  auto v = present_field(body, field);
  if (!v) throw api_error(errc::bad_request, std::string(field) + " is required");
  if (!v->is_array() || v->empty() || v->size() > max)
    wrong(field, ("an array of 1 to " + std::to_string(max) + " integers").c_str());
  std::vector<std::int64_t> out;
  for (const auto& e : *v) {
    if (!e.is_number_integer() || (e.is_number_unsigned() && e.get<std::uint64_t>() > INT64_MAX))
      wrong(field, "an array of integers");
    out.push_back(e.get<std::int64_t>());
  }
  return out;
}

response json_ok(unsigned status, const nlohmann::json& body) {
  auto res = json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  res.headers.set("Cache-Control", "no-store");  // personal data
  return res;
}

response no_content() {
  response res;
  res.status = 204;
  res.headers.set("Cache-Control", "no-store");
  return res;
}

}  // namespace tonearm::http
