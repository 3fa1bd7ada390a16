// Server configuration: a JSON file, every key overridable by TONEARM_<KEY>.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace tonearm::app {

struct config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  // metrics_listen: GET /metrics on its own address (host:port) instead of on `listen`
  // (then absent there). Empty (the default): on the main listener.
  std::string metrics_host;
  std::uint16_t metrics_port = 0;
  std::string database_url = "postgresql://postgres@127.0.0.1:5432/tonearm";
  // A streaming standby for read-only queries (catalog, search index, charts, other
  // users' playlists); empty: they go to database_url too.
  std::string database_read_url;
  std::chrono::milliseconds database_read_max_lag{1000};  // further behind: reads on the primary
  std::string redis_url = "redis://127.0.0.1:6379/0";
  std::string blob_dir = ".run/blobs";
  // The ffmpeg that measures loudness and encodes renditions (ingest, `tonearm
  // renditions`): a name looked up on PATH, or a path.
  std::string ffmpeg = "ffmpeg";
  // false: ingest leaves loudness to `tonearm renditions` (a first import of a large
  // library goes at the speed of hashing; songs play meanwhile, unnormalized).
  bool ingest_loudness = true;
  // Where audio lives: "local" (blob_dir) or "s3" (an S3-compatible object store; its
  // chunks cached in chunk_cache_dir).
  std::string blob_backend = "local";
  std::string s3_endpoint;  // http(s)://host[:port]
  std::string s3_region = "us-east-1";
  std::string s3_bucket;
  std::string s3_prefix = "blobs/";  // keys are s3_prefix + the blob's SHA-256
  bool s3_path_style = true;         // false: virtual-hosted style (bucket.host)
  std::chrono::milliseconds s3_timeout{10000};  // one store call, retries included
  std::string s3_ca_file;            // PEM CAs an https endpoint's certificate must chain to ("": the system's)
  // Credentials; unset: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
  std::string s3_access_key_id;
  std::string s3_secret_access_key;
  std::string s3_session_token;
  std::string chunk_cache_dir = ".run/chunk-cache";
  std::uint64_t chunk_cache_bytes = 4ULL << 30;
  std::size_t s3_chunk_bytes = 1 << 20;
  std::string web_dir = "web";
  std::string log_level = "info";
  std::string log_format = "text";  // text | json (one object per line)
  int threads = 2;              // I/O threads
  int worker_threads = 16;      // blocking pool (database, Redis)
  int worker_queue = 1024;      // queued blocking tasks before "overloaded"
  int max_connections_per_address = 256;  // per client address (0: no cap; behind a proxy: 0)
  std::string trusted_proxies;            // addresses/CIDRs whose X-Forwarded-For names the client
  int db_pool_size = 16;
  std::chrono::milliseconds db_timeout{2000};       // wait for a free connection
  std::chrono::milliseconds db_startup_timeout{30000};
  std::chrono::milliseconds redis_timeout{250};     // connect and command
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds header_timeout{10000};  // whole request head
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30000};   // each write to a client
  std::chrono::milliseconds shutdown_grace{10000};  // in-flight responses on SIGTERM
  std::chrono::milliseconds drain_idle{5000};  // idle keep-alive connections on SIGTERM: their client closes first
  std::chrono::milliseconds log_slow{1000};  // warn about responses slower to be ready (0: never)
  std::chrono::milliseconds search_refresh{2000};   // how often to check for catalog changes
  std::chrono::milliseconds search_popularity_refresh{300000};  // rebuild for new play counts at most this often
  std::chrono::seconds play_dedup{30};              // one play per song and client in this time (0: off)
  std::chrono::seconds play_flush{10};              // how often play counts go to PostgreSQL
  std::int64_t hot_threshold = 20;                  // plays in the window that make a song hot
  std::chrono::seconds hot_window{300};
  std::uint64_t hot_max_bytes = 256ULL << 20;       // memory cap of the hot cache in Redis
  std::chrono::seconds hot_ttl{3600};
  std::chrono::seconds song_directory_ttl{30 * 86400};  // songs playable without PostgreSQL (0: off)
  std::chrono::seconds token_cache{30};  // a token confirmed this recently is not checked again (0: off)
  std::uint64_t hot_local_bytes = 64ULL << 20;      // hot chunks also kept in this process
  std::size_t stream_chunk_bytes = 56 * 1024;        // largest piece of a streamed body in memory
  int send_lowat_bytes = 1024 * 1024;                // TCP_NOTSENT_LOWAT of every connection (0: the kernel's)
  int max_streams = 0;                               // audio streams written at once before 503 (0: no limit)
  bool sendfile = true;                              // single-range blob bodies with sendfile(2)
  bool anonymous_access = true;                     // search and streaming without a token
  std::chrono::seconds session_ttl{30 * 86400};     // bearer token lifetime
  int login_attempts_per_user = 10;                 // failed logins per username per window
  int login_attempts_per_address = 50;              // logins and registrations per client address per window
  std::chrono::seconds login_window{300};
  // 64 hex digits (32 random bytes; `tonearm app-key` makes one) sealing the app
  // passwords Subsonic clients sign in with; never stored in the database. "": no app
  // passwords (API keys still work), and the server refuses to start while the
  // database holds any.
  std::string subsonic_secret_key;
  std::uint64_t password_hash_ops = 2;              // argon2id passes (libsodium "interactive")
  std::size_t password_hash_memory_kib = 65536;     // argon2id memory (64 MiB)
  int password_hash_concurrency = 2;                // hashes at once (each holds its memory)
  std::int64_t playlist_max_items = 10000;
};

// Thrown with a one-line message naming the key, e.g.
// "config key 'threads' (TONEARM_THREADS): expected an integer 1..256, got 'x'".
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The environment variable name for a key: "db_pool_size" -> "TONEARM_DB_POOL_SIZE".
std::string env_name(const std::string& key);

// Builds a config from defaults, then the JSON text `file_text` (may be empty), then
// `env` (variables named TONEARM_*; others ignored). Unknown keys in the file and
// unknown TONEARM_* variables are errors, so a typo never goes unnoticed.
config load_config(const std::string& file_text, const std::map<std::string, std::string>& env);

// Reads `path` (if it exists; a missing default file is fine, a missing explicit one
// is not) and the process environment.
config load_config_from(const std::string& path, bool path_is_explicit);

}  // namespace tonearm::app
