// Blobs in an S3-compatible object store, read through a local chunk cache: a read
// maps onto aligned chunks of `chunk_bytes`, each fetched once with a ranged GET
// (concurrent misses of one chunk wait for the same GET), written to the chunk cache
// and read from there; the chunk after the one being read is fetched ahead. A chunk
// that arrives short or with the wrong range is never served or cached (the client
// refuses it). Object sizes come from one HEAD per blob, kept in memory (blobs never
// change). Reads block on the network: blob_reader::blocking() is true, so the
// session reads them on the blocking pool.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tonearm/s3/client.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/chunk_cache.hpp"

namespace tonearm::store {

struct s3_blob_options {
  std::string prefix = "blobs/";          // object key = prefix + blob key
  std::uint64_t chunk_bytes = 1 << 20;    // one ranged GET
  std::uint64_t part_bytes = 16 << 20;    // put_file: one PUT up to this, multipart beyond
  int read_ahead_threads = 2;             // 0: no read-ahead
  std::size_t known_sizes = 100000;       // HEAD results kept
};

struct s3_blob_stats {
  std::uint64_t chunk_fetches = 0;  // ranged GETs made for chunks
  std::uint64_t shared_fetches = 0; // misses that waited for another reader's GET
  std::uint64_t read_aheads = 0;    // chunks fetched ahead
};

class s3_blob_store final : public blob_store {
 public:
  s3_blob_store(std::shared_ptr<s3::client> client, std::shared_ptr<chunk_cache> cache, s3_blob_options options = {});
  ~s3_blob_store() override;

  // Throws api_error(unavailable) when the store cannot be reached.
  bool exists(std::string_view key) const override;
  // nullptr when there is no such object; api_error(unavailable) when the store
  // cannot say.
  std::unique_ptr<blob_reader> open(std::string_view key) const override;
  bool opens_at_once(std::string_view key) const override;  // its HEAD answer is remembered
  // HEAD first: an object already there with the file's size is left alone (false).
  bool put_file(std::string_view key, const std::filesystem::path& source) override;
  // put_file with progress (bytes sent), for ingest and `tonearm blobs push`.
  bool put_file(std::string_view key, const std::filesystem::path& source,
                const std::function<void(std::uint64_t)>& progress);

  // HeadBucket: the bucket answers and takes our signature.
  std::string check() const override;

  // Size of the object of `key` as the store reports it (HEAD, not cached): nullopt
  // when missing. For `tonearm blobs check`.
  std::optional<std::uint64_t> stored_size(std::string_view key) const;

  s3::client& client() const;
  s3_blob_stats stats() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace tonearm::store
