// Test helpers: processes, sockets, scratch databases, own Redis servers.
#include "test_support.hpp"
#include "tonearm/core/environment.hpp"
#include "tonearm/s3/client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>
#include <set>
#include <thread>


namespace tonearm::testing {

namespace {

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) throw std::runtime_error(std::string(name) + " is not set: run the tests through scripts/test");
  return v;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string temp_path(const std::string& stem) {
  static std::atomic<int> counter{0};
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/tonearm-test-" + stem + "-" + std::to_string(getpid()) + "-" +
         std::to_string(counter++);
}

}  // namespace

std::string admin_database_url() { return required_env("TONEARM_TEST_DATABASE_URL"); }
std::string shared_redis_url() { return required_env("TONEARM_TEST_REDIS_URL"); }
std::string tonearm_binary() {
  const char* v = std::getenv("TONEARM_BIN");
  return v && *v ? v : "build/tonearm";
}

std::string test_audio_dir() { return required_env("TONEARM_TEST_AUDIO_DIR"); }

s3_server shared_s3() {
  s3_server s;
  s.endpoint = required_env("TONEARM_TEST_S3_ENDPOINT");
  s.port = std::stoi(s.endpoint.substr(s.endpoint.rfind(':') + 1));
  s.access_key_id = required_env("TONEARM_TEST_S3_ACCESS_KEY_ID");
  s.secret_access_key = required_env("TONEARM_TEST_S3_SECRET_ACCESS_KEY");
  s.region = required_env("TONEARM_TEST_S3_REGION");
  s.bucket = required_env("TONEARM_TEST_S3_BUCKET");
  s.tls_endpoint = required_env("TONEARM_TEST_S3_TLS_ENDPOINT");
  s.ca_file = required_env("TONEARM_TEST_S3_CA_FILE");
  note_secret(s.secret_access_key);  // must never reach a log
  return s;
}

s3::client_config s3_client_config(const s3_server& s, int port, std::chrono::milliseconds timeout) {
  s3::client_config c;
  c.endpoint = port ? "http://127.0.0.1:" + std::to_string(port) : s.endpoint;
  c.region = s.region;
  c.bucket = s.bucket;
  c.creds = {s.access_key_id, s.secret_access_key, ""};
  c.timeout = timeout;
  return c;
}

bool testing_s3_backend() {
  const char* v = std::getenv("TONEARM_TEST_BLOB_BACKEND");
  return v && std::string(v) == "s3";
}

namespace {

std::string s3_prefix_for(const std::string& blob_dir) {
  return "e2e/" + std::filesystem::path(blob_dir).filename().string() + "/";
}

s3::client s3_client_for_tests() { return s3::client(s3_client_config(shared_s3())); }

}  // namespace

std::map<std::string, std::string> blob_backend_settings(const std::string& blob_dir) {
  std::map<std::string, std::string> out{{"TONEARM_BLOB_DIR", blob_dir}};
  if (!testing_s3_backend()) return out;
  auto s = shared_s3();
  out["TONEARM_BLOB_BACKEND"] = "s3";
  out["TONEARM_S3_ENDPOINT"] = s.endpoint;
  out["TONEARM_S3_REGION"] = s.region;
  out["TONEARM_S3_BUCKET"] = s.bucket;
  out["TONEARM_S3_ACCESS_KEY_ID"] = s.access_key_id;
  out["TONEARM_S3_SECRET_ACCESS_KEY"] = s.secret_access_key;
  out["TONEARM_S3_PREFIX"] = s3_prefix_for(blob_dir);
  out["TONEARM_CHUNK_CACHE_DIR"] = blob_dir + "-chunk-cache";
  // 192 KiB: ranges cross many chunk boundaries, and the chunks do not line up with
  // the hot cache's (256 KiB) or a stream's pieces.
  out["TONEARM_S3_CHUNK_BYTES"] = "196608";
  return out;
}

void store_test_blob(const std::string& blob_dir, const std::string& key, const std::string& file) {
  if (testing_s3_backend()) {
    s3_client_for_tests().put_file(s3_prefix_for(blob_dir) + key, file);
    std::filesystem::remove(file);
    return;
  }
  auto dir = std::filesystem::path(blob_dir) / key.substr(0, 2) / key.substr(2, 2);
  std::filesystem::create_directories(dir);
  std::filesystem::rename(file, dir / key);
}

