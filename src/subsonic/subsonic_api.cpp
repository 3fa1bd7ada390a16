// The Subsonic API (see subsonic_api.hpp): one table from method names to what each
// answers, the caller's sign-in, and the shapes of songs, albums, artists and
// playlists as the Subsonic XSD has them.
#include "tonearm/subsonic/subsonic_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "tonearm/accounts/credentials.hpp"
#include "tonearm/core/error.hpp"
#include "tonearm/playlists/rules.hpp"
#include "tonearm/subsonic/protocol.hpp"
#include "tonearm/subsonic/response.hpp"

namespace tonearm::subsonic {

struct subsonic_api::call {
  const http::request& req;
  params p;
  format f = format::xml;
  std::string callback;
  accounts::user_ref user;
  std::string client;  // c=
};

namespace {

// The music folder every item is in: Tonearm has one catalog.
constexpr std::int64_t music_folder_id = 1;
constexpr std::int64_t max_list = 500;  // the largest page a list method gives

std::string_view suffix_of(std::string_view mime) {
  static const std::pair<std::string_view, std::string_view> known[] = {
      {"audio/mpeg", "mp3"}, {"audio/mp3", "mp3"},   {"audio/flac", "flac"}, {"audio/x-flac", "flac"},
      {"audio/ogg", "ogg"},  {"audio/opus", "opus"}, {"audio/mp4", "m4a"},   {"audio/x-m4a", "m4a"},
      {"audio/aac", "aac"},  {"audio/wav", "wav"},   {"audio/x-wav", "wav"}, {"audio/webm", "webm"},
  };
  for (const auto& [m, s] : known)
    if (m == mime) return s;
  return "bin";
}

int seconds(std::int64_t ms) { return static_cast<int>((ms + 500) / 1000); }

// A file-system-like path for clients that show one: "Artist/Album/07 Title.mp3".
std::string path_of(const song_row& s) {
  auto clean = [](std::string t) {
    std::replace(t.begin(), t.end(), '/', '_');
    return t;
  };
  std::string track;
  if (s.track) track = (*s.track < 10 ? "0" : "") + std::to_string(*s.track) + " ";
  return clean(s.artist) + "/" + clean(s.album.value_or("Singles")) + "/" + track + clean(s.title) + "." +
         std::string(suffix_of(s.mime_type));
}

// Child (song, entry).
void song_child(element& e, const song_row& s) {
  e.set("id", song_id(s.id));
  if (s.album_id) e.set("parent", album_id(*s.album_id));
  e.set("isDir", false);
  e.set("title", s.title);
  e.set_if("album", s.album);
  e.set("artist", s.artist);
  e.set_if("track", s.track);
  if (s.year > 0) e.set("year", s.year);
  e.set_if("genre", s.genre);
  if (s.cover) e.set("coverArt", song_id(s.id));
  e.set("size", s.size);
  e.set("contentType", s.mime_type);
  e.set("suffix", suffix_of(s.mime_type));
  e.set("duration", seconds(s.duration_ms));
  int kbps = s.bitrate_kbps.value_or(s.duration_ms > 0 ? static_cast<int>(s.size * 8 / s.duration_ms) : 0);
  if (kbps > 0) e.set("bitRate", kbps);
  e.set("path", path_of(s));
  e.set("isVideo", false);
  if (s.rating > 0) e.set("userRating", s.rating);
  e.set("playCount", s.play_count);
  e.set("created", s.created);
  e.set_if("starred", s.starred);
  if (s.album_id) e.set("albumId", album_id(*s.album_id));
  e.set("artistId", artist_id(s.artist_id));
  e.set("type", "music");
  e.set("mediaType", "song");
}

// AlbumID3.
void album_id3(element& e, const album_row& a) {
  e.set("id", album_id(a.id));
  e.set("name", a.name);
  e.set("artist", a.artist);
  e.set("artistId", artist_id(a.artist_id));
  if (a.cover) e.set("coverArt", album_id(a.id));
  e.set("songCount", a.song_count);
  e.set("duration", seconds(a.duration_ms));
  e.set("playCount", a.play_count);
  e.set("created", a.created);
  e.set_if("starred", a.starred);
  if (a.year > 0) e.set("year", a.year);
  e.set_if("genre", a.genre);
  if (a.rating > 0) e.set("userRating", a.rating);
}

// An album as a folder (Child with isDir): getMusicDirectory, getAlbumList, search2.
void album_child(element& e, const album_row& a) {
  e.set("id", album_id(a.id));
  e.set("parent", artist_id(a.artist_id));
  e.set("isDir", true);
  e.set("title", a.name);
  e.set("album", a.name);
  e.set("artist", a.artist);
  if (a.cover) e.set("coverArt", album_id(a.id));
  if (a.year > 0) e.set("year", a.year);
  e.set_if("genre", a.genre);
  e.set("duration", seconds(a.duration_ms));
  if (a.rating > 0) e.set("userRating", a.rating);
  e.set("playCount", a.play_count);
  e.set("created", a.created);
  e.set_if("starred", a.starred);
  e.set("albumId", album_id(a.id));
  e.set("artistId", artist_id(a.artist_id));
  e.set("mediaType", "album");
}

// ArtistID3.
void artist_id3(element& e, const artist_row& a) {
  e.set("id", artist_id(a.id));
  e.set("name", a.name);
  if (a.cover) e.set("coverArt", artist_id(a.id));
  e.set("albumCount", a.album_count);
  e.set_if("starred", a.starred);
  if (a.rating > 0) e.set("userRating", a.rating);
}

// Artist (getIndexes, search2, getStarred).
void artist_plain(element& e, const artist_row& a) {
  e.set("id", artist_id(a.id));
  e.set("name", a.name);
  e.set_if("starred", a.starred);
  if (a.rating > 0) e.set("userRating", a.rating);
}

std::int64_t total_ms(const std::vector<song_row>& songs) {
  std::int64_t ms = 0;
  for (const auto& s : songs) ms += s.duration_ms;
  return ms;
}

void playlist_element(element& e, const playlists::playlist& p, std::int64_t duration_ms, std::int64_t viewer) {
  e.set("id", std::to_string(p.id));
  e.set("name", p.name);
  if (!p.description.empty()) e.set("comment", p.description);
  e.set("owner", p.owner.username);
  e.set("public", p.is_public);
  e.set("songCount", p.item_count);
  e.set("duration", seconds(duration_ms));
  e.set("created", p.created_at);
  e.set("changed", p.updated_at);
  e.set("readonly", p.owner.id != viewer);
}

// The letter groups of getIndexes and getArtists, in order ("#" last).
std::vector<std::pair<std::string, std::vector<const artist_row*>>> by_letter(const std::vector<artist_row>& artists) {
  std::vector<std::pair<std::string, std::vector<const artist_row*>>> groups;
  std::unordered_map<std::string, std::size_t> at;
  for (const auto& a : artists) {
    auto letter = index_letter(a.name, ignored_articles);
    auto [it, fresh] = at.try_emplace(letter, groups.size());
    if (fresh) groups.emplace_back(letter, std::vector<const artist_row*>{});
    groups[it->second].second.push_back(&a);
  }
  std::stable_sort(groups.begin(), groups.end(), [](const auto& x, const auto& y) {
    if ((x.first == "#") != (y.first == "#")) return y.first == "#";
    return x.first < y.first;
  });
  return groups;
}

// A search query: blank, "" (two double quotes: Symfonium) and * mean everything.
std::string search_text(std::string q) {
  auto trim = [](std::string& t) {
    auto first = t.find_first_not_of(" \t");
    if (first == std::string::npos) return t.clear();
    t = t.substr(first, t.find_last_not_of(" \t") - first + 1);
  };
  trim(q);
  if (q.size() >= 2 && q.front() == '"' && q.back() == '"') q = q.substr(1, q.size() - 2);
  while (!q.empty() && q.back() == '*') q.pop_back();
  trim(q);
  return q;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto start = text.find_first_not_of(" \t", i);
    if (start == std::string::npos) break;
    auto end = text.find_first_of(" \t", start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    i = end;
  }
  return out;
}

error_code error_code_for(errc code) {
  switch (code) {
    case errc::not_found: return error_code::not_found;
    case errc::unauthorized: return error_code::wrong_credentials;
    case errc::forbidden: return error_code::not_authorized;
    default: return error_code::generic;
  }
}

}  // namespace

struct subsonic_api::impl {
  store::library_repository& library;
  store::credential_repository& credentials;
  store::playlist_repository& playlists;
  catalog::search_service& search;
  const stream::stream_handler& streamer;
  const stream::cover_handler& covers;
  accounts::rate_limiter& limiter;
  const accounts::secret_box* box;
  api_settings settings;

