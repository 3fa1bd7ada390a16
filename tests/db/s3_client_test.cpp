// The S3 client against a real object store (OpenStack Swift's S3 API, started by
// scripts/test through scripts/s3-server; it checks every SigV4 signature), and
// through a TCP proxy the test cuts and stalls.
#include "tonearm/s3/client.hpp"

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "test_support.hpp"

namespace tonearm::testing {
namespace {

using namespace std::chrono_literals;
using s3::client;
using s3::client_config;

client_config config_for(const s3_server& s, int port = 0) { return s3_client_config(s, port); }

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(gen());
  return out;
}

// A key of its own per test, with characters SigV4 must encode.
std::string key_for(const std::string& name) {
  static std::atomic<int> n{0};
  return "tests/" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "/" + name;
}

class S3ClientTest : public ::testing::Test {
 protected:
  s3_server server = shared_s3();
};

TEST_F(S3ClientTest, PutHeadRangesListAndRemove) {
  client c(config_for(server));
  c.check_bucket();
  auto key = key_for("Sigur R\xc3\xb3s + m\xc3\xbam (live) $1 & more=.mp3");
  auto body = random_bytes(300000, 1);
  auto etag = c.put(key, body, "audio/mpeg");
  EXPECT_FALSE(etag.empty());

  auto info = c.head(key);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, body.size());
  EXPECT_EQ(info->etag, etag);
  EXPECT_EQ(info->content_type, "audio/mpeg");
  EXPECT_GT(info->last_modified, 1700000000);

  EXPECT_EQ(c.get_range(key, 0, 10), body.substr(0, 10));
  s3::object_info got;
  EXPECT_EQ(c.get_range(key, 123456, 65536, &got), body.substr(123456, 65536));
  EXPECT_EQ(got.size, body.size());
  EXPECT_EQ(got.etag, etag);
  EXPECT_EQ(c.get_range(key, body.size() - 1, 1), body.substr(body.size() - 1));
  EXPECT_EQ(c.get_range(key, 0, body.size()), body);

  // Past the end: S3 answers 416, and a range that runs over the end is short: both
  // are errors, never bytes.
  try {
    c.get_range(key, body.size(), 10);
    FAIL() << "no error";
  } catch (const s3::error& e) {
    EXPECT_EQ(e.status(), 416) << e.what();
    EXPECT_EQ(e.code(), "InvalidRange");
  }
  try {
    c.get_range(key, body.size() - 5, 10);
    FAIL() << "no error";
  } catch (const s3::error& e) {
    EXPECT_EQ(e.code(), "BadResponse") << e.what();
  }

  auto listed = c.list(key.substr(0, key.rfind('/') + 1));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].first, key);
  EXPECT_EQ(listed[0].second, body.size());

  c.remove(key);
  EXPECT_FALSE(c.head(key));
  c.remove(key);  // not there: no error
  EXPECT_EQ(c.stats().connections, 1u) << "every call on one kept-alive connection";
}

TEST_F(S3ClientTest, MissingKeyAndMissingBucket) {
  client c(config_for(server));
  EXPECT_FALSE(c.head(key_for("nothing")));
  try {
    c.get_range(key_for("nothing"), 0, 10);
    FAIL() << "no error";
  } catch (const s3::error& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.code(), "NoSuchKey") << e.what();
  }
  auto cfg = config_for(server);
  cfg.bucket = "no-such-bucket-" + std::to_string(::getpid());
  client other(cfg);
  try {
    other.check_bucket();
    FAIL() << "no error";
  } catch (const s3::error& e) {
    EXPECT_EQ(e.code(), "NoSuchBucket") << e.what();
    EXPECT_NE(std::string(e.what()).find(cfg.bucket), std::string::npos) << e.what();
  }
}

TEST_F(S3ClientTest, WrongSecretAndWrongRegionAreNamedAndNeverRetried) {
  auto cfg = config_for(server);
  cfg.creds.secret_access_key = "wrong-" + server.secret_access_key;
  client c(cfg);
  try {
    c.check_bucket();
    FAIL() << "no error";
  } catch (const s3::error& e) {
    EXPECT_EQ(e.status(), 403);
    EXPECT_EQ(e.code(), "SignatureDoesNotMatch") << e.what();
    EXPECT_EQ(std::string(e.what()).find(cfg.creds.secret_access_key), std::string::npos) << "no secret in errors";
  }
  EXPECT_EQ(c.stats().retries, 0u);

  cfg = config_for(server);
  cfg.region = "eu-nowhere-1";
  client r(cfg);
  try {
    r.check_bucket();
    FAIL() << "no error";
  } catch (const s3::error& e) {
    EXPECT_EQ(e.code(), "AuthorizationHeaderMalformed") << e.what();
  }
}

