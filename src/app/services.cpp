// Builds the shared parts from the configuration.
#include "tonearm/app/services.hpp"

namespace tonearm::app {

namespace {
store::redis_options redis_options_for(const config& c) {
  auto o = store::parse_redis_url(c.redis_url);
  o.timeout = c.redis_timeout;
  o.pool_size = static_cast<std::size_t>(c.worker_threads);
  return o;
}
}  // namespace

services::services(const config& c)
    : cfg(c),
      db(c.database_url, static_cast<std::size_t>(c.db_pool_size), c.db_timeout),
      redis(redis_options_for(c)),
      blobs(c.blob_dir),
      catalog(db),
      search(catalog, c.search_refresh) {}

}  // namespace tonearm::app