  using method = std::function<element(impl&, call&)>;
  using audio_method = std::function<http::response(impl&, call&)>;
  std::unordered_map<std::string, method> methods;
  std::unordered_map<std::string, audio_method> audio_methods;

  impl(store::library_repository& library_, store::credential_repository& credentials_,
       store::playlist_repository& playlists_, catalog::search_service& search_,
       const stream::stream_handler& streamer_, const stream::cover_handler& covers_, accounts::rate_limiter& limiter_,
       const accounts::secret_box* box_, api_settings settings_)
      : library(library_), credentials(credentials_), playlists(playlists_), search(search_), streamer(streamer_),
        covers(covers_), limiter(limiter_), box(box_), settings(std::move(settings_)) {
    build_table();
  }

  http::response answer(const call& c, const element& body) const {
    http::response res;
    res.status = 200;
    res.body = render(body, true, c.f, settings.server_version, c.callback);
    res.headers.set("Content-Type", std::string(content_type(c.f)));
    res.headers.set("Cache-Control", "no-store");
    return res;
  }

  http::response failure(format f, const std::string& callback, error_code code, const std::string& message,
                         unsigned status = 200) const {
    http::response res;
    res.status = status;
    res.body = render_error(code, message, f, settings.server_version, callback);
    res.headers.set("Content-Type", std::string(content_type(f)));
    res.headers.set("Cache-Control", "no-store");
    return res;
  }

  // Notes a credential's use (last_used_at, to the minute): the database is asked at
  // most once a minute per credential from this process, not on every call an app makes.
  std::mutex used_mutex;
  std::unordered_map<std::int64_t, std::chrono::steady_clock::time_point> used_at;
  void used(std::int64_t credential) {
    auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(used_mutex);
      auto [it, fresh] = used_at.try_emplace(credential, now);
      if (!fresh && now - it->second < std::chrono::minutes(1)) return;
      it->second = now;
    }
    credentials.touch(credential);
  }

