// The Subsonic protocol's rules (see protocol.hpp).
#include "tonearm/subsonic/protocol.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tonearm::subsonic {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::string> params::get(std::string_view name) const {
  for (const auto& [k, v] : all_)
    if (k == name) return v;
  return std::nullopt;
}

std::vector<std::string> params::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : all_)
    if (k == name) out.push_back(v);
  return out;
}

std::string params::require(std::string_view name) const {
  auto v = get(name);
  if (!v) throw protocol_error(error_code::missing_parameter, "Required parameter is missing: " + std::string(name));
  return *v;
}

namespace {

std::int64_t checked_integer(std::string_view name, const std::string& text, std::int64_t min, std::int64_t max) {
  auto n = parse_int(text);
  if (!n || *n < min || *n > max)
    throw protocol_error(error_code::generic, "Parameter " + std::string(name) + " must be an integer from " +
                                                  std::to_string(min) + " to " + std::to_string(max));
  return *n;
}

}  // namespace

std::optional<std::int64_t> params::integer(std::string_view name, std::int64_t min, std::int64_t max) const {
  auto v = get(name);
  if (!v) return std::nullopt;
  return checked_integer(name, *v, min, max);
}

std::vector<std::int64_t> params::integers(std::string_view name, std::int64_t min, std::int64_t max) const {
  std::vector<std::int64_t> out;
  for (const auto& v : all(name)) out.push_back(checked_integer(name, v, min, max));
  return out;
}

std::int64_t params::integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                             std::int64_t max) const {
  return integer(name, min, max).value_or(fallback);
}

bool params::boolean(std::string_view name, bool fallback) const {
  auto v = get(name);
  if (!v) return fallback;
  if (iequals(*v, "true") || *v == "1") return true;
  if (iequals(*v, "false") || *v == "0") return false;
  throw protocol_error(error_code::generic, "Parameter " + std::string(name) + " must be true or false");
}

std::string method_of(std::string_view path) {
  auto slash = path.rfind('/');
  auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.size() > 5 && name.substr(name.size() - 5) == ".view") name.remove_suffix(5);
  return std::string(name);
}

format format_of(const params& p, std::string& callback) {
  auto f = p.get("f").value_or("xml");
  if (f == "xml") return format::xml;
  if (f == "json") return format::json;
  if (f == "jsonp") {
    callback = p.get("callback").value_or("");
    bool name = !callback.empty() && callback.size() <= 100 &&
                std::all_of(callback.begin(), callback.end(), [](char c) {
                  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.';
                }) &&
                !std::isdigit(static_cast<unsigned char>(callback.front()));
    if (!name) throw protocol_error(error_code::generic, "Parameter callback must be a JavaScript name for f=jsonp");
    return format::jsonp;
  }
  throw protocol_error(error_code::generic, "Unknown format f=" + f.substr(0, 20) + ": xml, json or jsonp");
}

std::string decode_password(std::string_view p) {
  if (p.substr(0, 4) != "enc:") return std::string(p);
  auto hex = p.substr(4);
  if (hex.size() % 2 != 0) throw protocol_error(error_code::wrong_credentials, "Wrong username or password");
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) throw protocol_error(error_code::wrong_credentials, "Wrong username or password");
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

credentials credentials_of(const params& p) {
  credentials c;
  c.api_key = p.get("apiKey");
  auto u = p.get("u");
  auto pw = p.get("p");
  c.token = p.get("t");
  c.salt = p.get("s");
  if (c.api_key) {
    if (u || pw || c.token)
      throw protocol_error(error_code::conflicting_auth, "Multiple conflicting authentication mechanisms provided");
    return c;
  }
  if (!u) throw protocol_error(error_code::missing_parameter, "Required parameter is missing: u");
  c.user = *u;
  if (pw && c.token)
    throw protocol_error(error_code::conflicting_auth, "Multiple conflicting authentication mechanisms provided");
  if (pw) {
    c.password = decode_password(*pw);
    return c;
  }
  if (!c.token) throw protocol_error(error_code::missing_parameter, "Required parameter is missing: p or t and s");
  if (!c.salt) throw protocol_error(error_code::missing_parameter, "Required parameter is missing: s");
  return c;
}

std::string md5_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 15];
  }
  return out;
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool token_matches(std::string_view password, std::string_view salt, std::string_view token) {
  std::string lower(token);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return same_secret(md5_hex(std::string(password) + std::string(salt)), lower);
}

std::string song_id(std::int64_t id) { return std::to_string(id); }
std::string album_id(std::int64_t id) { return "al-" + std::to_string(id); }
std::string artist_id(std::int64_t id) { return "ar-" + std::to_string(id); }

std::optional<item_id> parse_id(std::string_view text) {
  id_kind kind = id_kind::song;
  if (text.substr(0, 3) == "al-") {
    kind = id_kind::album;
    text.remove_prefix(3);
  } else if (text.substr(0, 3) == "ar-") {
    kind = id_kind::artist;
    text.remove_prefix(3);
  }
  if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
  auto n = parse_int(text);
  if (!n || *n <= 0) return std::nullopt;
  return item_id{kind, *n};
}

std::int64_t id_of(std::string_view text, id_kind kind) {
  auto id = parse_id(text);
  if (!id || id->kind != kind) {
    static constexpr const char* names[] = {"Song", "Album", "Artist"};
    throw protocol_error(error_code::not_found,
                         std::string(names[static_cast<int>(kind)]) + " not found: " + std::string(text.substr(0, 40)));
  }
  return id->number;
}

std::string index_letter(std::string_view name, std::string_view articles) {
  // Skip a leading article followed by a space.
  std::size_t start = 0;
  while (start < articles.size()) {
    auto end = articles.find(' ', start);
    if (end == std::string_view::npos) end = articles.size();
    auto article = articles.substr(start, end - start);
    if (!article.empty() && name.size() > article.size() + 1 && name[article.size()] == ' ' &&
        iequals(name.substr(0, article.size()), article)) {
      name.remove_prefix(article.size() + 1);
      break;
    }
    start = end + 1;
  }
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  if (name.empty()) return "#";
  auto c = static_cast<unsigned char>(name.front());
  if (c < 0x80) {
    if (std::isalpha(c)) return std::string(1, static_cast<char>(std::toupper(c)));
    return "#";
  }
  // The whole UTF-8 character.
  std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (length > name.size()) return "#";
  return std::string(name.substr(0, length));
}

}  // namespace tonearm::subsonic