// TLS: the same store behind a TLS front whose certificate names localhost and is
// signed by a CA of the test's own (scripts/s3-server).
TEST_F(S3ClientTest, OverTlsTheCertificateAndHostNameAreVerified) {
  auto cfg = config_for(server);
  cfg.endpoint = server.tls_endpoint;
  cfg.ca_file = server.ca_file;
  client c(cfg);
  c.check_bucket();
  auto key = key_for("over tls.mp3");
  auto body = random_bytes(200000, 7);
  c.put(key, body, "audio/mpeg");
  EXPECT_EQ(c.get_range(key, 1000, 150000), body.substr(1000, 150000));
  auto info = c.head(key);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, body.size());
  c.remove(key);
  EXPECT_EQ(c.stats().connections, 1u) << "one TLS connection kept alive";

  // The system's trust store does not know the test CA: no request is sent.
  auto untrusted = cfg;
  untrusted.ca_file.clear();
  client u(untrusted);
  try {
    u.check_bucket();
    FAIL() << "no error";
  } catch (const s3::error& e) {
    EXPECT_TRUE(e.transport()) << e.what();
    EXPECT_EQ(e.code(), "tls") << e.what();
    EXPECT_NE(std::string(e.what()).find("certificate verify failed"), std::string::npos) << e.what();
  }

  // A trusted certificate for another name: 127.0.0.1 is not localhost.
  auto other_name = cfg;
  other_name.endpoint = "https://127.0.0.1:" + server.tls_endpoint.substr(server.tls_endpoint.rfind(':') + 1);
  client n(other_name);
  try {
    n.check_bucket();
    FAIL() << "no error";
  } catch (const s3::error& e) {
    EXPECT_EQ(e.code(), "tls") << e.what();
    EXPECT_NE(std::string(e.what()).find("certificate verify failed"), std::string::npos) << e.what();
  }

  // Plain HTTP spoken to the TLS port, or TLS to the plain one: an error, not a hang.
  auto plain_to_tls = config_for(server);
  plain_to_tls.endpoint = "http://127.0.0.1:" + server.tls_endpoint.substr(server.tls_endpoint.rfind(':') + 1);
  plain_to_tls.timeout = 3s;
  EXPECT_THROW(client(plain_to_tls).check_bucket(), s3::error);
  auto tls_to_plain = cfg;
  tls_to_plain.endpoint = "https://localhost:" + std::to_string(server.port);
  tls_to_plain.timeout = 3s;
  EXPECT_THROW(client(tls_to_plain).check_bucket(), s3::error);

  // A CA file that cannot be read is named when the client is made.
  auto missing = cfg;
  missing.ca_file = "/nonexistent/ca.pem";
  try {
    client m(missing);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ca.pem"), std::string::npos) << e.what();
  }
}

TEST_F(S3ClientTest, MultipartUploadOfAFileAndAbort) {
  client c(config_for(server));
  temp_dir dir;
  auto path = std::filesystem::path(dir.path()) / "song.flac";
  auto body = random_bytes(11 * 1024 * 1024 + 12345, 2);
  std::ofstream(path, std::ios::binary).write(body.data(), static_cast<std::streamsize>(body.size()));
  auto key = key_for("big.flac");
  std::vector<std::uint64_t> progress;
  c.put_file(key, path, 5 << 20, "audio/flac", [&](std::uint64_t n) { progress.push_back(n); });
  EXPECT_EQ(progress, (std::vector<std::uint64_t>{5 << 20, 10 << 20, body.size()}));
  auto info = c.head(key);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, body.size());
  EXPECT_NE(info->etag.find("-3"), std::string::npos) << info->etag;  // three parts
  auto across = (5u << 20) - 1000;  // a range over the first part boundary
  EXPECT_EQ(c.get_range(key, across, 4000), body.substr(across, 4000));
  EXPECT_EQ(c.get_range(key, body.size() - 100, 100), body.substr(body.size() - 100));

  // A small file is one PUT.
  auto small = std::filesystem::path(dir.path()) / "small.mp3";
  std::ofstream(small, std::ios::binary) << "ID3 small";
  auto before = c.stats().requests;
  c.put_file(key_for("small.mp3"), small);
  EXPECT_EQ(c.stats().requests - before, 1u);

  auto aborted = key_for("aborted.flac");
  auto id = c.create_multipart(aborted);
  c.upload_part(aborted, id, 1, body.substr(0, 5 << 20));
  auto open = c.list_multipart_uploads(aborted);
  EXPECT_EQ(open, std::vector<std::string>{id});
  c.abort_multipart(aborted, id);
  EXPECT_TRUE(c.list_multipart_uploads(aborted).empty());
  EXPECT_FALSE(c.head(aborted));
  c.remove(key);
}

