// Configuration parsing and validation: one table of keys, one parser per kind.
#include "tonearm/app/config.hpp"
#include "tonearm/core/environment.hpp"
#include "tonearm/http/forwarded.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>


namespace tonearm::app {

namespace {

struct key_spec {
  std::string key;
  std::function<void(config&, const std::string&)> set;  // throws std::invalid_argument with what was expected
};

long long parse_int(const std::string& v, long long lo, long long hi) {
  long long n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size() || v.empty() || n < lo || n > hi)
    throw std::invalid_argument("expected an integer " + std::to_string(lo) + ".." + std::to_string(hi));
  return n;
}

key_spec int_key(std::string key, long long lo, long long hi, std::function<void(config&, long long)> set) {
  return {std::move(key), [=](config& c, const std::string& v) { set(c, parse_int(v, lo, hi)); }};
}

key_spec ms_key(std::string key, long long lo, long long hi, std::chrono::milliseconds config::*field) {
  return int_key(std::move(key), lo, hi, [field](config& c, long long n) { c.*field = std::chrono::milliseconds(n); });
}

key_spec text_key(std::string key, std::string prefix, std::string config::*field) {
  return {std::move(key), [=](config& c, const std::string& v) {
            if (v.empty() || v.rfind(prefix, 0) != 0)
              throw std::invalid_argument(prefix.empty() ? "expected a non-empty value" : "expected a value starting with " + prefix);
            c.*field = v;
          }};
}

// host:port ([v6]:port) into its two parts.
std::pair<std::string, std::uint16_t> host_port(const std::string& v) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) throw std::invalid_argument("expected host:port");
  std::string host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, static_cast<std::uint16_t>(parse_int(v.substr(colon + 1), 0, 65535))};
}

void set_listen(config& c, const std::string& v) { std::tie(c.listen_host, c.listen_port) = host_port(v); }

void set_metrics_listen(config& c, const std::string& v) {
  if (v.empty()) {
    c.metrics_host.clear();
    c.metrics_port = 0;
    return;
  }
  std::tie(c.metrics_host, c.metrics_port) = host_port(v);
}

void set_log_level(config& c, const std::string& v) {
  static const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  for (const char* l : levels)
    if (v == l) {
      c.log_level = v;
      return;
    }
  throw std::invalid_argument("expected one of trace, debug, info, warn, error, critical, off");
}

// May be empty (unset).
key_spec optional_text_key(std::string key, std::string config::*field) {
  return {std::move(key), [=](config& c, const std::string& v) { c.*field = v; }};
}

key_spec bool_key(std::string key, bool config::*field) {
  return {std::move(key), [=](config& c, const std::string& v) {
            if (v == "true") c.*field = true;
            else if (v == "false") c.*field = false;
            else throw std::invalid_argument("expected true or false");
          }};
}

