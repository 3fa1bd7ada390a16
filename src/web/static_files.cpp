// Static files of the web player: loaded into memory, ETag, gzip, 304.
#include "tonearm/web/static_files.hpp"

#include <zlib.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>

#include "tonearm/core/error.hpp"

namespace tonearm::web {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t max_file_bytes = 8u << 20;  // the player is small; a stray big file is skipped

bool servable_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.size() > 128) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

bool compressible(std::string_view type) {
  return type.starts_with("text/") || type.starts_with("application/javascript") ||
         type.starts_with("application/json") || type.starts_with("image/svg+xml") ||
         type.starts_with("application/manifest+json");
}

// 64-bit FNV-1a twice with different seeds: a 128-bit content tag (not security).
std::string content_tag(std::string_view data) {
  auto fnv = [&](std::uint64_t h) {
    for (unsigned char c : data) {
      h ^= c;
      h *= 1099511628211ull;
    }
    return h;
  };
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(fnv(14695981039346656037ull)),
                static_cast<unsigned long long>(fnv(0x9e3779b97f4a7c15ull)));
  return buf;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Names, sizes and modification times of the servable files, sorted.
std::string directory_signature(const fs::path& dir, std::vector<fs::path>* files) {
  std::error_code ec;
  std::map<std::string, std::string> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    auto name = it->path().filename().string();
    if (!servable_name(name) || !it->is_regular_file(ec)) continue;
    auto size = it->file_size(ec);
    auto mtime = fs::last_write_time(it->path(), ec);
    if (ec) continue;
    entries[name] = std::to_string(size) + ":" + std::to_string(mtime.time_since_epoch().count());
  }
  std::string sig;
  for (const auto& [name, stamp] : entries) {
    sig += name + "=" + stamp + ";";
    if (files) files->push_back(dir / name);
  }
  return sig;
}

}  // namespace

std::string_view content_type_for(std::string_view file_name) {
  static const std::array<std::pair<std::string_view, std::string_view>, 16> types{{
      {".html", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".mjs", "application/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".wasm", "application/wasm"},
      {".xml", "application/xml"},
  }};
  auto dot = file_name.rfind('.');
  if (dot != std::string_view::npos) {
    auto ext = lower(std::string(file_name.substr(dot)));
    for (const auto& [e, t] : types)
      if (e == ext) return t;
  }
  return "application/octet-stream";
}

bool accepts_gzip(std::string_view accept_encoding) {
  bool star = false, gzip = false, gzip_refused = false;
  std::stringstream list{std::string(accept_encoding)};
  std::string item;
  while (std::getline(list, item, ',')) {
    auto semi = item.find(';');
    auto coding = lower(trim(std::string_view(item).substr(0, semi)));
    bool refused = false;
    if (semi != std::string::npos) {
      auto params = lower(trim(std::string_view(item).substr(semi + 1)));
      if (params.starts_with("q=")) {
        try {
          refused = std::stod(params.substr(2)) <= 0.0;
        } catch (const std::exception&) {
          refused = false;
        }
      }
    }
    if (coding == "gzip" || coding == "x-gzip") (refused ? gzip_refused : gzip) = true;
    else if (coding == "*" && !refused) star = true;
  }
  return !gzip_refused && (gzip || star);
}

std::string gzip_compress(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return out;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  auto opaque = [](std::string_view t) {
    t = std::string_view(t).substr(t.starts_with("W/") ? 2 : 0);
    return t;
  };
  std::stringstream list{std::string(if_none_match)};
  std::string item;
  while (std::getline(list, item, ',')) {
    auto t = trim(item);
    if (t == "*" || opaque(t) == opaque(etag)) return true;
  }
  return false;
}

static_files::static_files(fs::path dir) : dir_(std::move(dir)) {
  auto files = current();
  if (files->empty())
    spdlog::warn("web: no files in '{}': the web player is not served", dir_.string());
  else
    spdlog::info("web: serving {} files from '{}'", files->size(), dir_.string());
}

std::size_t static_files::file_count() const { return current()->size(); }

std::shared_ptr<const static_files::file_map> static_files::current() const {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (files_ && now - checked_ < std::chrono::seconds(1)) return files_;
  checked_ = now;
  std::vector<fs::path> paths;
  auto sig = directory_signature(dir_, &paths);
  if (files_ && sig == signature_) return files_;
  auto map = std::make_shared<file_map>();
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::file_size(p, ec) > max_file_bytes || ec) {
      spdlog::warn("web: skipping '{}' (over {} bytes)", p.string(), max_file_bytes);
      continue;
    }
    std::ifstream in(p, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) continue;
    asset a;
    a.content_type = std::string(content_type_for(p.filename().string()));
    auto tag = content_tag(body);
    a.etag = "\"" + tag + "\"";
    if (compressible(a.content_type) && body.size() >= 256) {
      auto gz = gzip_compress(body);
      if (gz.size() + 64 < body.size()) {
        a.gzip = std::move(gz);
        a.gzip_etag = "\"" + tag + "-gz\"";
      }
    }
    a.body = std::move(body);
    map->emplace(p.filename().string(), std::move(a));
  }
  files_ = std::move(map);
  signature_ = std::move(sig);
  return files_;
}

http::response static_files::serve(const http::request& req, std::string_view name) const {
  if (name.empty()) name = "index.html";
  auto files = current();
  auto it = servable_name(name) ? files->find(name) : files->end();
  if (it == files->end())
    return http::error_response(errc::not_found, "no such resource: " + std::string(req.path));
  const asset& a = it->second;
  bool gz = !a.gzip.empty() && accepts_gzip(req.header("Accept-Encoding"));
  const std::string& etag = gz ? a.gzip_etag : a.etag;

  http::response res;
  res.headers.set("ETag", etag);
  // Names are not versioned, so browsers revalidate each time (a 304 is cheap).
  res.headers.set("Cache-Control", "no-cache");
  if (!a.gzip.empty()) res.headers.set("Vary", "Accept-Encoding");
  res.headers.set("X-Content-Type-Options", "nosniff");
  if (a.content_type.starts_with("text/html")) {
    // Everything the page needs comes from this server (the machine has no internet).
    res.headers.set("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
                    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                    "frame-ancestors 'none'");
    res.headers.set("Referrer-Policy", "same-origin");
  }
  auto inm = req.header("If-None-Match");
  if (!inm.empty() && etag_matches(inm, etag)) {
    res.status = 304;
    return res;
  }
  res.headers.set("Content-Type", a.content_type);
  if (gz) res.headers.set("Content-Encoding", "gzip");
  res.body = gz ? a.gzip : a.body;  // a copy: files are small and may be swapped on reload
  return res;
}

}  // namespace tonearm::web