void remove_test_blob(const std::string& blob_dir, const std::string& key) {
  if (testing_s3_backend()) {
    s3_client_for_tests().remove(s3_prefix_for(blob_dir) + key);
    return;
  }
  std::filesystem::remove(std::filesystem::path(blob_dir) / key.substr(0, 2) / key.substr(2, 2) / key);
}

void ingest_test_audio(const std::vector<std::string>& files, const std::string& dir, const std::string& database_url,
                       const std::string& blob_dir) {
  for (const auto& f : files) std::filesystem::copy_file(std::filesystem::path(test_audio_dir()) / f, std::filesystem::path(dir) / f);
  auto env = blob_backend_settings(blob_dir);
  env["TONEARM_CONFIG"] = "/dev/null";
  env["TONEARM_DATABASE_URL"] = database_url;
  env["TONEARM_INGEST_LOUDNESS"] = "false";  // loudness is tested in tests/media
  auto r = run_command({tonearm_binary(), "ingest", dir}, env);
  if (r.status != 0) throw std::runtime_error("ingest failed:\n" + r.output);
}

temp_dir::temp_dir() : path_(temp_path("dir")) { std::filesystem::create_directories(path_); }

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// ---- silent_server, tcp_proxy ----

namespace {

// A listening socket on 127.0.0.1 at a port the kernel picks (stored in *port).
int listen_loopback(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

silent_server::silent_server() { fd_ = listen_loopback(&port_); }

silent_server::~silent_server() { ::close(fd_); }

tcp_proxy::tcp_proxy(int target_port) : target_port_(target_port) {
  listen_fd_ = listen_loopback(&port_);
  acceptor_ = std::thread([this] { accept_loop(); });
}

tcp_proxy::~tcp_proxy() {
  stop_ = true;
  cut();
  acceptor_.join();
  for (auto& t : pumps_) t.join();
  ::close(listen_fd_);
}

void tcp_proxy::cut() {
  std::lock_guard lock(mutex_);
  cut_ = true;
  for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
}

void tcp_proxy::stall() { stalled_ = true; }

void tcp_proxy::restore() {
  std::lock_guard lock(mutex_);
  cut_ = false;
  stalled_ = false;
}

void tcp_proxy::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (cut_) {  // turned away: the client sees the connection closed at once
      ::close(client);
      continue;
    }
    int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(target_port_));
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(upstream);
      ::close(client);
      continue;
    }
    std::lock_guard lock(mutex_);
    if (cut_) {  // cut while this one was connecting
      ::close(upstream);
      ::close(client);
      continue;
    }
    open_.push_back(client);
    open_.push_back(upstream);
    pumps_.emplace_back([this, client, upstream] { pump(client, upstream); });
  }
}