const std::vector<key_spec>& keys() {
  static const std::vector<key_spec> all = {
      {"listen", set_listen},
      {"metrics_listen", set_metrics_listen},
      text_key("database_url", "postgres", &config::database_url),
      {"database_read_url", [](config& c, const std::string& v) {
         if (!v.empty() && v.rfind("postgres", 0) != 0)
           throw std::invalid_argument("expected empty (reads on database_url) or a value starting with postgres");
         c.database_read_url = v;
       }},
      ms_key("database_read_max_lag_ms", 0, 3600000, &config::database_read_max_lag),
      text_key("redis_url", "redis://", &config::redis_url),
      text_key("blob_dir", "", &config::blob_dir),
      text_key("ffmpeg", "", &config::ffmpeg),
      bool_key("ingest_loudness", &config::ingest_loudness),
      {"blob_backend", [](config& c, const std::string& v) {
         if (v != "local" && v != "s3") throw std::invalid_argument("expected local or s3");
         c.blob_backend = v;
       }},
      {"s3_endpoint", [](config& c, const std::string& v) {
         if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
           throw std::invalid_argument("expected a URL starting with http:// or https://");
         if (v.find('@') != std::string::npos) throw std::invalid_argument("expected no credentials in the URL");
         c.s3_endpoint = v;
       }},
      text_key("s3_region", "", &config::s3_region),
      {"s3_bucket", [](config& c, const std::string& v) {
         // S3's rules for bucket names: 3..63 of a-z 0-9 . -, starting and ending
         // with a letter or digit.
         bool ok = v.size() >= 3 && v.size() <= 63;
         for (char ch : v) ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-');
         ok = ok && v.front() != '.' && v.front() != '-' && v.back() != '.' && v.back() != '-';
         if (!ok) throw std::invalid_argument("expected a bucket name (3 to 63 of a-z, 0-9, '.', '-')");
         c.s3_bucket = v;
       }},
      {"s3_prefix", [](config& c, const std::string& v) {
         if (!v.empty() && (v.front() == '/' || v.find("//") != std::string::npos))
           throw std::invalid_argument("expected a key prefix such as blobs/ (no leading '/', no '//')");
         c.s3_prefix = v;
       }},
      bool_key("s3_path_style", &config::s3_path_style),
      ms_key("s3_timeout_ms", 10, 600000, &config::s3_timeout),
      optional_text_key("s3_ca_file", &config::s3_ca_file),
      optional_text_key("s3_access_key_id", &config::s3_access_key_id),
      optional_text_key("s3_secret_access_key", &config::s3_secret_access_key),
      optional_text_key("s3_session_token", &config::s3_session_token),
      text_key("chunk_cache_dir", "", &config::chunk_cache_dir),
      int_key("chunk_cache_bytes", 16LL << 20, 1LL << 50,
              [](config& c, long long n) { c.chunk_cache_bytes = static_cast<std::uint64_t>(n); }),
      int_key("s3_chunk_bytes", 64 << 10, 64 << 20, [](config& c, long long n) { c.s3_chunk_bytes = static_cast<std::size_t>(n); }),
      text_key("web_dir", "", &config::web_dir),
      {"log_level", set_log_level},
      {"log_format", [](config& c, const std::string& v) {
         if (v != "text" && v != "json") throw std::invalid_argument("expected text or json");
         c.log_format = v;
       }},
      int_key("threads", 1, 256, [](config& c, long long n) { c.threads = static_cast<int>(n); }),
      int_key("worker_threads", 1, 1024, [](config& c, long long n) { c.worker_threads = static_cast<int>(n); }),
      int_key("worker_queue", 1, 1000000, [](config& c, long long n) { c.worker_queue = static_cast<int>(n); }),
      {"trusted_proxies", [](config& c, const std::string& v) {
         http::trusted_proxies::parse(v);  // throws naming a bad entry
         c.trusted_proxies = v;
       }},
      int_key("max_connections_per_address", 0, 10000000,
              [](config& c, long long n) { c.max_connections_per_address = static_cast<int>(n); }),
      int_key("db_pool_size", 1, 1000, [](config& c, long long n) { c.db_pool_size = static_cast<int>(n); }),
      ms_key("db_timeout_ms", 1, 600000, &config::db_timeout),
      ms_key("db_startup_timeout_ms", 0, 3600000, &config::db_startup_timeout),
      ms_key("redis_timeout_ms", 1, 60000, &config::redis_timeout),
      int_key("max_header_bytes", 1024, 1 << 20, [](config& c, long long n) { c.max_header_bytes = static_cast<std::size_t>(n); }),
      int_key("max_body_bytes", 0, 1LL << 30, [](config& c, long long n) { c.max_body_bytes = static_cast<std::size_t>(n); }),
      ms_key("header_timeout_ms", 1, 3600000, &config::header_timeout),
      ms_key("idle_timeout_ms", 1, 3600000, &config::idle_timeout),
      ms_key("write_timeout_ms", 1, 3600000, &config::write_timeout),
      ms_key("shutdown_grace_ms", 0, 3600000, &config::shutdown_grace),
      ms_key("drain_idle_ms", 0, 3600000, &config::drain_idle),
      ms_key("log_slow_ms", 0, 3600000, &config::log_slow),
      ms_key("search_refresh_ms", 10, 3600000, &config::search_refresh),
      ms_key("search_popularity_refresh_ms", 10, 86400000, &config::search_popularity_refresh),
      int_key("play_dedup_seconds", 0, 86400, [](config& c, long long n) { c.play_dedup = std::chrono::seconds(n); }),
      int_key("play_flush_seconds", 1, 3600, [](config& c, long long n) { c.play_flush = std::chrono::seconds(n); }),
      int_key("hot_threshold", 1, 1000000000, [](config& c, long long n) { c.hot_threshold = n; }),
      int_key("hot_window_seconds", 1, 86400 * 30, [](config& c, long long n) { c.hot_window = std::chrono::seconds(n); }),
      int_key("hot_max_bytes", 0, 1LL << 40, [](config& c, long long n) { c.hot_max_bytes = static_cast<std::uint64_t>(n); }),
      int_key("hot_local_bytes", 0, 1LL << 40, [](config& c, long long n) { c.hot_local_bytes = static_cast<std::uint64_t>(n); }),
      int_key("hot_ttl_seconds", 1, 86400 * 30, [](config& c, long long n) { c.hot_ttl = std::chrono::seconds(n); }),
      int_key("token_cache_seconds", 0, 3600, [](config& c, long long n) { c.token_cache = std::chrono::seconds(n); }),
      int_key("song_directory_ttl_seconds", 0, 86400 * 366, [](config& c, long long n) { c.song_directory_ttl = std::chrono::seconds(n); }),
      bool_key("anonymous_access", &config::anonymous_access),
      bool_key("sendfile", &config::sendfile),
      int_key("stream_chunk_bytes", 4096, 16 << 20, [](config& c, long long n) { c.stream_chunk_bytes = static_cast<std::size_t>(n); }),
      int_key("max_streams", 0, 10000000, [](config& c, long long n) { c.max_streams = static_cast<int>(n); }),
      int_key("send_lowat_bytes", 0, 64 << 20, [](config& c, long long n) { c.send_lowat_bytes = static_cast<int>(n); }),
      int_key("session_ttl_seconds", 60, 86400 * 366, [](config& c, long long n) { c.session_ttl = std::chrono::seconds(n); }),
      int_key("login_attempts_per_user", 1, 1000000, [](config& c, long long n) { c.login_attempts_per_user = static_cast<int>(n); }),
      int_key("login_attempts_per_address", 1, 1000000, [](config& c, long long n) { c.login_attempts_per_address = static_cast<int>(n); }),
      int_key("login_window_seconds", 1, 86400, [](config& c, long long n) { c.login_window = std::chrono::seconds(n); }),
      {"subsonic_secret_key", [](config& c, const std::string& v) {
         bool hex = v.size() == 64 && v.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
         if (!v.empty() && !hex)
           throw std::invalid_argument("expected 64 hex digits (32 random bytes; `tonearm app-key` makes one)");
         c.subsonic_secret_key = v;
       }},
      int_key("password_hash_ops", 1, 100, [](config& c, long long n) { c.password_hash_ops = static_cast<std::uint64_t>(n); }),
      int_key("password_hash_memory_kib", 8, 4 << 20, [](config& c, long long n) { c.password_hash_memory_kib = static_cast<std::size_t>(n); }),
      int_key("password_hash_concurrency", 1, 256, [](config& c, long long n) { c.password_hash_concurrency = static_cast<int>(n); }),
      int_key("playlist_max_items", 1, 1000000, [](config& c, long long n) { c.playlist_max_items = n; }),
  };
  return all;
}