  // Who is calling. Only failures count against the sign-in limits (a client makes
  // hundreds of calls), per username (shared with POST /v1/sessions) and per address.
  accounts::user_ref sign_in(const call& c) {
    auto cred = credentials_of(c.p);
    const auto address_key = "subsonic:addr:" + c.req.remote;
    auto refuse_if_blocked = [&](const std::string& key, int limit) {
      if (auto wait = limiter.blocked(key, limit))
        throw protocol_error(error_code::generic,
                             "Too many failed sign-ins: try again in " + std::to_string(*wait) + " seconds");
    };
    refuse_if_blocked(address_key, settings.attempts_per_address);
    if (cred.api_key) {
      auto found = credentials.api_key_user(accounts::api_key_hash(*cred.api_key));
      if (!found) {
        limiter.hit(address_key, settings.attempts_per_address);
        throw protocol_error(error_code::invalid_api_key, "Invalid API key");
      }
      used(found->second);
      return found->first;
    }
    if (!box)
      throw protocol_error(error_code::auth_mechanism_unsupported,
                           "Provided authentication mechanism not supported: this server takes API keys only "
                           "(no subsonic_secret_key is configured for app passwords)");
    auto canonical = accounts::canonical_username(cred.user);
    auto fail = [&](const std::optional<std::string>& user_key) -> protocol_error {
      limiter.hit(address_key, settings.attempts_per_address);
      if (user_key) limiter.hit(*user_key, settings.attempts_per_user);
      return protocol_error(error_code::wrong_credentials, "Wrong username or password");
    };
    if (!canonical) throw fail(std::nullopt);
    auto user_key = "login:user:" + *canonical;
    refuse_if_blocked(user_key, settings.attempts_per_user);
    auto found = credentials.passwords_of(*canonical);
    if (found) {
      for (const auto& sealed : found->second) {
        if (sealed.key_id != box->key_id()) continue;
        auto plain = box->open(sealed.sealed);
        if (!plain) continue;
        bool match = cred.password ? same_secret(*plain, *cred.password) : token_matches(*plain, *cred.salt, *cred.token);
        if (match) {
          used(sealed.id);
          return found->first;
        }
      }
    }
    throw fail(user_key);
  }

  // ---- system ----
  element ping(call&) { return element(""); }

  element license(call&) {
    element body("");
    body.add("license").set("valid", true);
    return body;
  }

  element extensions(call&) {
    element body("");
    for (const char* name : {"apiKeyAuthentication", "formPost", "songLyrics"}) {
      auto& e = body.add_item("openSubsonicExtensions");
      e.set("name", name);
      e.add_value("versions", std::int64_t{1});
    }
    return body;
  }

  element token_info(call& c) {
    element body("");
    body.add("tokenInfo").set("username", c.user.username);
    return body;
  }

  element user(call& c) {
    auto name = c.p.get("username").value_or(c.user.username);
    if (accounts::canonical_username(name) != accounts::canonical_username(c.user.username))
      throw protocol_error(error_code::not_authorized, "User is not authorized for the given operation");
    element body("");
    auto& u = body.add("user");
    u.set("username", c.user.username);
    u.set("scrobblingEnabled", true);
    for (const char* role : {"adminRole", "settingsRole", "downloadRole", "uploadRole", "playlistRole",
                             "coverArtRole", "commentRole", "podcastRole", "streamRole", "jukeboxRole", "shareRole",
                             "videoConversionRole"}) {
      std::string_view r = role;
      u.set(role, r == "settingsRole" || r == "downloadRole" || r == "playlistRole" || r == "streamRole");
    }
    u.add_value("folder", music_folder_id);
    return body;
  }

  element music_folders(call&) {
    element body("");
    body.add("musicFolders").add_item("musicFolder").set("id", music_folder_id).set("name", "Music");
    return body;
  }

  // ---- browsing by tags ----
  element artists(call& c) {
    auto all = library.artists(c.user.id);
    element body("");
    auto& list = body.add("artists");
    list.set("ignoredArticles", ignored_articles);
    for (const auto& [letter, group] : by_letter(all)) {
      auto& index = list.add_item("index");
      index.set("name", letter);
      for (const auto* a : group) artist_id3(index.add_item("artist"), *a);
    }
    return body;
  }

  element artist(call& c) {
    auto id = id_of(c.p.require("id"), id_kind::artist);
    auto a = library.artist(c.user.id, id);
    if (!a) throw protocol_error(error_code::not_found, "Artist not found");
    element body("");
    auto& e = body.add("artist");
    artist_id3(e, *a);
    for (const auto& album : library.artist_albums(c.user.id, id)) album_id3(e.add_item("album"), album);
    return body;
  }

  element album(call& c) {
    auto id = id_of(c.p.require("id"), id_kind::album);
    auto a = library.album(c.user.id, id);
    if (!a) throw protocol_error(error_code::not_found, "Album not found");
    element body("");
    auto& e = body.add("album");
    album_id3(e, *a);
    for (const auto& s : library.album_songs(c.user.id, id)) song_child(e.add_item("song"), s);
    return body;
  }