void tcp_proxy::pump(int client, int upstream) {
  char buf[16384];
  for (bool done = false; !done && !stop_;) {
    if (stalled_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    pollfd p[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    if (::poll(p, 2, 50) <= 0) continue;
    for (int i = 0; i < 2 && !done; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto n = ::recv(p[i].fd, buf, sizeof buf, 0);
      if (n <= 0) {
        done = true;
        break;
      }
      int to = i == 0 ? upstream : client;
      for (ssize_t sent = 0; sent < n && !done;) {
        auto w = ::send(to, buf + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
        if (w <= 0) done = true;
        else sent += w;
      }
    }
  }
  std::lock_guard lock(mutex_);
  std::erase(open_, client);
  std::erase(open_, upstream);
  ::close(client);
  ::close(upstream);
}

std::string with_port(const std::string& url, int port) {
  auto at = url.rfind('@');
  auto colon = url.find(':', at == std::string::npos ? url.find("//") + 2 : at);
  auto slash = url.find('/', colon);
  if (colon == std::string::npos || slash == std::string::npos) throw std::invalid_argument("no port in " + url);
  return url.substr(0, colon + 1) + std::to_string(port) + url.substr(slash);
}

// ---- the whole-run log scan ----

namespace {

const char* test_log_dir() {
  const char* d = std::getenv("TONEARM_TEST_LOG_DIR");
  return d && *d ? d : nullptr;
}

// Passwords anywhere in a JSON body, tokens in a JSON reply.
void note_secrets_in(const nlohmann::json& j) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (v.is_string() && (k.find("password") != std::string::npos || k == "token" || k == "refresh_token"))
        note_secret(v.get<std::string>());
      else
        note_secrets_in(v);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) note_secrets_in(v);
  }
}

void note_request_secrets(const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body) {
  if (!test_log_dir()) return;
  for (const auto& [name, value] : headers)
    if (strcasecmp(name.c_str(), "Authorization") == 0 && value.rfind("Bearer ", 0) == 0) note_secret(value.substr(7));
  if (auto at = target.find("access_token="); at != std::string::npos) {
    auto from = at + std::strlen("access_token=");
    note_secret(target.substr(from, target.find('&', from) - from));
  }
  // Small JSON objects only: abuse tests send megabytes of '[' that would take seconds
  // to parse here (and the server would time the upload out meanwhile).
  if (!body.empty() && body.size() <= 64 * 1024 && body.front() == '{')
    note_secrets_in(nlohmann::json::parse(body, nullptr, false));
}

}  // namespace

void note_secret(const std::string& secret) {
  const char* dir = test_log_dir();
  if (!dir || secret.size() < 10 || secret.find_first_of("\r\n") != std::string::npos) return;
  std::string line = secret + "\n";
  int fd = ::open((std::string(dir) + "/secrets").c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());  // one write: lines never interleave
  ::close(fd);
}

// ---- child_process ----

child_process::child_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env)
    : log_path_(temp_path("out")), name_(std::filesystem::path(argv.at(0)).filename().string()) {
  auto env = tonearm::core::environment();
  for (const auto& [k, v] : extra_env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
}

child_process::~child_process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
  }
  if (const char* dir = test_log_dir()) {  // kept for the whole-run secret scan
    std::error_code ec;
    std::filesystem::copy_file(log_path_, std::string(dir) + "/" + name_ + "-" + std::to_string(pid_) + ".log",
                               std::filesystem::copy_options::overwrite_existing, ec);
  }
  std::remove(log_path_.c_str());
}

void child_process::signal(int sig) const { ::kill(pid_, sig); }

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool child_process::running() { return !status_ && !wait(std::chrono::milliseconds(0)); }

std::string child_process::output() const {
  std::ifstream in(log_path_);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

run_result run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                       std::chrono::milliseconds timeout) {
  child_process p(argv, extra_env);
  auto status = p.wait(timeout);
  if (!status) throw std::runtime_error("command timed out: " + argv[0]);
  return {*status, p.output()};
}

// ---- scratch_database ----

namespace {
std::string with_database(const std::string& url, const std::string& db) {
  auto slash = url.rfind('/');
  auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + db + (query == std::string::npos ? "" : url.substr(query));
}
}  // namespace

std::vector<std::string> scratch_database::admin_query(const std::string& sql) {
  pqxx::connection c(admin_database_url());
  pqxx::nontransaction tx(c);
  std::vector<std::string> out;
  for (const auto& row : tx.exec(sql)) out.push_back(row[0].is_null() ? "" : row[0].c_str());
  return out;
}

scratch_database::scratch_database() {
  static std::atomic<int> counter{0};
  name_ = "t_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
  admin_query("CREATE DATABASE " + name_);
  url_ = with_database(admin_database_url(), name_);
}