const key_spec* find_key(const std::string& key) {
  for (const auto& k : keys())
    if (k.key == key) return &k;
  return nullptr;
}

void apply(config& c, const key_spec& spec, const std::string& value, const std::string& source) {
  try {
    spec.set(c, value);
  } catch (const std::invalid_argument& e) {
    throw config_error("config key '" + spec.key + "' (" + source + "): " + e.what() + ", got '" + value + "'");
  }
}

}  // namespace

std::string env_name(const std::string& key) {
  std::string out = "TONEARM_";
  for (char ch : key) out.push_back(static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch));
  return out;
}

config load_config(const std::string& file_text, const std::map<std::string, std::string>& env) {
  config c;
  if (!file_text.empty()) {
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(file_text);
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e400
      throw config_error(std::string("config file is not valid JSON: ") + e.what());
    }
    if (!doc.is_object()) throw config_error("config file must hold a JSON object");
    for (const auto& [key, value] : doc.items()) {
      const key_spec* spec = find_key(key);
      if (!spec) throw config_error("config file has unknown key '" + key + "'");
      std::string text;
      if (value.is_string()) text = value.get<std::string>();
      else if (value.is_number_unsigned()) text = std::to_string(value.get<unsigned long long>());
      else if (value.is_number_integer()) text = std::to_string(value.get<long long>());
      else if (value.is_boolean()) text = value.get<bool>() ? "true" : "false";
      else throw config_error("config key '" + key + "' (file): expected a string, an integer or a boolean, got " + value.dump());
      apply(c, *spec, text, "file");
    }
  }
  for (const auto& [name, value] : env) {
    if (name.rfind("TONEARM_", 0) != 0) continue;
    const key_spec* spec = nullptr;
    for (const auto& k : keys())
      if (env_name(k.key) == name) spec = &k;
    if (!spec) {
      // Variables the server reads elsewhere, or that only tools and tests use.
      if (name == "TONEARM_CONFIG" || name.rfind("TONEARM_TEST_", 0) == 0 || name == "TONEARM_BIN") continue;
      throw config_error("unknown environment variable " + name);
    }
    apply(c, *spec, value, name);
  }
  // The standard AWS variables when the keys are unset (as every AWS SDK reads them).
  auto from_env = [&](std::string& field, const char* name) {
    if (!field.empty()) return;
    if (auto it = env.find(name); it != env.end()) field = it->second;
  };
  from_env(c.s3_access_key_id, "AWS_ACCESS_KEY_ID");
  from_env(c.s3_secret_access_key, "AWS_SECRET_ACCESS_KEY");
  from_env(c.s3_session_token, "AWS_SESSION_TOKEN");
  if (c.blob_backend == "s3") {
    if (c.s3_endpoint.empty()) throw config_error("blob_backend s3 needs s3_endpoint (TONEARM_S3_ENDPOINT)");
    if (c.s3_bucket.empty()) throw config_error("blob_backend s3 needs s3_bucket (TONEARM_S3_BUCKET)");
    if (c.s3_access_key_id.empty() || c.s3_secret_access_key.empty())
      throw config_error("blob_backend s3 needs credentials: s3_access_key_id and s3_secret_access_key, or "
                         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    if (!c.s3_path_style && c.s3_bucket.find('.') != std::string::npos)
      throw config_error("s3_path_style false needs a bucket name without '.' (it becomes a host name label)");
  }
  return c;
}

config load_config_from(const std::string& path, bool path_is_explicit) {
  std::string text;
  std::ifstream in(path);
  if (in) {
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  } else if (path_is_explicit) {
    throw config_error("cannot read config file " + path);
  }
  auto env = tonearm::core::environment();
  return load_config(text, env);
}

}  // namespace tonearm::app
