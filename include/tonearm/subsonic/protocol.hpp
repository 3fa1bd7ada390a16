// The Subsonic protocol's rules with no I/O: a call's parameters (query and form
// body), its format, who it says it is, and the ids of the things it names.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tonearm/subsonic/response.hpp"

namespace tonearm::subsonic {

// The parameters of one call: the query's, then (a POST, the formPost extension) the
// form body's, in order; a name may repeat (songId=1&songId=2).
class params {
 public:
  params() = default;
  explicit params(std::vector<std::pair<std::string, std::string>> all) : all_(std::move(all)) {}
  params(std::initializer_list<std::pair<std::string, std::string>> all) : all_(all) {}

  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> all(std::string_view name) const;
  // Throws protocol_error(missing_parameter) naming the parameter.
  std::string require(std::string_view name) const;
  // An integer parameter within [min, max]; `fallback` when absent. Throws
  // protocol_error(generic) naming the parameter when it is not such an integer.
  std::int64_t integer(std::string_view name, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max) const;
  // Every value of a repeated integer parameter, each checked as integer() does.
  std::vector<std::int64_t> integers(std::string_view name, std::int64_t min, std::int64_t max) const;
  // "true"/"false" (any case; also 1/0); `fallback` when absent.
  bool boolean(std::string_view name, bool fallback) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return all_; }

 private:
  std::vector<std::pair<std::string, std::string>> all_;
};

// The method of a /rest path: "/rest/ping.view" and "/rest/ping" -> "ping".
std::string method_of(std::string_view path);

// f=xml (the default), json or jsonp (with callback=, a JavaScript name). Throws
// protocol_error(generic) for another format or a callback that is not a name; the
// error itself is then answered in XML.
format format_of(const params& p, std::string& callback);

// How the caller says who they are.
struct credentials {
  std::string user;                      // u
  std::optional<std::string> password;   // p, "enc:" hex decoded
  std::optional<std::string> token;      // t = md5(password + s), lower-case hex
  std::optional<std::string> salt;       // s
  std::optional<std::string> api_key;    // apiKey (OpenSubsonic)
};
// Throws protocol_error: missing_parameter when nothing names the caller (or t without
// s), conflicting_auth when apiKey comes with u, p or t (OpenSubsonic: 43).
credentials credentials_of(const params& p);
// "enc:414243" -> "ABC"; anything else as it is. Throws protocol_error(wrong_credentials)
// on bad hex.
std::string decode_password(std::string_view p);
std::string md5_hex(std::string_view data);
// Whether two secrets are equal, in time that depends on their length only.
bool same_secret(std::string_view a, std::string_view b);
// Whether md5(password + salt), in hex, is `token` (any case), in constant time.
bool token_matches(std::string_view password, std::string_view salt, std::string_view token);

// Ids are strings: a song is its number ("42", as in /v1), an album "al-7", an artist
// "ar-3" (getMusicDirectory and getCoverArt take any of them).
enum class id_kind { song, album, artist };
struct item_id {
  id_kind kind;
  std::int64_t number;
};
std::string song_id(std::int64_t id);
std::string album_id(std::int64_t id);
std::string artist_id(std::int64_t id);
std::optional<item_id> parse_id(std::string_view text);
// The number of an id that must be of `kind`; throws protocol_error(not_found).
std::int64_t id_of(std::string_view text, id_kind kind);

// The letter an artist is filed under in getIndexes/getArtists: the first letter of
// the name without a leading article ("The Beatles" -> "B"): an ASCII letter
// upper-cased, another letter (a UTF-8 character: "Кино" -> "К") as it is, "#" for
// a digit or a sign. `articles` is the space-separated ignoredArticles list.
std::string index_letter(std::string_view name, std::string_view articles);
inline constexpr std::string_view ignored_articles = "The El La Los Las Le Les";

}  // namespace tonearm::subsonic