scratch_database::~scratch_database() {
  try {
    admin_query("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
  }
}

std::vector<std::string> scratch_database::query(const std::string& sql) const {
  pqxx::connection c(url_);
  pqxx::nontransaction tx(c);
  std::vector<std::string> out;
  for (const auto& row : tx.exec(sql)) out.push_back(row[0].is_null() ? "" : row[0].c_str());
  return out;
}

// ---- redis_server ----

redis_server::redis_server() : port_(free_port()) { start(); }

redis_server::~redis_server() { stop(); }

void redis_server::start() {
  proc_ = std::make_unique<child_process>(
      std::vector<std::string>{"redis-server", "--bind", "127.0.0.1", "--port", std::to_string(port_), "--save", "",
                               "--appendonly", "no"},
      std::map<std::string, std::string>{});
  for (int i = 0; i < 200; ++i) {
    try {
      http_connection probe(port_);  // a TCP connect is enough to know it listens
      return;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  throw std::runtime_error("redis-server did not start: " + proc_->output());
}

void redis_server::stop() {
  if (!proc_) return;
  proc_->signal(SIGKILL);  // like a crash: no goodbye to clients
  proc_->wait(std::chrono::seconds(5));
  proc_.reset();
}

// ---- HTTP ----

std::string http_reply::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name)) return v;
  return "";
}

bool http_reply::has_header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name)) return true;
  return false;
}

namespace {

// The ports of the tonearm servers this process started (server_process): only their
// replies are recorded for the contract check, not those of Prometheus, nginx or a
// proxy a test also talks to.
std::mutex tonearm_ports_mutex;
std::set<int> tonearm_ports;

void note_tonearm_port(int port) {
  std::lock_guard lock(tonearm_ports_mutex);
  tonearm_ports.insert(port);
}

bool is_tonearm_port(int port) {
  std::lock_guard lock(tonearm_ports_mutex);
  return tonearm_ports.count(port) != 0;
}

}  // namespace

http_connection::http_connection(int port) : recorded_(is_tonearm_port(port)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(std::string("connect failed: ") + std::strerror(err));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

http_connection::~http_connection() { close(); }

void http_connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void http_connection::send_raw(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
}

namespace {

// One line of JSON per reply in exchanges/<pid>.jsonl, written with one write(2) on an
// O_APPEND descriptor, so the lines of concurrent requests never interleave.
void record_exchange(const std::string& method, const std::string& target, const http_reply& reply) {
  const char* dir = test_log_dir();
  if (!dir) return;
  std::string content_type = reply.header("Content-Type");
  nlohmann::json line{{"method", method}, {"target", target}, {"status", reply.status},
                      {"content_type", content_type}, {"body_bytes", reply.body.size()}};
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test) line["test"] = std::string(test->test_suite_name()) + "." + test->name();
  if (content_type.rfind("application/json", 0) == 0 && reply.body.size() <= 4 * 1024 * 1024) line["body"] = reply.body;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::string folder = std::string(dir) + "/exchanges";
  ::mkdir(folder.c_str(), 0755);
  int fd = ::open((folder + "/" + std::to_string(::getpid()) + ".jsonl").c_str(),
                  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  [[maybe_unused]] auto n = ::write(fd, text.data(), text.size());
  ::close(fd);
}

}  // namespace

void http_connection::send_request(const std::string& method, const std::string& target,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   const std::string& body) {
  note_request_secrets(target, headers, body);
  if (recorded_) pending_.emplace_back(method, target);
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n" + body;
  send_raw(out);
}

bool http_connection::fill(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) throw std::runtime_error("timed out reading from server");
  pollfd p{fd_, POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(left.count()));
  if (r == 0) throw std::runtime_error("timed out reading from server");
  char buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<std::size_t>(n));
  return true;
}

http_reply http_connection::read_reply(bool head_request, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(deadline)) throw std::runtime_error("connection closed before a response head");
  http_reply reply;
  std::istringstream head(buffer_.substr(0, end));
  buffer_.erase(0, end + 4);
  std::string line;
  std::getline(head, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  // "HTTP/1.1 200 OK"
  auto sp1 = line.find(' ');
  auto sp2 = line.find(' ', sp1 + 1);
  reply.status = std::stoi(line.substr(sp1 + 1, sp2 - sp1 - 1));
  reply.reason = sp2 == std::string::npos ? "" : line.substr(sp2 + 1);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    reply.headers.emplace_back(line.substr(0, colon), value);
  }
  bool bodyless = head_request || reply.status == 204 || reply.status == 304 || reply.status < 200;
  if (!bodyless) {
    std::string cl = reply.header("Content-Length");
    if (cl.empty()) throw std::runtime_error("response without Content-Length");
    std::size_t length = std::stoull(cl);
    while (buffer_.size() < length)
      if (!fill(deadline)) throw std::runtime_error("connection closed mid-body");
    reply.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
  }
  if (test_log_dir() && reply.body.size() <= 64 * 1024 && reply.body.find("token") != std::string::npos)
    note_secrets_in(nlohmann::json::parse(reply.body, nullptr, false));
  if (!pending_.empty()) {
    // An interim 1xx answers no request by itself: the final reply still comes.
    if (reply.status >= 200) {
      record_exchange(pending_.front().first, pending_.front().second, reply);
      pending_.pop_front();
    }
  }
  return reply;
}