TEST_F(S3ClientTest, AnUploadThatFailsIsAbortedNotLeftBehind) {
  client c(config_for(server));
  temp_dir dir;
  auto path = std::filesystem::path(dir.path()) / "song.flac";
  auto body = random_bytes(11 * 1024 * 1024, 3);
  std::ofstream(path, std::ios::binary).write(body.data(), static_cast<std::streamsize>(body.size()));
  auto key = key_for("fails.flac");
  // The second part fails: the file shrinks under the upload (read error).
  EXPECT_THROW(c.put_file(key, path, 5 << 20, {},
                          [&](std::uint64_t) { std::filesystem::resize_file(path, 6 << 20); }),
               std::runtime_error);
  EXPECT_TRUE(c.list_multipart_uploads(key).empty());
  EXPECT_FALSE(c.head(key));
}

TEST_F(S3ClientTest, StoreCutAwayFailsFastAndWorksAgainWhenBack) {
  tcp_proxy proxy(server.port);
  client c(config_for(server, proxy.port()));
  auto key = key_for("cut.mp3");
  c.put(key, "0123456789");
  proxy.cut();
  auto start = std::chrono::steady_clock::now();
  try {
    c.get_range(key, 0, 10);
    FAIL() << "no error";
  } catch (const s3::error& e) {
    EXPECT_TRUE(e.transport()) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << "refused connections fail fast (with retries)";
  EXPECT_GT(c.stats().retries, 0u);
  proxy.restore();
  EXPECT_EQ(c.get_range(key, 2, 3), "234");
  c.remove(key);
}

TEST_F(S3ClientTest, APooledConnectionTheStoreClosedIsRetriedOnANewOne) {
  tcp_proxy proxy(server.port);
  client c(config_for(server, proxy.port()));
  auto key = key_for("stale.mp3");
  c.put(key, "abcdef");
  proxy.cut();  // closes the pooled connection
  proxy.restore();
  EXPECT_EQ(c.get_range(key, 0, 6), "abcdef");
  EXPECT_EQ(c.stats().connections, 2u);
  c.remove(key);
}

TEST_F(S3ClientTest, AStalledStoreEndsTheCallAtTheTimeout) {
  tcp_proxy proxy(server.port);
  auto cfg = config_for(server, proxy.port());
  cfg.timeout = 700ms;
  client c(cfg);
  auto key = key_for("stall.mp3");
  c.put(key, "abcdef");
  proxy.stall();
  auto start = std::chrono::steady_clock::now();
  try {
    c.get_range(key, 0, 6);
    FAIL() << "no error";
  } catch (const s3::error& e) {
    EXPECT_TRUE(e.timed_out()) << e.what();
  }
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 650ms);
  EXPECT_LT(took, 1500ms);
  proxy.restore();
  client fresh(config_for(server));
  fresh.remove(key);
}

TEST_F(S3ClientTest, AServerThatNeverAnswersTimesOut) {
  silent_server silent;
  auto cfg = config_for(server, silent.port());
  cfg.timeout = 500ms;
  client c(cfg);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(c.head("x"), s3::error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

// A store that answers 503 SlowDown: retried with backoff up to max_attempts, then
// the error names SlowDown.
TEST_F(S3ClientTest, SlowDownIsRetriedThenReported) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::atomic<int> answered{0};
  std::atomic<bool> stop{false};
  std::thread store([&] {
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int conn = ::accept(fd, nullptr, nullptr);
      char buf[8192];
      std::string in;
      while (in.find("\r\n\r\n") == std::string::npos) {
        auto n = ::recv(conn, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
      }
      std::string body = "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
      std::string out = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
      ++answered;  // before the answer: the client may go on as soon as it has it
      ::send(conn, out.data(), out.size(), MSG_NOSIGNAL);
      ::close(conn);
    }
  });
  auto cfg = config_for(server, ntohs(addr.sin_port));
  cfg.max_attempts = 3;
  client c(cfg);
  try {
    c.get_range("k", 0, 1);
    ADD_FAILURE() << "no error";
  } catch (const s3::error& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_EQ(e.code(), "SlowDown") << e.what();
  }
  EXPECT_EQ(answered.load(), 3);
  EXPECT_EQ(c.stats().retries, 2u);
  // Not idempotent: CreateMultipartUpload is sent once.
  try {
    c.create_multipart("k");
    ADD_FAILURE() << "no error";
  } catch (const s3::error& e) {
    EXPECT_EQ(e.code(), "SlowDown");
  }
  EXPECT_EQ(answered.load(), 4);
  stop = true;
  store.join();
  ::close(fd);
}

}  // namespace
}  // namespace tonearm::testing
