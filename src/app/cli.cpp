// Command dispatch, logging setup, and the serve/migrate commands.
#include "cli.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
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
#include "tonearm/store/catalog_writer.hpp"
#include "tonearm/store/migrations.hpp"

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

// A progress bar on a terminal, one line per file otherwise.
void show_progress(const catalog::ingest_progress& p, bool tty) {
  double mb = static_cast<double>(p.bytes_read) / 1e6;
  double rate = p.seconds > 0 ? mb / p.seconds : 0;
  if (tty) {
    int width = 30;
    int filled = p.total ? static_cast<int>(width * p.done / p.total) : width;
    std::fprintf(stderr, "\r[%s%s] %zu/%zu files  %.1f MB  %.1f MB/s ", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), p.done, p.total, mb, rate);
    if (p.done == p.total) std::fprintf(stderr, "\n");
  } else {
    std::fprintf(stderr, "ingest %zu/%zu %s: %s\n", p.done, p.total, p.event.c_str(), p.last_path.c_str());
  }
  std::fflush(stderr);
}

int cmd_ingest(const config& c, const std::vector<std::string>& dirs) {
  if (dirs.empty()) {
    std::cerr << "tonearm: ingest needs at least one directory\n";
    return 2;
  }
  migrate_with_retry(c, std::chrono::milliseconds(0));
  store::pg_pool db(c.database_url, 2, c.db_timeout);
  auto blobs_owner = open_blob_store(c);
  auto& blobs = *blobs_owner;
  store::catalog_writer writer(db);
  std::vector<std::filesystem::path> paths(dirs.begin(), dirs.end());
  bool tty = ::isatty(STDERR_FILENO) == 1;
  auto started = std::chrono::steady_clock::now();
  auto summary = catalog::ingest(paths, blobs, writer, [tty](const catalog::ingest_progress& p) { show_progress(p, tty); });
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (const auto& [path, reason] : summary.skipped_files) std::cout << "skipped " << path << ": " << reason << "\n";
  std::printf("ingest: %d added, %d unchanged, %d skipped, %.1f MB stored, %d authors updated, %.1f s\n",
              summary.added, summary.unchanged, summary.skipped, static_cast<double>(summary.bytes_stored) / 1e6,
              summary.authors_updated, secs);
  return 0;
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
  o.shutdown_grace = c.shutdown_grace;
  o.log_slow = c.log_slow;
  o.worker_threads = c.worker_threads;
  o.worker_queue = c.worker_queue;
  o.max_connections_per_address = c.max_connections_per_address;
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
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
      explicit_path = true;
    } else if (command == "ingest" && (args[i].empty() || args[i][0] != '-')) {
      operands.push_back(args[i]);
    } else {
      std::cerr << "tonearm: unexpected argument '" << args[i] << "'\n" << usage;
      return 2;
    }
  }
  if (command != "serve" && command != "migrate" && command != "ingest") {
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
    else if (command == "ingest") status = cmd_ingest(c, operands);
    else status = cmd_serve(c);
  } catch (const std::exception& e) {
    spdlog::critical("{} failed: {}", command, e.what());
  }
  spdlog::shutdown();  // flushes
  return status;
}

}  // namespace tonearm::app
