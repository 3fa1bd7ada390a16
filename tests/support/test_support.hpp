// Test helpers that talk to real things: processes, sockets, PostgreSQL, Redis.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tonearm/s3/client.hpp"

namespace tonearm::testing {

// Environment given by scripts/test. Fails the test (not skip) when missing.
std::string admin_database_url();   // TONEARM_TEST_DATABASE_URL (database "postgres")
std::string shared_redis_url();     // TONEARM_TEST_REDIS_URL
std::string tonearm_binary();       // TONEARM_BIN, default build/tonearm
std::string test_audio_dir();       // TONEARM_TEST_AUDIO_DIR: files from scripts/make-demo-audio

// The S3 server scripts/test starts (scripts/s3-server: OpenStack Swift's S3 API):
// TONEARM_TEST_S3_ENDPOINT, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY, _REGION, _BUCKET.
struct s3_server {
  std::string endpoint;  // http://127.0.0.1:PORT
  int port = 0;
  std::string access_key_id, secret_access_key, region, bucket;
  // The same store behind TLS: https://localhost:PORT, a certificate for the name
  // localhost signed by the throwaway CA in ca_file.
  std::string tls_endpoint, ca_file;
};
s3_server shared_s3();
// A client configuration for it (through `port`, e.g. a tcp_proxy's, when not 0).
s3::client_config s3_client_config(const s3_server& s, int port = 0,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The blob backend the e2e tests run against. With TONEARM_TEST_BLOB_BACKEND=s3 (the
// "s3:" copies of the stream tests in ctest), the blobs of a test's blob_dir live in
// the S3 server under a prefix of their own (e2e/<the dir's name>/) and blob_dir stays
// empty; server_process and ingest_test_audio add the settings by themselves wherever
// TONEARM_BLOB_DIR is given.
bool testing_s3_backend();
// TONEARM_BLOB_DIR, and for s3 TONEARM_BLOB_BACKEND, TONEARM_S3_* and
// TONEARM_CHUNK_CACHE_DIR.
std::map<std::string, std::string> blob_backend_settings(const std::string& blob_dir);
// Puts the file at `file` (moved away) under `key` in the blob store of `blob_dir`,
// and takes a blob out of it: for tests that make or break blobs by hand.
void store_test_blob(const std::string& blob_dir, const std::string& key, const std::string& file);
void remove_test_blob(const std::string& blob_dir, const std::string& key);

// A fresh directory under TMPDIR, removed with its contents at destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Copies `files` (names in test_audio_dir()) into `dir` and runs `tonearm ingest dir`
// against `database_url` with blobs in `blob_dir`; throws when ingest fails.
void ingest_test_audio(const std::vector<std::string>& files, const std::string& dir, const std::string& database_url,
                       const std::string& blob_dir);

// Remembers `secret` (a password or token a test sent or got) for the whole-run log
// scan: with TONEARM_TEST_LOG_DIR set, every child process's output is kept there when
// it ends, and ctest's e2e_log_secret_scan fails when a secret appears in any of them.
// http_request notes passwords in JSON bodies, bearer tokens, access_token= and the
// tokens of replies by itself. Shorter than 10 characters: ignored (too likely to
// match by chance).
void note_secret(const std::string& secret);

// A port on 127.0.0.1 nothing listens on right now.
int free_port();

// A child process with its stdout+stderr in a file; killed (SIGKILL) if still running
// when destroyed.
class child_process {
 public:
  child_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Waits up to `timeout` for exit; returns the exit status (128+signal when killed),
  // or nullopt on time-out.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  std::string output() const;  // everything it printed so far

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::string name_;  // the program's file name, for the kept log
  std::optional<int> status_;
};

// Runs a command to completion; returns exit status and output.
struct run_result {
  int status;
  std::string output;
};
run_result run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A TCP server on 127.0.0.1 that accepts connections (the kernel's backlog does)
// and never answers: a dependency that hangs.
class silent_server {
 public:
  silent_server();
  ~silent_server();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A TCP proxy on 127.0.0.1 to a local port: cut() drops every connection through it
// and turns new ones away (a database restarting or a network partition); stall()
// keeps every connection open but moves no byte either way (a server that hangs, a
// black-holed route); restore() lets bytes through again.
class tcp_proxy {
 public:
  explicit tcp_proxy(int target_port);
  ~tcp_proxy();
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;
  int port() const { return port_; }
  void cut();
  void stall();
  void restore();

 private:
  void accept_loop();
  void pump(int client, int upstream);

  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false}, cut_{false}, stalled_{false};
  std::mutex mutex_;
  std::vector<int> open_;  // both ends of every live connection
  std::vector<std::thread> pumps_;
  std::thread acceptor_;
};

// `url` (postgresql://user@host:port/db) with another port.
std::string with_port(const std::string& url, int port);

// A fresh, empty database on the test server, dropped (with force) at destruction.
class scratch_database {
 public:
  scratch_database();
  ~scratch_database();
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }
  // Runs SQL (as a simple query) on this database; returns the first column of each row.
  std::vector<std::string> query(const std::string& sql) const;
  // Runs SQL on the admin database.
  static std::vector<std::string> admin_query(const std::string& sql);

 private:
  std::string name_;
  std::string url_;
};

// A redis-server of the test's own on a free port, so it can be stopped mid-test.
class redis_server {
 public:
  redis_server();
  ~redis_server();
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  void stop();
  void start();  // again, on the same port

 private:
  int port_;
  std::unique_ptr<child_process> proc_;
};

// An HTTP response as read off the wire.
struct http_reply {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(const std::string& name) const;  // "" when absent
  bool has_header(const std::string& name) const;
};

// A raw TCP connection to the server, for tests that need exact bytes on the wire.
// With TONEARM_TEST_LOG_DIR set, every reply of a server_process's port to a request
// sent with send_request is recorded in its exchanges/ directory (method, target, status, content type, a JSON
// body): after the last e2e test, ctest's openapi_responses checks them all against
// docs/openapi.json (tests/contract/check-responses.mjs).
class http_connection {
 public:
  explicit http_connection(int port);
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  void send_raw(const std::string& bytes);
  // Sends one request; adds Host and Content-Length.
  void send_request(const std::string& method, const std::string& target,
                    const std::vector<std::pair<std::string, std::string>>& headers = {},
                    const std::string& body = {});
  // Reads one response (Content-Length bodies; `head_request` reads no body).
  // Throws std::runtime_error on time-out or a closed connection.
  http_reply read_reply(bool head_request = false, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the server closed the connection within `timeout` (read returns EOF or
  // a reset); false when the connection is still open.
  bool closed_by_peer(std::chrono::milliseconds timeout);
  // Stops reading for good (client hangs up).
  void close();

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buffer_;
  // Whether replies are recorded: the port is a tonearm server_process's.
  bool recorded_;
  // Requests sent by send_request and not answered yet (method, target), oldest first:
  // each reply is recorded with its request for the OpenAPI contract check.
  std::deque<std::pair<std::string, std::string>> pending_;
};

// One request on a new connection.
http_reply http_request(int port, const std::string& method, const std::string& target,
                        const std::vector<std::pair<std::string, std::string>>& headers = {},
                        const std::string& body = {});

// A listener that reads at the pace of the music: GET `target` (Connection: close) on a
// socket whose receive buffer is `receive_buffer` bytes, then read at most
// `bytes_per_second` (a read every 20 ms), so the server's writes wait on a full socket
// for most of the response, as they do for a real player. Returns the status and what
// arrived before the server closed the connection (the whole body, or less when it cut
// the stream); `elapsed` how long that took. Gives up after `limit`.
struct paced_reply {
  int status = 0;
  std::string body;  // the bytes after the head
  std::uint64_t content_length = 0;
  std::chrono::milliseconds elapsed{0};
};
paced_reply paced_get(int port, const std::string& target, std::size_t bytes_per_second, int receive_buffer,
                      std::chrono::seconds limit = std::chrono::seconds(60));

// A `tonearm serve` on a free port against `database_url` and `redis_url`, with extra
// TONEARM_* settings; waits until /healthz answers.
class server_process {
 public:
  // `launcher`: words put before the binary, e.g. {"prlimit", "--nofile=1024:20000", "--"}
  // (it must exec the binary, so pid() stays the server's).
  server_process(const std::string& database_url, const std::string& redis_url,
                 std::map<std::string, std::string> settings = {}, std::vector<std::string> launcher = {});
  int port() const { return port_; }
  child_process& process() { return *proc_; }
  http_reply get(const std::string& target) { return http_request(port_, "GET", target); }
  // SIGTERM and wait; returns the exit status.
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  int port_;
  std::unique_ptr<child_process> proc_;
};

}  // namespace tonearm::testing