  element song(call& c) {
    auto id = id_of(c.p.require("id"), id_kind::song);
    auto found = library.songs(c.user.id, {id});
    if (found.empty()) throw protocol_error(error_code::not_found, "Song not found");
    element body("");
    song_child(body.add("song"), found.front());
    return body;
  }

  album_query album_list_query(const call& c) {
    static const std::pair<std::string_view, album_order> types[] = {
        {"random", album_order::random},
        {"newest", album_order::newest},
        {"highest", album_order::highest},
        {"frequent", album_order::frequent},
        {"recent", album_order::recent},
        {"starred", album_order::starred},
        {"alphabeticalByName", album_order::by_name},
        {"alphabeticalByArtist", album_order::by_artist},
        {"byYear", album_order::by_year},
        {"byGenre", album_order::by_genre},
    };
    auto type = c.p.require("type");
    album_query q;
    auto it = std::find_if(std::begin(types), std::end(types), [&](const auto& t) { return t.first == type; });
    if (it == std::end(types)) throw protocol_error(error_code::generic, "Unknown album list type: " + type.substr(0, 40));
    q.order = it->second;
    q.size = static_cast<int>(c.p.integer("size", 10, 0, max_list));
    q.offset = static_cast<int>(c.p.integer("offset", 0, 0, 1000000));
    if (q.order == album_order::by_year) {
      auto from = c.p.integer("fromYear", 1, 9999), to = c.p.integer("toYear", 1, 9999);
      if (!from) throw protocol_error(error_code::missing_parameter, "Required parameter is missing: fromYear");
      if (!to) throw protocol_error(error_code::missing_parameter, "Required parameter is missing: toYear");
      q.from_year = static_cast<int>(*from);
      q.to_year = static_cast<int>(*to);
    }
    if (q.order == album_order::by_genre) q.genre = c.p.require("genre");
    return q;
  }

  element album_list2(call& c) {
    element body("");
    auto& list = body.add("albumList2");
    for (const auto& a : library.album_list(c.user.id, album_list_query(c))) album_id3(list.add_item("album"), a);
    return body;
  }

  element album_list(call& c) {
    element body("");
    auto& list = body.add("albumList");
    for (const auto& a : library.album_list(c.user.id, album_list_query(c))) album_child(list.add_item("album"), a);
    return body;
  }

  element genres(call&) {
    element body("");
    auto& list = body.add("genres");
    for (const auto& g : library.genres()) {
      auto& e = list.add_item("genre");
      e.set("songCount", g.songs);
      e.set("albumCount", g.albums);
      e.text = g.name;
    }
    return body;
  }

  element songs_by_genre(call& c) {
    auto genre = c.p.require("genre");
    int count = static_cast<int>(c.p.integer("count", 10, 0, max_list));
    int offset = static_cast<int>(c.p.integer("offset", 0, 0, 1000000));
    element body("");
    auto& list = body.add("songsByGenre");
    for (const auto& s : library.songs_by_genre(c.user.id, genre, count, offset)) song_child(list.add_item("song"), s);
    return body;
  }

  element random_songs(call& c) {
    int size = static_cast<int>(c.p.integer("size", 10, 0, max_list));
    auto from = c.p.integer("fromYear", 0, 9999);
    auto to = c.p.integer("toYear", 0, 9999);
    auto year = [](std::optional<std::int64_t> y) { return y ? std::optional(static_cast<int>(*y)) : std::nullopt; };
    element body("");
    auto& list = body.add("randomSongs");
    for (const auto& s : library.random_songs(c.user.id, size, c.p.get("genre"), year(from), year(to)))
      song_child(list.add_item("song"), s);
    return body;
  }

  element top_songs(call& c) {
    int count = static_cast<int>(c.p.integer("count", 50, 0, max_list));
    std::vector<song_row> songs;
    if (auto id = c.p.get("id")) {  // OpenSubsonic topSongsByArtistId
      auto a = library.artist(c.user.id, id_of(*id, id_kind::artist));
      if (a) songs = library.top_songs(c.user.id, a->name, count);
    } else {
      songs = library.top_songs(c.user.id, c.p.require("artist"), count);
    }
    element body("");
    auto& list = body.add("topSongs");
    for (const auto& s : songs) song_child(list.add_item("song"), s);
    return body;
  }

  element starred(call& c, bool id3) {
    element body("");
    auto& list = body.add(id3 ? "starred2" : "starred");
    for (const auto& a : library.starred_artists(c.user.id))
      id3 ? artist_id3(list.add_item("artist"), a) : artist_plain(list.add_item("artist"), a);
    for (const auto& a : library.starred_albums(c.user.id))
      id3 ? album_id3(list.add_item("album"), a) : album_child(list.add_item("album"), a);
    for (const auto& s : library.starred_songs(c.user.id)) song_child(list.add_item("song"), s);
    return body;
  }

  // ---- browsing by folders: artists, then albums, then songs ----
  // ifModifiedSince (ms): a client that has the list of that time gets the header only.
  element indexes(call& c) {
    auto changed = library.artists_changed_ms();
    auto since = c.p.integer("ifModifiedSince", 0, std::numeric_limits<std::int64_t>::max());
    element body("");
    auto& list = body.add("indexes");
    list.set("lastModified", changed);
    list.set("ignoredArticles", ignored_articles);
    if (since && *since >= changed) return body;
    auto all = library.artists(c.user.id);
    for (const auto& [letter, group] : by_letter(all)) {
      auto& index = list.add_item("index");
      index.set("name", letter);
      for (const auto* a : group) artist_plain(index.add_item("artist"), *a);
    }
    return body;
  }

