// The blob store the configuration names (blob_backend): the local directory
// (blob_dir), or an S3-compatible object store read through the chunk cache.
#pragma once

#include <memory>

#include "tonearm/app/config.hpp"
#include "tonearm/store/blob_store.hpp"

namespace tonearm::app {

// For blob_backend s3 it checks the bucket first and throws std::runtime_error with
// one line naming the problem (NoSuchBucket, SignatureDoesNotMatch, a wrong region,
// an unreachable endpoint), so serve and ingest refuse to start on a store they
// cannot use. The secret never appears in the message.
std::unique_ptr<store::blob_store> open_blob_store(const config& c);

}  // namespace tonearm::app
