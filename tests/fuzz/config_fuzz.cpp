// load_config: the JSON config file text and the TONEARM_* environment.
// Input: the file text, then optionally a line "--" followed by environment lines
// NAME=VALUE. It must either throw config_error or return a config whose values are
// within the documented bounds.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tonearm/app/config.hpp"

using namespace tonearm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  std::string_view file = input, env_text;
  if (input.substr(0, 3) == "--\n") {
    file = {};
    env_text = input.substr(3);
  } else if (auto sep = input.find("\n--\n"); sep != std::string_view::npos) {
    file = input.substr(0, sep);
    env_text = input.substr(sep + 4);
  }
  std::map<std::string, std::string> env;
  if (!env_text.empty())
    for (auto line : fuzz::lines(env_text)) {
      auto eq = line.find('=');
      if (eq != std::string_view::npos) env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }

  app::config c;
  try {
    c = app::load_config(std::string(file), env);
  } catch (const app::config_error& e) {
    FUZZ_CHECK(e.what()[0] != '\0', "config_error without a message");
    return 0;
  }
  FUZZ_CHECK(c.threads >= 1 && c.threads <= 256, "threads %d", c.threads);
  FUZZ_CHECK(c.worker_threads >= 1 && c.worker_threads <= 1024, "worker_threads %d", c.worker_threads);
  FUZZ_CHECK(c.worker_queue >= 1 && c.worker_queue <= 1000000, "worker_queue %d", c.worker_queue);
  FUZZ_CHECK(c.db_pool_size >= 1 && c.db_pool_size <= 1000, "db_pool_size %d", c.db_pool_size);
  FUZZ_CHECK(c.db_timeout.count() >= 1, "db_timeout");
  FUZZ_CHECK(c.redis_timeout.count() >= 1 && c.redis_timeout.count() <= 60000, "redis_timeout");
  FUZZ_CHECK(c.max_header_bytes >= 1024 && c.max_header_bytes <= (1u << 20), "max_header_bytes %zu", c.max_header_bytes);
  FUZZ_CHECK(c.max_body_bytes <= (1u << 30), "max_body_bytes %zu", c.max_body_bytes);
  FUZZ_CHECK(c.stream_chunk_bytes >= 4096 && c.stream_chunk_bytes <= (16u << 20), "stream_chunk_bytes %zu",
             c.stream_chunk_bytes);
  FUZZ_CHECK(c.search_refresh.count() >= 10, "search_refresh");
  FUZZ_CHECK(c.play_flush.count() >= 1, "play_flush");
  FUZZ_CHECK(c.hot_threshold >= 1, "hot_threshold");
  FUZZ_CHECK(c.session_ttl.count() >= 60, "session_ttl");
  FUZZ_CHECK(c.password_hash_ops >= 1 && c.password_hash_ops <= 100, "password_hash_ops");
  FUZZ_CHECK(c.password_hash_memory_kib >= 8, "password_hash_memory_kib");
  FUZZ_CHECK(c.playlist_max_items >= 1 && c.playlist_max_items <= 1000000, "playlist_max_items");
  FUZZ_CHECK(c.database_url.rfind("postgres", 0) == 0, "database_url '%s'", fuzz::printable(c.database_url).c_str());
  FUZZ_CHECK(c.redis_url.rfind("redis://", 0) == 0, "redis_url '%s'", fuzz::printable(c.redis_url).c_str());
  FUZZ_CHECK(!c.blob_dir.empty() && !c.web_dir.empty(), "empty directory");
  static const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  bool level_ok = false;
  for (const char* l : levels) level_ok = level_ok || c.log_level == l;
  FUZZ_CHECK(level_ok, "log_level '%s'", fuzz::printable(c.log_level).c_str());
  return 0;
}