  element directory(call& c) {
    auto text = c.p.require("id");
    auto id = parse_id(text);
    element body("");
    auto& dir = body.add("directory");
    if (id && id->kind == id_kind::artist) {
      auto a = library.artist(c.user.id, id->number);
      if (!a) throw protocol_error(error_code::not_found, "Directory not found");
      dir.set("id", artist_id(a->id));
      dir.set("name", a->name);
      dir.set_if("starred", a->starred);
      if (a->rating > 0) dir.set("userRating", a->rating);
      for (const auto& album : library.artist_albums(c.user.id, a->id)) album_child(dir.add_item("child"), album);
      for (const auto& s : library.artist_loose_songs(c.user.id, a->id)) song_child(dir.add_item("child"), s);
      return body;
    }
    if (id && id->kind == id_kind::album) {
      auto a = library.album(c.user.id, id->number);
      if (!a) throw protocol_error(error_code::not_found, "Directory not found");
      dir.set("id", album_id(a->id));
      dir.set("parent", artist_id(a->artist_id));
      dir.set("name", a->name);
      dir.set_if("starred", a->starred);
      if (a->rating > 0) dir.set("userRating", a->rating);
      dir.set("playCount", a->play_count);
      for (const auto& s : library.album_songs(c.user.id, a->id)) song_child(dir.add_item("child"), s);
      return body;
    }
    throw protocol_error(error_code::not_found, "Directory not found");
  }

  // ---- search ----
  // Ids of the matches of `text`: songs, authors or albums (one kind per call).
  std::vector<std::int64_t> matches(const std::string& text, char kind, int count, int offset) {
    if (count <= 0 || offset >= catalog::max_search_results) return {};
    catalog::search_query q;
    for (auto& w : words(text)) q.terms.push_back({std::move(w), catalog::search_field::any});
    q.songs = kind == 's';
    q.authors = kind == 'a';
    q.albums = kind == 'l';
    q.limit = std::min(count, catalog::max_search_results - offset);
    q.offset = offset;
    auto r = search.search(q);
    std::vector<std::int64_t> ids;
    if (r.songs)
      for (const auto& s : r.songs->items) ids.push_back(s.id);
    if (r.authors)
      for (const auto& a : r.authors->items) ids.push_back(a.id);
    if (r.albums)
      for (const auto& a : r.albums->items) ids.push_back(a.id);
    return ids;
  }

  element search_result(call& c, bool id3) {
    auto text = search_text(c.p.get("query").value_or(""));
    int artist_count = static_cast<int>(c.p.integer("artistCount", 20, 0, max_list));
    int artist_offset = static_cast<int>(c.p.integer("artistOffset", 0, 0, 100000000));
    int album_count = static_cast<int>(c.p.integer("albumCount", 20, 0, max_list));
    int album_offset = static_cast<int>(c.p.integer("albumOffset", 0, 0, 100000000));
    int song_count = static_cast<int>(c.p.integer("songCount", 20, 0, max_list));
    int song_offset = static_cast<int>(c.p.integer("songOffset", 0, 0, 100000000));
    std::vector<artist_row> artists;
    std::vector<album_row> albums;
    std::vector<song_row> songs;
    if (text.empty()) {  // everything, in id order: how clients copy a whole library
      if (artist_count > 0) artists = library.artists_page(c.user.id, artist_count, artist_offset);
      if (album_count > 0) albums = library.albums_page(c.user.id, album_count, album_offset);
      if (song_count > 0) songs = library.songs_page(c.user.id, song_count, song_offset);
    } else {
      artists = library.artists_by_ids(c.user.id, matches(text, 'a', artist_count, artist_offset));
      albums = library.albums_by_ids(c.user.id, matches(text, 'l', album_count, album_offset));
      songs = library.songs(c.user.id, matches(text, 's', song_count, song_offset));
    }
    element body("");
    auto& list = body.add(id3 ? "searchResult3" : "searchResult2");
    for (const auto& a : artists) id3 ? artist_id3(list.add_item("artist"), a) : artist_plain(list.add_item("artist"), a);
    for (const auto& a : albums) id3 ? album_id3(list.add_item("album"), a) : album_child(list.add_item("album"), a);
    for (const auto& s : songs) song_child(list.add_item("song"), s);
    return body;
  }

  // ---- media ----
  http::response audio(call& c, bool download) {
    auto id = id_of(c.p.require("id"), id_kind::song);
    // stream: maxBitRate (kb/s, 0 no limit) and format (a codec, or raw for the
    // original) pick among the original and its renditions, as /v1's quality does;
    // with neither, the original. download is always the original.
    stream::stream_handler::version_request want;
    auto format = c.p.get("format").value_or("");
    want.max_kbps = static_cast<int>(c.p.integer("maxBitRate", 0, 0, 100000));
    if (format == "mp3" || format == "opus" || format == "aac" || format == "flac") want.codecs = {format};
    else if (format == "m4a") want.codecs = {"aac"};
    else if (format == "ogg") want.codecs = {"opus", "vorbis"};
    want.original = download || format == "raw" || (want.max_kbps == 0 && want.codecs.empty());
    auto res = streamer.play(c.req, id, false, &want);
    if (res.status == 404) throw protocol_error(error_code::not_found, "Song not found");
    if (download && (res.status == 200 || res.status == 206))
      res.headers.set("Content-Disposition", "attachment; filename=\"" + std::to_string(id) + "\"");
    return res;
  }

