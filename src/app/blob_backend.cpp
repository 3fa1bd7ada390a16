#include "tonearm/app/blob_backend.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "tonearm/s3/client.hpp"
#include "tonearm/store/s3_blob_store.hpp"

namespace tonearm::app {

std::unique_ptr<store::blob_store> open_blob_store(const config& c) {
  if (c.blob_backend != "s3") {
    std::filesystem::create_directories(c.blob_dir);
    return std::make_unique<store::local_blob_store>(c.blob_dir);
  }
  s3::client_config sc;
  sc.endpoint = c.s3_endpoint;
  sc.region = c.s3_region;
  sc.bucket = c.s3_bucket;
  sc.path_style = c.s3_path_style;
  sc.timeout = c.s3_timeout;
  sc.ca_file = c.s3_ca_file;
  sc.creds = {c.s3_access_key_id, c.s3_secret_access_key, c.s3_session_token};
  sc.max_idle_connections = static_cast<std::size_t>(c.worker_threads) * 2;
  std::shared_ptr<s3::client> client;
  try {
    client = std::make_shared<s3::client>(sc);
  } catch (const std::invalid_argument& e) {  // a bad endpoint, no credentials, an unreadable s3_ca_file
    throw std::runtime_error(std::string("blob store: ") + e.what());
  }
  try {
    client->check_bucket();
  } catch (const s3::error& e) {
    throw std::runtime_error("blob store: S3 bucket " + c.s3_bucket + " at " + c.s3_endpoint + " (region " +
                             c.s3_region + "): " + e.what());
  }
  auto cache = std::make_shared<store::chunk_cache>(c.chunk_cache_dir, c.chunk_cache_bytes);
  auto stats = cache->stats();
  spdlog::info("blob store: S3 bucket {} at {} (prefix '{}'), chunk cache {} ({} chunks, {} MB of {} MB)", c.s3_bucket,
               c.s3_endpoint, c.s3_prefix, c.chunk_cache_dir, stats.chunks, stats.bytes >> 20, c.chunk_cache_bytes >> 20);
  store::s3_blob_options o;
  o.prefix = c.s3_prefix;
  o.chunk_bytes = c.s3_chunk_bytes;
  return std::make_unique<store::s3_blob_store>(std::move(client), std::move(cache), o);
}

}  // namespace tonearm::app
