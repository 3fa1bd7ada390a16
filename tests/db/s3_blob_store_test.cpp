// The S3 blob store and its chunk cache against the real object store scripts/test
// starts: chunks fetched once and then read from disk, misses of one chunk shared,
// read-ahead, eviction by bytes, a restart keeping the cache, uploads skipped when
// the object is there, and the store's failures as errors, never wrong bytes.
#include "tonearm/store/s3_blob_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "test_support.hpp"
#include "tonearm/core/error.hpp"

namespace tonearm::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::shared_ptr<s3::client> client_for(const s3_server& s, int port = 0, std::chrono::milliseconds timeout = 5s) {
  return std::make_shared<s3::client>(s3_client_config(s, port, timeout));
}

struct blob {
  std::string key;
  std::string bytes;
  fs::path file;
};

// A file of random bytes named by its SHA-256 (as ingest names blobs).
blob make_blob(const temp_dir& dir, std::size_t size, unsigned seed) {
  std::mt19937 gen(seed ^ static_cast<unsigned>(::getpid()));
  blob b;
  b.bytes.resize(size);
  for (auto& c : b.bytes) c = static_cast<char>(gen());
  b.file = fs::path(dir.path()) / ("blob-" + std::to_string(seed));
  std::ofstream(b.file, std::ios::binary).write(b.bytes.data(), static_cast<std::streamsize>(size));
  b.key = store::sha256_file(b.file);
  return b;
}

std::string read_all(store::blob_reader& r, std::uint64_t offset, std::size_t n) {
  std::string out(n, '\0');
  std::size_t done = 0;
  while (done < n) {
    auto got = r.read(offset + done, out.data() + done, n - done);
    if (got == 0) break;
    done += got;
  }
  out.resize(done);
  return out;
}

class S3BlobStoreTest : public ::testing::Test {
 protected:
  s3_server server = shared_s3();
  temp_dir dir;
  std::string prefix = "blobstore-test/" + std::to_string(::getpid()) + "/";

  store::s3_blob_options options(int read_ahead = 0) {
    store::s3_blob_options o;
    o.prefix = prefix;
    o.chunk_bytes = 64 * 1024;
    o.part_bytes = 5 << 20;
    o.read_ahead_threads = read_ahead;
    return o;
  }
};

TEST_F(S3BlobStoreTest, ChunksAreFetchedOnceThenReadFromDisk) {
  auto cache = std::make_shared<store::chunk_cache>(fs::path(dir.path()) / "cache", 64 << 20);
  store::s3_blob_store blobs(client_for(server), cache, options());
  auto b = make_blob(dir, 200000, 1);  // 3 whole chunks and a short fourth
  EXPECT_FALSE(blobs.exists(b.key));
  EXPECT_EQ(blobs.open(b.key), nullptr);
  EXPECT_TRUE(blobs.put_file(b.key, b.file));
  EXPECT_FALSE(blobs.put_file(b.key, b.file)) << "already there: not uploaded again";
  EXPECT_TRUE(blobs.exists(b.key));

  auto r = blobs.open(b.key);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->blocking());
  EXPECT_EQ(r->native_handle(), -1);
  EXPECT_EQ(r->size(), b.bytes.size());
  EXPECT_GT(r->modified(), 1700000000);
  EXPECT_EQ(read_all(*r, 0, b.bytes.size()), b.bytes);
  EXPECT_EQ(blobs.stats().chunk_fetches, 4u);
  // A read never crosses a chunk: it stops at the chunk's end.
  char buf[100];
  EXPECT_EQ(r->read(65536 - 10, buf, sizeof buf), 10u);
  EXPECT_EQ(r->read(b.bytes.size(), buf, sizeof buf), 0u);

  // Again, from another reader: all from disk.
  auto again = blobs.open(b.key);
  EXPECT_EQ(read_all(*again, 70000, 100000), b.bytes.substr(70000, 100000));
  EXPECT_EQ(blobs.stats().chunk_fetches, 4u);
  EXPECT_EQ(cache->stats().chunks, 4u);
  EXPECT_EQ(cache->stats().bytes, b.bytes.size());
}