  // getCoverArt: id is a song, album (al-) or artist (ar-) id; size in px (the
  // smallest served size at least that large; absent: the largest).
  http::response cover_art(call& c) {
    auto id = parse_id(c.p.require("id"));
    int size = static_cast<int>(c.p.integer("size", 640, 1, 100000));
    if (!id) throw protocol_error(error_code::not_found, "Cover art not found");
    char kind = id->kind == id_kind::song ? 's' : id->kind == id_kind::album ? 'l' : 'a';
    auto res = covers.image(c.req, kind, id->number, size);
    if (!res) throw protocol_error(error_code::not_found, "Cover art not found");
    return std::move(*res);
  }

  element lyrics(call& c) {
    auto id = id_of(c.p.require("id"), id_kind::song);
    if (library.songs(c.user.id, {id}).empty()) throw protocol_error(error_code::not_found, "Song not found");
    element body("");
    body.add("lyricsList");
    return body;
  }

  // ---- annotations ----
  element scrobble(call& c) {
    auto ids = c.p.all("id");
    if (ids.empty()) throw protocol_error(error_code::missing_parameter, "Required parameter is missing: id");
    bool submission = c.p.boolean("submission", true);
    std::vector<std::int64_t> songs;
    for (const auto& text : ids) songs.push_back(id_of(text, id_kind::song));
    for (auto id : songs) {
      if (!submission) continue;  // "now playing": nothing kept yet
      if (!streamer.record_play(c.req, id)) throw protocol_error(error_code::not_found, "Song not found");
      library.record_listen(c.user.id, id);
    }
    return element("");
  }

  // star and unstar: id (a song, or an album or artist id from a folder view),
  // albumId, artistId; each may repeat.
  element star(call& c, bool on) {
    std::vector<std::int64_t> songs, albums, artists;
    auto take = [&](const std::string& text, id_kind as) {
      auto id = parse_id(text);
      if (!id) throw protocol_error(error_code::not_found, "Not found: " + text.substr(0, 40));
      auto kind = id->kind == id_kind::song ? as : id->kind;  // a bare number in albumId is an album
      (kind == id_kind::song ? songs : kind == id_kind::album ? albums : artists).push_back(id->number);
    };
    for (const auto& t : c.p.all("id")) take(t, id_kind::song);
    for (const auto& t : c.p.all("albumId")) take(t, id_kind::album);
    for (const auto& t : c.p.all("artistId")) take(t, id_kind::artist);
    if (songs.empty() && albums.empty() && artists.empty())
      throw protocol_error(error_code::missing_parameter, "Required parameter is missing: id, albumId or artistId");
    if (!library.set_stars(c.user.id, songs, albums, artists, on))
      throw protocol_error(error_code::not_found, "Not found: a song, album or artist given does not exist");
    return element("");
  }

  element rating(call& c) {
    auto id = parse_id(c.p.require("id"));
    auto rating = c.p.integer("rating", 0, 5);
    if (!rating) throw protocol_error(error_code::missing_parameter, "Required parameter is missing: rating");
    if (!id) throw protocol_error(error_code::not_found, "Not found");
    char kind = id->kind == id_kind::song ? 's' : id->kind == id_kind::album ? 'l' : 'a';
    if (!library.set_rating(c.user.id, kind, id->number, static_cast<int>(*rating)))
      throw protocol_error(error_code::not_found, "Not found");
    return element("");
  }

  // ---- playlists ----
  [[noreturn]] static void refused(const playlists::refusal& r) {
    using k = playlists::refusal::kind;
    if (r.what == k::not_found) throw protocol_error(error_code::not_found, "Playlist not found");
    if (r.what == k::not_owner)
      throw protocol_error(error_code::not_authorized, "Only the owner of a playlist may change it");
    throw protocol_error(error_code::generic, r.message);
  }
  template <class T>
  static T take(playlists::outcome<T> o) {
    if (auto* r = std::get_if<playlists::refusal>(&o)) refused(*r);
    return std::get<T>(std::move(o));
  }

  playlists::playlist visible_playlist(const call& c, const std::string& text) {
    auto id = parse_id(text);
    if (!id || id->kind != id_kind::song) throw protocol_error(error_code::not_found, "Playlist not found");
    auto p = playlists.find(id->number);
    if (!p || !playlists::visible(*p, c.user.id)) throw protocol_error(error_code::not_found, "Playlist not found");
    return *p;
  }

  element playlist_with_songs(const call& c, const playlists::playlist& p) {
    std::vector<std::int64_t> ids;
    for (const auto& item : playlists.items(p.id, static_cast<int>(playlists.max_items()), 0))
      ids.push_back(item.song_id);
    auto songs = library.songs(c.user.id, ids);
    element body("");
    auto& e = body.add("playlist");
    playlist_element(e, p, total_ms(songs), c.user.id);
    for (const auto& s : songs) song_child(e.add_item("entry"), s);
    return body;
  }

