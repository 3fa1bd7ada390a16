// Command dispatch, logging setup, and the serve/migrate commands.
#include "cli.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <atomic>
#include <csignal>
#include <mutex>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "tonearm/app/blob_backend.hpp"
#include "tonearm/app/routes.hpp"
#include "tonearm/app/config.hpp"
#include "tonearm/app/services.hpp"
#include "tonearm/core/log_format.hpp"
#include "tonearm/http/server.hpp"
#include "tonearm/metrics/metrics.hpp"
#include "tonearm/catalog/ingest.hpp"
#include "tonearm/catalog/media_job.hpp"
#include "tonearm/store/catalog_writer.hpp"
#include "tonearm/store/migrations.hpp"
#include "tonearm/store/s3_blob_store.hpp"

#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef TONEARM_COMMIT
#define TONEARM_COMMIT "unknown"
#endif
#ifndef TONEARM_VERSION
#define TONEARM_VERSION "0.0.0"
#endif

namespace tonearm::app {

namespace {

constexpr const char* usage = R"(tonearm - a music streaming server

Usage:
  tonearm serve   [--config FILE]   run the HTTP server (applies migrations first)
  tonearm migrate [--config FILE]   apply database migrations and exit
  tonearm ingest  [--config FILE] DIR...
                                    add the tagged audio files under DIR to the catalog
                                    (measures each new song's loudness and queues
                                    it for renditions; --renditions makes them too)
  tonearm renditions [--config FILE] [--workers N] [--retry-failed]
                                    encode the renditions (Opus 96/160/256, AAC 128)
                                    and measure the loudness of every queued song;
                                    resumable, a failed song is retried later
                                    (--retry-failed: now)
  tonearm blobs push [--config FILE] [DIR]
                                    copy a local blob directory (DIR, default blob_dir)
                                    into the S3 bucket (blob_backend s3); resumable
  tonearm blobs check [--config FILE]
                                    check that every song's blob is in the blob store
                                    with the catalog's size; name those that are not
  tonearm app-key                   print a new random subsonic_secret_key (the key
                                    that seals app passwords for Subsonic apps)
  tonearm --help | --version

Configuration comes from FILE (default: config/tonearm.json if present, or the
file named by TONEARM_CONFIG), and every key can be overridden by an environment
variable TONEARM_<KEY>, e.g. TONEARM_LISTEN=0.0.0.0:8080, TONEARM_DATABASE_URL,
TONEARM_REDIS_URL, TONEARM_BLOB_DIR, TONEARM_LOG_LEVEL, TONEARM_THREADS.
)";

// %J in the JSON pattern: the message as "message":"..." (escaped, invalid UTF-8
// replaced), or as is when it is already JSON members (logging::json_members).
class json_message_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    if (!text.empty() && text.front() == logging::json_members) {
      dest.append(text.data() + 1, text.data() + text.size());
      return;
    }
    auto escaped = nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    static constexpr std::string_view key = "\"message\":";
    dest.append(key.data(), key.data() + key.size());
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<json_message_flag>(); }
};

void setup_logging(const std::string& level, const std::string& format) {
  auto logger = spdlog::stderr_color_mt("tonearm");
  if (format == "json") {
    logging::current_format() = logging::format::json;
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc, "\n");
    formatter->add_flag<json_message_flag>('J').set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%J})");
    logger->set_formatter(std::move(formatter));
  } else {
    logging::current_format() = logging::format::text;
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  }
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  // Not a write per access line: flush warnings at once, the rest every second (and
  // at exit, see run_cli).
  spdlog::flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
}