// What the session sends with sendfile(2): a cached chunk's bytes as a region of its
// file, never a chunk that is not on disk (that would wait on the network).
TEST_F(S3BlobStoreTest, CachedChunksAreRegionsOfTheirFilesOthersAreNot) {
  auto cache = std::make_shared<store::chunk_cache>(fs::path(dir.path()) / "cache", 64 << 20);
  store::s3_blob_store blobs(client_for(server), cache, options());
  auto b = make_blob(dir, 200000, 11);
  ASSERT_TRUE(blobs.put_file(b.key, b.file));
  EXPECT_FALSE(blobs.opens_at_once(b.key)) << "its size is not known yet: opening it costs a HEAD";
  auto r = blobs.open(b.key);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(blobs.opens_at_once(b.key)) << "the HEAD's answer is remembered";
  EXPECT_FALSE(r->region_at(70000, 1000)) << "chunk 1 is not cached";
  EXPECT_EQ(blobs.stats().chunk_fetches, 0u) << "asking fetched nothing";
  EXPECT_EQ(read_all(*r, 65536, 10), b.bytes.substr(65536, 10));  // fetches chunk 1
  auto region_bytes = [](const store::blob_reader::region& g) {
    std::string out(g.length, '\0');
    EXPECT_EQ(::pread(g.fd, out.data(), out.size(), static_cast<off_t>(g.offset)), static_cast<ssize_t>(g.length));
    return out;
  };
  auto g = r->region_at(70000, 1000);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->offset, 70000u - 65536u) << "an offset in the chunk's file";
  EXPECT_EQ(g->length, 1000u);
  EXPECT_EQ(region_bytes(*g), b.bytes.substr(70000, 1000));
  g = r->region_at(100000, 1 << 20);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->length, 131072u - 100000u) << "the region ends with the chunk";
  EXPECT_EQ(region_bytes(*g), b.bytes.substr(100000, 131072 - 100000));
  EXPECT_FALSE(r->region_at(131072, 10)) << "chunk 2 is not cached";
  EXPECT_FALSE(r->region_at(b.bytes.size(), 10)) << "past the end";
  EXPECT_EQ(read_all(*r, 196608, 3392), b.bytes.substr(196608));  // the short last chunk
  g = r->region_at(199990, 100);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->length, 10u);
  EXPECT_EQ(region_bytes(*g), b.bytes.substr(199990));
  // Another reader finds the cached chunks as regions at once.
  auto other = blobs.open(b.key);
  ASSERT_TRUE(other->region_at(65536, 65536));
  EXPECT_EQ(blobs.stats().chunk_fetches, 2u);
}

TEST_F(S3BlobStoreTest, ConcurrentMissesOfOneChunkMakeOneGet) {
  auto cache = std::make_shared<store::chunk_cache>(fs::path(dir.path()) / "cache", 64 << 20);
  store::s3_blob_store blobs(client_for(server), cache, options());
  auto b = make_blob(dir, 64 * 1024, 2);
  blobs.put_file(b.key, b.file);
  std::vector<std::thread> readers;
  std::atomic<int> right{0};
  for (int i = 0; i < 16; ++i)
    readers.emplace_back([&] {
      auto r = blobs.open(b.key);
      if (r && read_all(*r, 0, b.bytes.size()) == b.bytes) ++right;
    });
  for (auto& t : readers) t.join();
  EXPECT_EQ(right.load(), 16);
  EXPECT_EQ(blobs.stats().chunk_fetches, 1u);
}