  element get_playlists(call& c) {
    if (auto name = c.p.get("username"))
      if (accounts::canonical_username(*name) != accounts::canonical_username(c.user.username))
        throw protocol_error(error_code::not_authorized, "User is not authorized for the given operation");
    auto page = playlists.library(c.user.id, static_cast<int>(max_list), 0);
    std::vector<std::int64_t> ids;
    for (const auto& p : page.items) ids.push_back(p.id);
    auto durations = library.playlist_durations(ids);
    element body("");
    auto& list = body.add("playlists");
    for (std::size_t i = 0; i < page.items.size(); ++i)
      playlist_element(list.add_item("playlist"), page.items[i], durations[i], c.user.id);
    return body;
  }

  element get_playlist(call& c) { return playlist_with_songs(c, visible_playlist(c, c.p.require("id"))); }

  std::vector<std::int64_t> song_ids(const call& c, std::string_view name) {
    std::vector<std::int64_t> ids;
    for (const auto& t : c.p.all(name)) ids.push_back(id_of(t, id_kind::song));
    return ids;
  }

  void add_songs(const call& c, std::int64_t playlist, const std::vector<std::int64_t>& ids) {
    if (ids.empty()) return;
    take(playlists.add_items({playlist, c.user.id, std::nullopt}, ids, std::nullopt));
  }

  // createPlaylist: a new one (name), or (playlistId) the songs of one of the user's
  // replaced by those given.
  element create_playlist(call& c) {
    auto ids = song_ids(c, "songId");
    if (auto existing = c.p.get("playlistId")) {
      auto p = visible_playlist(c, *existing);
      if (p.owner.id != c.user.id)
        throw protocol_error(error_code::not_authorized, "Only the owner of a playlist may change it");
      if (p.item_count > 0) {
        std::vector<std::int64_t> all(static_cast<std::size_t>(p.item_count));
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int64_t>(i);
        take(playlists.remove_items({p.id, c.user.id, std::nullopt}, all));
      }
      add_songs(c, p.id, ids);
      return playlist_with_songs(c, *playlists.find(p.id));
    }
    auto name = c.p.require("name");
    if (auto problem = playlists::name_problem(name); !problem.empty()) throw protocol_error(error_code::generic, problem);
    auto p = playlists.create(c.user.id, name, "", true);
    add_songs(c, p.id, ids);
    return playlist_with_songs(c, *playlists.find(p.id));
  }

  element update_playlist(call& c) {
    auto p = visible_playlist(c, c.p.require("playlistId"));
    if (p.owner.id != c.user.id)
      throw protocol_error(error_code::not_authorized, "Only the owner of a playlist may change it");
    playlists::changes changes;
    if (auto name = c.p.get("name")) {
      if (auto problem = playlists::name_problem(*name); !problem.empty())
        throw protocol_error(error_code::generic, problem);
      changes.name = *name;
    }
    if (auto comment = c.p.get("comment")) {
      if (auto problem = playlists::description_problem(*comment); !problem.empty())
        throw protocol_error(error_code::generic, problem);
      changes.description = *comment;
    }
    if (c.p.get("public")) changes.is_public = c.p.boolean("public", true);
    auto adds = song_ids(c, "songIdToAdd");
    auto removals = c.p.integers("songIndexToRemove", 0, 1000000);
    playlists::edit edit{p.id, c.user.id, std::nullopt};
    if (changes.name || changes.description || changes.is_public) take(playlists.update(edit, changes));
    if (!removals.empty()) take(playlists.remove_items(edit, removals));
    add_songs(c, p.id, adds);
    return element("");
  }

  element delete_playlist(call& c) {
    auto id = parse_id(c.p.require("id"));
    if (!id || id->kind != id_kind::song) throw protocol_error(error_code::not_found, "Playlist not found");
    take(playlists.remove(id->number, c.user.id));
    return element("");
  }

  // ---- the play queue ----
  element get_play_queue(call& c) {
    auto q = library.play_queue(c.user.id);
    element body("");
    auto& e = body.add("playQueue");
    if (q && q->current) e.set("current", song_id(*q->current));
    if (q) e.set("position", q->position_ms);
    e.set("username", c.user.username);
    e.set("changed", q ? q->changed : "1970-01-01T00:00:00Z");
    e.set("changedBy", q ? q->changed_by : "");
    if (q)
      for (const auto& s : library.songs(c.user.id, q->song_ids)) song_child(e.add_item("entry"), s);
    return body;
  }

  element save_play_queue(call& c) {
    play_queue q;
    q.song_ids = song_ids(c, "id");
    if (q.song_ids.size() > 10000) throw protocol_error(error_code::generic, "A play queue holds at most 10000 songs");
    if (auto current = c.p.get("current")) q.current = id_of(*current, id_kind::song);
    if (!q.song_ids.empty() && !q.current)
      throw protocol_error(error_code::missing_parameter, "Required parameter is missing: current");
    if (q.current && std::find(q.song_ids.begin(), q.song_ids.end(), *q.current) == q.song_ids.end())
      throw protocol_error(error_code::generic, "current must be one of the ids of the queue");
    q.position_ms = c.p.integer("position", 0, 0, std::int64_t{1} << 40);
    q.changed_by = c.client.substr(0, 100);
    library.save_play_queue(c.user.id, q);
    return element("");
  }