bool http_connection::closed_by_peer(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  try {
    while (fill(deadline)) {
    }
    return true;  // EOF or reset
  } catch (const std::runtime_error&) {
    return false;  // still open at the deadline
  }
}

http_reply http_request(int port, const std::string& method, const std::string& target,
                        const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  http_connection c(port);
  c.send_request(method, target, headers, body);
  return c.read_reply(method == "HEAD");
}

paced_reply paced_get(int port, const std::string& target, std::size_t bytes_per_second, int receive_buffer,
                      std::chrono::seconds limit) {
  using clock = std::chrono::steady_clock;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  std::unique_ptr<int, void (*)(int*)> owner(&fd, [](int* f) { ::close(*f); });
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);  // before connect: the window
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    throw std::runtime_error("send failed");
  const auto start = clock::now();
  const auto tick = std::chrono::milliseconds(20);
  const std::size_t per_tick = std::max<std::size_t>(1, bytes_per_second / 50);
  std::string got;
  std::vector<char> buf(per_tick);
  auto next = start;
  bool eof = false;
  while (!eof && clock::now() - start < limit) {
    std::this_thread::sleep_until(next);
    next += tick;
    std::size_t allowance = per_tick;  // this tick's share, read in as many calls as it takes
    while (allowance > 0) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) break;
      ssize_t n = ::recv(fd, buf.data(), allowance, 0);
      if (n <= 0) {
        eof = true;  // closed (or reset) by the server
        break;
      }
      got.append(buf.data(), static_cast<std::size_t>(n));
      allowance -= static_cast<std::size_t>(n);
    }
  }
  paced_reply r;
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
  auto end = got.find("\r\n\r\n");
  if (got.size() < 12 || end == std::string::npos) return r;
  r.status = std::stoi(got.substr(9, 3));
  std::string head = got.substr(0, end);
  for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (auto at = head.find("\r\ncontent-length:"); at != std::string::npos)
    r.content_length = std::stoull(head.substr(at + 17));
  r.body = got.substr(end + 4);
  return r;
}

// ---- server_process ----

server_process::server_process(const std::string& database_url, const std::string& redis_url,
                               std::map<std::string, std::string> settings, std::vector<std::string> launcher)
    : port_(free_port()) {
  settings.emplace("TONEARM_LISTEN", "127.0.0.1:" + std::to_string(port_));
  note_tonearm_port(port_);
  settings.emplace("TONEARM_DATABASE_URL", database_url);
  settings.emplace("TONEARM_REDIS_URL", redis_url);
  settings.emplace("TONEARM_LOG_LEVEL", "info");
  settings.emplace("TONEARM_THREADS", "2");
  settings.emplace("TONEARM_CONFIG", "/dev/null");  // defaults + env only
  if (auto dir = settings.find("TONEARM_BLOB_DIR"); dir != settings.end())
    for (auto& [k, v] : blob_backend_settings(dir->second)) settings.emplace(k, v);
  launcher.push_back(tonearm_binary());
  launcher.push_back("serve");
  proc_ = std::make_unique<child_process>(launcher, settings);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!proc_->running()) throw std::runtime_error("tonearm serve exited early:\n" + proc_->output());
    try {
      if (http_request(port_, "GET", "/healthz").status == 200) return;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("tonearm serve did not become healthy:\n" + proc_->output());
}

int server_process::terminate(std::chrono::milliseconds timeout) {
  proc_->signal(SIGTERM);
  auto status = proc_->wait(timeout);
  if (!status) throw std::runtime_error("tonearm did not exit after SIGTERM");
  return *status;
}

}  // namespace tonearm::testing