TEST_F(S3BlobStoreTest, TheNextChunkIsFetchedAhead) {
  auto cache = std::make_shared<store::chunk_cache>(fs::path(dir.path()) / "cache", 64 << 20);
  store::s3_blob_store blobs(client_for(server), cache, options(2));
  auto b = make_blob(dir, 3 * 64 * 1024, 3);
  blobs.put_file(b.key, b.file);
  auto r = blobs.open(b.key);
  char buf[10];
  ASSERT_EQ(r->read(0, buf, sizeof buf), 10u);
  for (int i = 0; i < 200 && blobs.stats().read_aheads < 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(blobs.stats().read_aheads, 1u);
  EXPECT_EQ(blobs.stats().chunk_fetches, 2u);
  EXPECT_EQ(read_all(*r, 65536, 65536), b.bytes.substr(65536, 65536));  // from disk
  for (int i = 0; i < 200 && blobs.stats().read_aheads < 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(blobs.stats().chunk_fetches, 3u);
}

TEST_F(S3BlobStoreTest, CacheEvictsLeastRecentlyUsedByBytesAndSurvivesARestart) {
  auto root = fs::path(dir.path()) / "cache";
  auto b = make_blob(dir, 4 * 64 * 1024, 4);
  {
    auto cache = std::make_shared<store::chunk_cache>(root, 3 * 64 * 1024);  // room for three chunks
    store::s3_blob_store blobs(client_for(server), cache, options());
    blobs.put_file(b.key, b.file);
    auto r = blobs.open(b.key);
    EXPECT_EQ(read_all(*r, 0, b.bytes.size()), b.bytes);
    EXPECT_EQ(cache->stats().chunks, 3u);
    EXPECT_EQ(cache->stats().evictions, 1u);
    EXPECT_EQ(cache->find(b.key, 0), nullptr) << "the least recently used went";
    EXPECT_NE(cache->find(b.key, 3), nullptr);
  }
  // A restart takes the files back, and a leftover temporary file is removed.
  std::ofstream(root / b.key.substr(0, 2) / (b.key + ".9.tmp-1-1")) << "partial";
  store::chunk_cache cache(root, 3 * 64 * 1024);
  EXPECT_EQ(cache.stats().chunks, 3u);
  EXPECT_EQ(cache.stats().bytes, 3u * 64 * 1024);
  EXPECT_FALSE(fs::exists(root / b.key.substr(0, 2) / (b.key + ".9.tmp-1-1")));
  auto c = cache.find(b.key, 2);
  ASSERT_NE(c, nullptr);
  std::string got(64 * 1024, '\0');
  ASSERT_EQ(::pread(c->fd(), got.data(), got.size(), 0), static_cast<ssize_t>(got.size()));
  EXPECT_EQ(got, b.bytes.substr(2 * 64 * 1024, 64 * 1024));
}

TEST_F(S3BlobStoreTest, MultipartUploadAboveThePartSize) {
  auto cache = std::make_shared<store::chunk_cache>(fs::path(dir.path()) / "cache", 64 << 20);
  auto client = client_for(server);
  store::s3_blob_store blobs(client, cache, options());
  auto b = make_blob(dir, (5 << 20) + 777, 5);
  std::uint64_t last = 0;
  EXPECT_TRUE(blobs.put_file(b.key, b.file, [&](std::uint64_t n) { last = n; }));
  EXPECT_EQ(last, b.bytes.size());
  EXPECT_EQ(blobs.stored_size(b.key), b.bytes.size());
  auto r = blobs.open(b.key);
  EXPECT_EQ(read_all(*r, (5 << 20) - 100, 877), b.bytes.substr((5 << 20) - 100));
  EXPECT_TRUE(client->list_multipart_uploads(prefix).empty());
}

TEST_F(S3BlobStoreTest, AStoreThatIsGoneIsUnavailableAndAStreamCutShortIsAnError) {
  tcp_proxy proxy(server.port);
  auto cache = std::make_shared<store::chunk_cache>(fs::path(dir.path()) / "cache", 64 << 20);
  store::s3_blob_store blobs(client_for(server, proxy.port(), 2s), cache, options());
  auto b = make_blob(dir, 3 * 64 * 1024, 6);
  blobs.put_file(b.key, b.file);
  auto r = blobs.open(b.key);
  char buf[16];
  ASSERT_EQ(r->read(0, buf, sizeof buf), sizeof buf);
  proxy.cut();
  // Open readers: the next chunk fails with an error (the session closes the
  // connection: a short body, never wrong bytes).
  EXPECT_THROW(r->read(64 * 1024, buf, sizeof buf), std::runtime_error);
  // The cached chunk still reads.
  EXPECT_EQ(r->read(100, buf, sizeof buf), sizeof buf);
  EXPECT_EQ(std::string(buf, sizeof buf), b.bytes.substr(100, sizeof buf));
  // A blob not seen yet: unavailable (503), not "missing" (404).
  auto other = make_blob(dir, 1000, 7);
  try {
    blobs.open(other.key);
    FAIL() << "no error";
  } catch (const api_error& e) {
    EXPECT_EQ(e.code(), errc::unavailable) << e.what();
  }
  proxy.restore();
  EXPECT_EQ(read_all(*r, 64 * 1024, 64 * 1024), b.bytes.substr(64 * 1024, 64 * 1024));
}

TEST(ChunkCache, ADiskThatRefusesIsAnErrorTheStoreCanServeAround) {
  temp_dir dir;
  auto root = std::filesystem::path(dir.path()) / "cache";
  store::chunk_cache cache(root, 1 << 20);
  std::string key(64, 'a');
  std::filesystem::permissions(root, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  if (::geteuid() == 0) {
    // root ignores permissions: make the shard path a file instead.
    std::filesystem::permissions(root, std::filesystem::perms::owner_all);
    std::ofstream(root / key.substr(0, 2)) << "not a directory";
  }
  EXPECT_THROW(cache.store(key, 0, "bytes"), std::exception);
  EXPECT_EQ(cache.find(key, 0), nullptr);
  std::filesystem::permissions(root, std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace tonearm::testing