  // ---- what Tonearm does not keep: an empty answer of the right shape ----
  static method empty(const char* name) {
    return [name](impl&, call&) {
      element body("");
      body.add(name);
      return body;
    };
  }

  void build_table() {
    auto m = [this](const char* name, element (impl::*f)(call&)) {
      methods.emplace(name, [f](impl& self, call& c) { return (self.*f)(c); });
    };
    m("ping", &impl::ping);
    m("getLicense", &impl::license);
    m("getOpenSubsonicExtensions", &impl::extensions);
    m("tokenInfo", &impl::token_info);
    m("getUser", &impl::user);
    m("getMusicFolders", &impl::music_folders);
    m("getArtists", &impl::artists);
    m("getArtist", &impl::artist);
    m("getAlbum", &impl::album);
    m("getSong", &impl::song);
    m("getAlbumList", &impl::album_list);
    m("getAlbumList2", &impl::album_list2);
    m("getGenres", &impl::genres);
    m("getSongsByGenre", &impl::songs_by_genre);
    m("getRandomSongs", &impl::random_songs);
    m("getTopSongs", &impl::top_songs);
    methods.emplace("getStarred", [](impl& self, call& c) { return self.starred(c, false); });
    methods.emplace("getStarred2", [](impl& self, call& c) { return self.starred(c, true); });
    m("getIndexes", &impl::indexes);
    m("getMusicDirectory", &impl::directory);
    methods.emplace("search2", [](impl& self, call& c) { return self.search_result(c, false); });
    methods.emplace("search3", [](impl& self, call& c) { return self.search_result(c, true); });
    m("getLyricsBySongId", &impl::lyrics);
    m("scrobble", &impl::scrobble);
    methods.emplace("star", [](impl& self, call& c) { return self.star(c, true); });
    methods.emplace("unstar", [](impl& self, call& c) { return self.star(c, false); });
    m("setRating", &impl::rating);
    m("getPlaylists", &impl::get_playlists);
    m("getPlaylist", &impl::get_playlist);
    m("createPlaylist", &impl::create_playlist);
    m("updatePlaylist", &impl::update_playlist);
    m("deletePlaylist", &impl::delete_playlist);
    m("getPlayQueue", &impl::get_play_queue);
    m("savePlayQueue", &impl::save_play_queue);
    for (const char* name : {"nowPlaying", "bookmarks", "shares", "podcasts", "internetRadioStations"}) {
      std::string method = std::string("get") + static_cast<char>(std::toupper(name[0])) + (name + 1);
      methods.emplace(method, empty(name));
    }
    audio_methods.emplace("stream", [](impl& self, call& c) { return self.audio(c, false); });
    audio_methods.emplace("download", [](impl& self, call& c) { return self.audio(c, true); });
    audio_methods.emplace("getCoverArt", [](impl& self, call& c) { return self.cover_art(c); });
  }
};

subsonic_api::subsonic_api(store::library_repository& library, store::credential_repository& credentials,
                           store::playlist_repository& playlists, catalog::search_service& search,
                           const stream::stream_handler& streamer, const stream::cover_handler& covers,
                           accounts::rate_limiter& limiter, const accounts::secret_box* box, api_settings settings)
    : impl_(std::make_unique<impl>(library, credentials, playlists, search, streamer, covers, limiter, box,
                                   std::move(settings))) {}

subsonic_api::~subsonic_api() = default;

http::response subsonic_api::operator()(const http::request& req) const {
  auto all = req.query_params;
  // formPost: a form body's parameters count as the query's.
  auto type = req.header("Content-Type");
  if (req.method == "POST" && type.substr(0, 33) == "application/x-www-form-urlencoded") {
    std::optional<std::string> malformed;
    auto form = http::parse_query(req.body, &malformed);
    all.insert(all.end(), form.begin(), form.end());
  }
  call c{req, params(std::move(all)), format::xml, {}, {}, {}};
  try {
    c.f = format_of(c.p, c.callback);
  } catch (const protocol_error& e) {
    return impl_->failure(format::xml, "", e.code(), e.what());
  }
  c.client = c.p.get("c").value_or("");
  auto name = method_of(req.path);
  try {
    auto m = impl_->methods.find(name);
    auto a = impl_->audio_methods.find(name);
    if (m == impl_->methods.end() && a == impl_->audio_methods.end())
      throw protocol_error(error_code::generic, "Method not implemented by this server: " + name.substr(0, 60));
    if (name != "getOpenSubsonicExtensions") c.user = impl_->sign_in(c);
    if (a != impl_->audio_methods.end()) return a->second(*impl_, c);
    return impl_->answer(c, m->second(*impl_, c));
  } catch (const protocol_error& e) {
    return impl_->failure(c.f, c.callback, e.code(), e.what());
  } catch (const api_error& e) {
    // The database or Redis away: the protocol's generic error, with the HTTP status
    // that tells a balancer or a retrying client what happened.
    unsigned status = e.code() == errc::unavailable || e.code() == errc::overloaded ? 503 : 200;
    return impl_->failure(c.f, c.callback, error_code_for(e.code()), e.what(), status);
  }
}

}  // namespace tonearm::subsonic