// Applies migrations, retrying while the database is not reachable yet (it may be
// starting next to us) for up to `patience`.
store::migration_report migrate_with_retry(const config& c, std::chrono::milliseconds patience) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  for (int attempt = 1;; ++attempt) {
    try {
      return store::apply_migrations(c.database_url, store::embedded_migrations());
    } catch (const store::database_unreachable& e) {
      if (std::chrono::steady_clock::now() >= deadline) throw;
      if (attempt == 1) spdlog::warn("database not reachable yet ({}); retrying", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

int cmd_migrate(const config& c) {
  auto report = migrate_with_retry(c, std::chrono::milliseconds(0));
  spdlog::info("migrations: {} applied now, {} already applied, schema version {}", report.applied,
               report.already_applied, report.current_version);
  return 0;
}

// "[#########         ]": `done` of `total`, 30 wide.
std::string progress_bar(std::uint64_t done, std::uint64_t total) {
  constexpr std::uint64_t width = 30;
  auto filled = total ? std::min(width, width * done / total) : width;
  return "[" + std::string(filled, '#') + std::string(width - filled, ' ') + "]";
}

// A progress bar on a terminal, one line per file otherwise.
void show_progress(const catalog::ingest_progress& p, bool tty) {
  double mb = static_cast<double>(p.bytes_read) / 1e6;
  double rate = p.seconds > 0 ? mb / p.seconds : 0;
  if (tty) {
    std::fprintf(stderr, "\r%s %zu/%zu files  %.1f MB  %.1f MB/s ", progress_bar(p.done, p.total).c_str(), p.done,
                 p.total, mb, rate);
    if (p.done == p.total) std::fprintf(stderr, "\n");
  } else {
    std::fprintf(stderr, "ingest %zu/%zu %s: %s\n", p.done, p.total, p.event.c_str(), p.last_path.c_str());
  }
  std::fflush(stderr);
}

// A progress bar on a terminal, one line per song otherwise.
void show_media_progress(const catalog::media_job_progress& p, bool tty) {
  double per_minute = p.seconds > 0 ? 60.0 * static_cast<double>(p.done + p.failed) / p.seconds : 0;
  if (tty) {
    auto finished = p.done + p.failed;
    std::fprintf(stderr, "\r%s %lld/%lld songs  %lld failed  %.1f songs/min ",
                 progress_bar(static_cast<std::uint64_t>(finished), static_cast<std::uint64_t>(p.total)).c_str(),
                 static_cast<long long>(finished), static_cast<long long>(p.total), static_cast<long long>(p.failed),
                 per_minute);
  } else {
    std::fprintf(stderr, "renditions %lld/%lld song %lld: %s\n", static_cast<long long>(p.done + p.failed),
                 static_cast<long long>(p.total), static_cast<long long>(p.song_id), p.event.c_str());
  }
  std::fflush(stderr);
}

// The media job over the whole queue, with a summary line.
int run_renditions(const config& c, store::pg_pool& db, store::blob_store& blobs, int workers) {
  store::media_repository media(db);
  catalog::media_job_options options;
  options.workers = workers;
  options.ffmpeg.binary = c.ffmpeg;
  bool tty = ::isatty(STDERR_FILENO) == 1;
  auto summary = catalog::run_media_job(media, blobs, options,
                                        [tty](const catalog::media_job_progress& p) { show_media_progress(p, tty); });
  if (tty && summary.songs_done + summary.songs_failed > 0) std::fprintf(stderr, "\n");
  for (const auto& [id, reason] : summary.failures) std::cout << "failed song " << id << ": " << reason << "\n";
  auto left = media.state();
  std::printf("renditions: %d songs done, %d renditions, %d loudness measured, %.1f MB stored, %d failed "
              "(%lld waiting to retry), %.1f s, %.1f songs/min\n",
              summary.songs_done, summary.renditions_made, summary.loudness_measured,
              static_cast<double>(summary.bytes_stored) / 1e6, summary.songs_failed,
              static_cast<long long>(left.waiting), summary.seconds,
              summary.seconds > 0 ? 60.0 * (summary.songs_done + summary.songs_failed) / summary.seconds : 0.0);
  return summary.songs_failed > 0 ? 3 : 0;
}

int cmd_renditions(const config& c, int workers, bool retry_failed) {
  migrate_with_retry(c, std::chrono::milliseconds(0));
  store::pg_pool db(c.database_url, static_cast<std::size_t>(workers) + 1, c.db_timeout);
  auto blobs_owner = open_blob_store(c);
  if (retry_failed) {
    store::media_repository media(db);
    std::printf("renditions: %d failed songs due again\n", media.retry_failed());
  }
  return run_renditions(c, db, *blobs_owner, workers);
}

int cmd_ingest(const config& c, const std::vector<std::string>& dirs, bool renditions, int workers) {
  if (dirs.empty()) {
    std::cerr << "tonearm: ingest needs at least one directory\n";
    return 2;
  }
  migrate_with_retry(c, std::chrono::milliseconds(0));
  store::pg_pool db(c.database_url, static_cast<std::size_t>(workers) + 1, c.db_timeout);
  auto blobs_owner = open_blob_store(c);
  auto& blobs = *blobs_owner;
  store::catalog_writer writer(db);
  store::media_repository media_repo(db);
  media::ffmpeg_options ffmpeg;
  ffmpeg.binary = c.ffmpeg;
  catalog::ingest_media media{media_repo, ffmpeg, c.ingest_loudness, workers};
  std::vector<std::filesystem::path> paths(dirs.begin(), dirs.end());
  bool tty = ::isatty(STDERR_FILENO) == 1;
  auto started = std::chrono::steady_clock::now();
  auto summary = catalog::ingest(
      paths, blobs, writer, [tty](const catalog::ingest_progress& p) { show_progress(p, tty); }, &media);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (const auto& [path, reason] : summary.skipped_files) std::cout << "skipped " << path << ": " << reason << "\n";
  for (const auto& [path, reason] : summary.cover_problems) std::cout << "no cover for " << path << ": " << reason << "\n";
  for (const auto& [path, reason] : summary.loudness_problems)
    std::cout << "loudness not measured for " << path << " (the media job tries again): " << reason << "\n";
  std::printf("ingest: %d added, %d unchanged, %d skipped, %d covers, %.1f MB stored, %d authors updated, "
              "%d loudness measured, %d queued for renditions, %.1f s\n",
              summary.added, summary.unchanged, summary.skipped, summary.covers_added,
              static_cast<double>(summary.bytes_stored) / 1e6, summary.authors_updated, summary.loudness_measured,
              summary.media_queued, secs);
  std::fflush(stdout);
  if (renditions) return run_renditions(c, db, blobs, workers);
  return 0;
}

// Files of a local blob directory (ROOT/ab/cd/<sha256>): what `blobs push` copies.
std::vector<std::pair<std::string, std::filesystem::path>> local_blobs(const std::filesystem::path& root) {
  std::vector<std::pair<std::string, std::filesystem::path>> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    auto name = e.path().filename().string();
    if (e.is_regular_file() && store::valid_blob_key(name)) out.emplace_back(name, e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// tonearm blobs push [DIR]: every blob of a local blob directory (default blob_dir)
// into the S3 bucket. Blobs already there (same size) are skipped, so it is idempotent
// and an interrupted push goes on where it stopped; four uploads at a time.
int cmd_blobs_push(const config& c, const std::string& dir_arg) {
  if (c.blob_backend != "s3") {
    std::cerr << "tonearm: blobs push copies a local blob directory into the S3 bucket: set blob_backend to s3 "
                 "and the s3_* keys (the directory: DIR, or blob_dir)\n";
    return 2;
  }
  std::filesystem::path dir = dir_arg.empty() ? std::filesystem::path(c.blob_dir) : std::filesystem::path(dir_arg);
  if (!std::filesystem::is_directory(dir)) {
    std::cerr << "tonearm: blobs push: " << dir.string() << " is not a directory\n";
    return 2;
  }
  auto owner = open_blob_store(c);
  auto* s3_store = dynamic_cast<store::s3_blob_store*>(owner.get());
  auto files = local_blobs(dir);
  std::uint64_t total = 0;
  for (const auto& [key, path] : files) total += std::filesystem::file_size(path);
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> done_bytes{0};
  std::atomic<int> uploaded{0}, present{0}, failed{0};
  std::mutex print;
  bool tty = ::isatty(STDERR_FILENO) == 1;
  auto started = std::chrono::steady_clock::now();
  auto report = [&](const std::string& line) {
    std::lock_guard lock(print);
    double mb = static_cast<double>(done_bytes.load()) / 1e6;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::size_t n = static_cast<std::size_t>(uploaded + present + failed);
    if (tty && line.empty()) {
      const int width = 30;
      int filled = total ? static_cast<int>(width * static_cast<double>(done_bytes.load()) / static_cast<double>(total)) : width;
      std::fprintf(stderr, "\r[%s%s] %zu/%zu blobs  %.1f/%.1f MB  %.1f MB/s ", std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), n, files.size(), mb, static_cast<double>(total) / 1e6,
                   secs > 0 ? mb / secs : 0.0);
    } else if (!line.empty()) {
      std::fprintf(stderr, "%sblobs push %zu/%zu: %s\n", tty ? "\n" : "", n, files.size(), line.c_str());
    }
    std::fflush(stderr);
  };
  auto work = [&] {
    for (std::size_t i; (i = next++) < files.size();) {
      const auto& [key, path] = files[i];
      auto size = std::filesystem::file_size(path);
      try {
        std::uint64_t sent = 0;
        bool put = s3_store->put_file(key, path, [&](std::uint64_t n) {
          done_bytes += n - sent;
          sent = n;
          report("");
        });
        done_bytes += size - sent;
        if (put) ++uploaded;
        else ++present;
        report(tty ? "" : key + (put ? " uploaded" : " already there"));
      } catch (const std::exception& e) {
        done_bytes += size;
        ++failed;
        report(key + " failed: " + e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  if (tty) std::fprintf(stderr, "\n");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("blobs push: %d uploaded, %d already there, %d failed, %.1f MB, %.1f s\n", uploaded.load(), present.load(),
              failed.load(), static_cast<double>(total) / 1e6, secs);
  return failed ? 1 : 0;
}

// tonearm blobs check: every song's blob is in the blob store with the catalog's size;
// names those that are not. Exit status 1 when any is missing or of another size.
int cmd_blobs_check(const config& c) {
  store::pg_pool db(c.database_url, 8, c.db_timeout);
  store::catalog_writer writer(db);
  auto blobs = open_blob_store(c);
  std::atomic<int> missing{0}, wrong{0};
  std::int64_t checked = 0, after = 0;
  std::mutex print;
  for (;;) {
    auto page = writer.song_blobs(after, 1000);
    if (page.empty()) break;
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i; (i = next++) < page.size();) {
        const auto& s = page[i];
        std::string problem;
        try {
          auto r = store::valid_blob_key(s.blob_key) ? blobs->open(s.blob_key) : nullptr;
          if (!r) {
            problem = "missing";
            ++missing;
          } else if (r->size() != static_cast<std::uint64_t>(s.byte_size)) {
            problem = "has " + std::to_string(r->size()) + " bytes, the catalog says " + std::to_string(s.byte_size);
            ++wrong;
          }
        } catch (const std::exception& e) {
          problem = std::string("not checked: ") + e.what();
          ++missing;
        }
        if (!problem.empty()) {
          std::lock_guard lock(print);
          std::printf("song %lld: blob %s %s\n", static_cast<long long>(s.id), s.blob_key.c_str(), problem.c_str());
        }
      }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) threads.emplace_back(work);
    for (auto& t : threads) t.join();
    checked += static_cast<std::int64_t>(page.size());
    after = page.back().id;
  }
  std::printf("blobs check: %lld songs, %d missing, %d of another size (%s)\n", static_cast<long long>(checked),
              missing.load(), wrong.load(), c.blob_backend == "s3" ? ("s3://" + c.s3_bucket + "/" + c.s3_prefix).c_str() : c.blob_dir.c_str());
  return missing || wrong ? 1 : 0;
}

// Every connection and open blob is a descriptor, and the usual soft limit (1024)
// would cap the server near a thousand listeners: raise it to the hard limit.
void raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t before = lim.rlim_cur;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      spdlog::warn("open file limit stays at {}: raising it to {} failed", static_cast<long long>(before),
                   static_cast<long long>(lim.rlim_max));
      return;
    }
  }
  spdlog::info("open file limit: {} (was {}; hard limit {})", static_cast<long long>(lim.rlim_cur),
               static_cast<long long>(before), static_cast<long long>(lim.rlim_max));
}

int cmd_serve(const config& c) {
  raise_open_file_limit();
  migrate_with_retry(c, c.db_startup_timeout);
  metrics::set_build_info(TONEARM_VERSION, TONEARM_COMMIT);
  services svc(c);
  {
    // Connections for every worker before the first request, not made by it.
    auto want = static_cast<std::size_t>(std::min(c.db_pool_size, c.worker_threads));
    auto opened = svc.db.warm(want);
    if (svc.read_db) opened += svc.read_db->warm(want);
    auto redis = svc.redis.warm(static_cast<std::size_t>(c.worker_threads));
    spdlog::debug("pools warmed: {} PostgreSQL and {} Redis connections", opened, redis);
  }
  // App passwords sealed under another key (or with none configured) would all fail:
  // say so now, once, instead of refusing every Subsonic app.
  for (const auto& id : svc.app_credentials.key_ids())
    if (!svc.app_box || svc.app_box->key_id() != id)
      throw std::runtime_error(
          svc.app_box ? "subsonic_secret_key is not the key the stored app passwords were sealed with (key id " + id +
                            "; this key's id is " + svc.app_box->key_id() + ")"
                      : "the database holds app passwords but subsonic_secret_key is not set (they were sealed with "
                        "key id " + id + ")");
  svc.reads.start();  // before the search index: its first build may read the standby
  svc.search.start();
  svc.start_play_flusher();
  auto routes = build_routes(svc);
  http::server_options o;
  o.host = c.listen_host;
  o.port = c.listen_port;
  o.threads = c.threads;
  o.max_header_bytes = c.max_header_bytes;
  o.max_body_bytes = c.max_body_bytes;
  o.header_timeout = c.header_timeout;
  o.idle_timeout = c.idle_timeout;
  o.write_timeout = c.write_timeout;
  o.sendfile = c.sendfile;
  o.stream_chunk_bytes = c.stream_chunk_bytes;
  o.send_lowat_bytes = c.send_lowat_bytes;
  o.max_streams = c.max_streams;
  o.shutdown_grace = c.shutdown_grace;
  o.drain_idle = c.drain_idle;
  o.log_slow = c.log_slow;
  o.worker_threads = c.worker_threads;
  o.worker_queue = c.worker_queue;
  o.max_connections_per_address = c.max_connections_per_address;
  o.proxies = http::trusted_proxies::parse(c.trusted_proxies);
  o.stats = &svc.connections;
  http::server srv(o, routes);
  srv.listen();
  // metrics_listen: /metrics on an address of its own (one I/O thread, one worker),
  // stopped with the main server (both take SIGTERM; stop() when run() returns).
  std::unique_ptr<http::server> metrics_srv;
  std::thread metrics_thread;
  http::router metrics_routes = build_metrics_routes();
  if (!c.metrics_host.empty()) {
    http::server_options m;
    m.host = c.metrics_host;
    m.port = c.metrics_port;
    m.threads = 1;
    m.worker_threads = 1;
    m.worker_queue = 16;
    m.shutdown_grace = std::chrono::milliseconds(1000);
    metrics_srv = std::make_unique<http::server>(m, metrics_routes);
    metrics_srv->listen();
    spdlog::info("metrics on http://{}:{}/metrics", c.metrics_host, metrics_srv->port());
    metrics_thread = std::thread([&metrics_srv] { metrics_srv->run(); });
  }
  spdlog::info("tonearm {} listening on http://{}:{} ({} I/O threads, {} workers)", TONEARM_VERSION, c.listen_host,
               srv.port(), c.threads, c.worker_threads);
  srv.run();
  if (metrics_srv) {
    metrics_srv->stop();
    metrics_thread.join();
  }
  svc.stop_play_flusher();  // counts reach PostgreSQL before we exit
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "app-key" && args.size() == 1) {
    std::cout << accounts::secret_box::new_key_text() << "\n";
    return 0;
  }
  if (args[0] == "--version") {
    std::cout << "tonearm " << TONEARM_VERSION << "\n";
    return 0;
  }
  std::string command = args[0];
  std::vector<std::string> operands;
  std::string config_path = "config/tonearm.json";
  bool explicit_path = false;
  if (const char* env = std::getenv("TONEARM_CONFIG")) {
    config_path = env;
    explicit_path = true;
  }
  bool renditions = false, retry_failed = false;
  int workers = std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
      explicit_path = true;
    } else if (command == "ingest" && args[i] == "--renditions") {
      renditions = true;
    } else if (command == "renditions" && args[i] == "--retry-failed") {
      retry_failed = true;
    } else if ((command == "renditions" || command == "ingest") && args[i] == "--workers" && i + 1 < args.size()) {
      auto text = args[++i];
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), workers);
      if (ec != std::errc{} || p != text.data() + text.size() || workers < 1 || workers > 64) {
        std::cerr << "tonearm: --workers takes a number from 1 to 64, got '" << text << "'\n";
        return 2;
      }
    } else if ((command == "ingest" || command == "blobs") && (args[i].empty() || args[i][0] != '-')) {
      operands.push_back(args[i]);
    } else {
      std::cerr << "tonearm: unexpected argument '" << args[i] << "'\n" << usage;
      return 2;
    }
  }
  if (command == "blobs" && (operands.empty() || (operands[0] != "push" && operands[0] != "check") ||
                            operands.size() > (operands[0] == "push" ? 2u : 1u))) {
    std::cerr << "tonearm: blobs takes push [DIR] or check\n" << usage;
    return 2;
  }
  if (command != "serve" && command != "migrate" && command != "ingest" && command != "blobs" &&
      command != "renditions") {
    std::cerr << "tonearm: unknown command '" << command << "'\n" << usage;
    return 2;
  }
  config c;
  try {
    c = load_config_from(config_path, explicit_path);
  } catch (const config_error& e) {
    std::cerr << "tonearm: " << e.what() << "\n";
    return 2;
  }
  setup_logging(c.log_level, c.log_format);
  std::signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) {
    spdlog::critical("libsodium failed to initialise");
    return 1;
  }
  int status = 1;
  try {
    if (command == "migrate") status = cmd_migrate(c);
    else if (command == "ingest") status = cmd_ingest(c, operands, renditions, workers);
    else if (command == "renditions") status = cmd_renditions(c, workers, retry_failed);
    else if (command == "blobs" && operands[0] == "push") status = cmd_blobs_push(c, operands.size() > 1 ? operands[1] : "");
    else if (command == "blobs") status = cmd_blobs_check(c);
    else status = cmd_serve(c);
  } catch (const std::exception& e) {
    spdlog::critical("{} failed: {}", command, e.what());
  }
  spdlog::shutdown();  // flushes
  return status;
}

}  // namespace tonearm::app
