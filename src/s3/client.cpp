// S3 over Beast: each pooled connection owns an io_context that the calling thread
// runs for one operation at a time, so a call blocks only its caller, and
// beast::tcp_stream's deadline covers connect, TLS handshake, write and read alike.
#include "tonearm/s3/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "tonearm/s3/xml.hpp"
#include "tonearm/stream/conditional.hpp"

namespace tonearm::s3 {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using clock = std::chrono::steady_clock;

// ---- endpoint ----

std::string endpoint::host_header() const {
  bool default_port = (tls && port == 443) || (!tls && port == 80);
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;  // IPv6 literal
  return default_port ? h : h + ":" + std::to_string(port);
}

endpoint parse_endpoint(std::string_view url) {
  endpoint e;
  if (url.rfind("https://", 0) == 0) {
    e.tls = true;
    url.remove_prefix(8);
  } else if (url.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
  } else {
    throw std::invalid_argument("s3_endpoint must start with http:// or https://");
  }
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = url.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    e.base_path = std::string(path);
  }
  if (authority.empty()) throw std::invalid_argument("s3_endpoint has no host");
  if (authority.find('@') != std::string_view::npos)
    throw std::invalid_argument("s3_endpoint must not hold credentials (use s3_access_key_id)");
  std::string_view port_text;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("s3_endpoint: unclosed [ in the host");
    e.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw std::invalid_argument("s3_endpoint: junk after the host");
      port_text = rest.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (e.host.empty()) throw std::invalid_argument("s3_endpoint has no host");
  e.port = e.tls ? 443 : 80;
  if (!port_text.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || v == 0 || v > 65535)
      throw std::invalid_argument("s3_endpoint: bad port '" + std::string(port_text) + "'");
    e.port = static_cast<std::uint16_t>(v);
  }
  return e;
}

// ---- connections ----

namespace {

struct connection {
  asio::io_context ioc;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool reused = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

// Runs one asynchronous operation on the connection's io_context until it completes
// or the deadline closes the socket (beast::error::timeout).
template <class Start>
boost::system::error_code run(connection& c, clock::time_point deadline, Start start) {
  boost::system::error_code result = asio::error::would_block;
  c.lowest().expires_at(deadline);
  start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
  c.ioc.restart();
  c.ioc.run();
  return result;
}

bool is_timeout(const boost::system::error_code& ec) { return ec == beast::error::timeout; }

std::string text_of(const boost::system::error_code& ec) {
  return is_timeout(ec) ? std::string("timed out") : ec.message();
}

std::string_view view(boost::beast::string_view v) { return {v.data(), v.size()}; }

// Size, ETag, type and Last-Modified of a HEAD or GET answer (size: Content-Length).
object_info info_from(const bhttp::fields& h) {
  object_info info;
  info.etag = std::string(view(h[bhttp::field::etag]));
  info.content_type = std::string(view(h[bhttp::field::content_type]));
  info.last_modified = stream::parse_http_date(view(h[bhttp::field::last_modified])).value_or(0);
  return info;
}

std::uint64_t parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) throw std::invalid_argument("not a number");
  return v;
}

constexpr std::string_view empty_payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// What a request sends.
struct outgoing {
  bhttp::verb method = bhttp::verb::get;
  std::string operation;  // "GetObject": for messages
  std::string key;        // "" for the bucket itself
  fields query;
  fields headers;  // besides Host and the x-amz-* ones sign() adds
  std::string body;
  bool idempotent = true;
  std::uint64_t body_limit = 64 << 20;
};

struct incoming {
  int status = 0;
  std::string body;
  bhttp::fields headers;
};

}  // namespace

struct client::impl {
  client_config config;
  endpoint ep;
  signing_scope scope;
  std::optional<asio::ssl::context> tls_context;
  asio::ip::tcp::resolver::results_type resolved;
  std::mutex resolve_mutex;
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<connection>> idle;
  std::atomic<std::uint64_t> requests{0}, retries{0}, connections{0}, errors{0};

  explicit impl(client_config c) : config(std::move(c)), ep(parse_endpoint(config.endpoint)) {
    if (config.bucket.empty()) throw std::invalid_argument("s3_bucket is not set");
    if (config.region.empty()) throw std::invalid_argument("s3_region is empty");
    if (config.creds.access_key_id.empty() || config.creds.secret_access_key.empty())
      throw std::invalid_argument("no S3 credentials (s3_access_key_id and s3_secret_access_key, or AWS_ACCESS_KEY_ID "
                                  "and AWS_SECRET_ACCESS_KEY)");
    scope.region = config.region;
    scope.service = "s3";
    if (ep.tls) {
      tls_context.emplace(asio::ssl::context::tls_client);
      tls_context->set_verify_mode(asio::ssl::verify_peer);
      boost::system::error_code ec;
      if (config.ca_file.empty()) {
        tls_context->set_default_verify_paths(ec);
        if (ec) throw std::invalid_argument("cannot load the system's trusted CAs: " + ec.message());
      } else {
        tls_context->load_verify_file(config.ca_file, ec);
        if (ec) throw std::invalid_argument("s3_ca_file " + config.ca_file + ": cannot load CA certificates: " + ec.message());
      }
    }
  }

  std::string request_host() const {
    return config.path_style ? ep.host_header() : config.bucket + "." + ep.host_header();
  }
  std::string connect_host() const { return config.path_style ? ep.host : config.bucket + "." + ep.host; }

  std::string path_of(std::string_view key) const {
    std::string p = ep.base_path;
    if (config.path_style) p += "/" + config.bucket;
    p += "/";
    p += key;
    return p;
  }

  std::unique_ptr<connection> open(clock::time_point deadline) {
    auto c = std::make_unique<connection>();
    asio::ip::tcp::resolver::results_type endpoints;
    {
      std::lock_guard lock(resolve_mutex);
      if (resolved.empty()) {
        asio::ip::tcp::resolver resolver(c->ioc);
        boost::system::error_code ec;
        resolved = resolver.resolve(connect_host(), std::to_string(ep.port), ec);
        if (ec) throw error(0, "unreachable", "S3 endpoint " + connect_host() + ": cannot resolve: " + ec.message());
      }
      endpoints = resolved;
    }
    if (ep.tls) c->tls.emplace(c->ioc, *tls_context);
    else c->plain.emplace(c->ioc);
    auto ec = run(*c, deadline, [&](auto handler) { c->lowest().async_connect(endpoints, std::move(handler)); });
    if (ec) throw error(0, is_timeout(ec) ? "timeout" : "unreachable",
                        "S3 endpoint " + request_host() + ": cannot connect: " + text_of(ec));
    c->lowest().socket().set_option(asio::ip::tcp::no_delay(true));
    if (c->tls) {
      auto name = connect_host();
      if (!SSL_set_tlsext_host_name(c->tls->native_handle(), name.c_str()))
        throw error(0, "tls", "S3 endpoint " + name + ": cannot set SNI");
      c->tls->set_verify_callback(asio::ssl::host_name_verification(name));
      ec = run(*c, deadline, [&](auto handler) { c->tls->async_handshake(asio::ssl::stream_base::client, std::move(handler)); });
      if (ec) throw error(0, is_timeout(ec) ? "timeout" : "tls",
                          "S3 endpoint " + name + ": TLS handshake failed: " + text_of(ec));
    }
    ++connections;
    return c;
  }

  std::unique_ptr<connection> take(clock::time_point deadline) {
    {
      std::lock_guard lock(pool_mutex);
      if (!idle.empty()) {
        auto c = std::move(idle.back());
        idle.pop_back();
        c->reused = true;
        return c;
      }
    }
    return open(deadline);
  }

  void give_back(std::unique_ptr<connection> c) {
    c->buffer.clear();
    std::lock_guard lock(pool_mutex);
    if (idle.size() < config.max_idle_connections) idle.push_back(std::move(c));
  }

  // One attempt. Throws error; `stale` tells whether it failed on a kept-alive connection the server had closed (nothing received).
  incoming attempt(const outgoing& out, clock::time_point deadline, bool& stale) {
    stale = false;
    auto c = take(deadline);
    bool reused = c->reused;
    request_to_sign r;
    r.method = std::string(bhttp::to_string(out.method));
    r.path = path_of(out.key);
    r.query = out.query;
    r.headers.emplace_back("Host", request_host());
    for (const auto& h : out.headers) r.headers.push_back(h);
    r.payload_hash = out.body.empty() ? std::string(empty_payload_hash) : sha256_hex(out.body);
    sign(r, config.creds, scope, std::chrono::system_clock::now());

    std::string target = canonical_uri(r.path);
    if (!r.query.empty()) target += "?" + canonical_query(r.query);
    bhttp::request<bhttp::string_body> req{out.method, target, 11};
    for (const auto& [k, v] : r.headers) req.set(k, v);
    req.set(bhttp::field::user_agent, "tonearm");
    req.body() = out.body;
    if (!out.body.empty() || out.method == bhttp::verb::put || out.method == bhttp::verb::post) req.prepare_payload();
    req.keep_alive(true);

    ++requests;
    boost::system::error_code ec;
    if (c->tls) ec = run(*c, deadline, [&](auto h) { bhttp::async_write(*c->tls, req, std::move(h)); });
    else ec = run(*c, deadline, [&](auto h) { bhttp::async_write(*c->plain, req, std::move(h)); });
    if (ec) {
      stale = reused && !is_timeout(ec);
      throw error(0, is_timeout(ec) ? "timeout" : "connection", out.operation + ": sending failed: " + text_of(ec));
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(out.body_limit);
    if (out.method == bhttp::verb::head) parser.skip(true);
    if (c->tls) ec = run(*c, deadline, [&](auto h) { bhttp::async_read(*c->tls, c->buffer, parser, std::move(h)); });
    else ec = run(*c, deadline, [&](auto h) { bhttp::async_read(*c->plain, c->buffer, parser, std::move(h)); });
    if (ec) {
      // A kept-alive connection the server had closed: the request never reached it.
      stale = reused && !parser.got_some() && !is_timeout(ec);
      throw error(0, is_timeout(ec) ? "timeout" : "connection",
                  out.operation + ": " + (parser.got_some() ? "the answer broke off: " : "no answer: ") + text_of(ec));
    }
    auto res = parser.release();
    incoming in;
    in.status = static_cast<int>(res.result_int());
    in.body = std::move(res.body());
    bool keep = res.keep_alive();
    in.headers = std::move(res.base());
    if (keep) give_back(std::move(c));
    return in;
  }

  static bool retriable_status(int status, const std::string& code) {
    return status == 500 || status == 502 || status == 503 || status == 504 || code == "SlowDown" ||
           code == "RequestTimeout" || code == "InternalError" || code == "ServiceUnavailable";
  }

  // Sends `out`, retrying as the rules allow, and returns any answer below 300 or one
  // of `accepted`; throws error for the rest.
  incoming send(const outgoing& out, std::initializer_list<int> accepted = {}) {
    auto deadline = clock::now() + config.timeout;
    thread_local std::minstd_rand jitter(std::random_device{}());
    for (int tries = 1;; ++tries) {
      std::optional<error> failure;
      bool stale = false;
      try {
        auto in = attempt(out, deadline, stale);
        bool ok = in.status < 300 || std::find(accepted.begin(), accepted.end(), in.status) != accepted.end();
        // CompleteMultipartUpload can answer 200 with an <Error> body.
        std::optional<error_document> doc;
        if (!ok || (out.method == bhttp::verb::post && in.body.find("<Error>") != std::string::npos))
          doc = parse_error_document(in.body);
        if (ok && !doc) return in;
        std::string code = doc ? doc->code : status_code_name(in.status);
        failure.emplace(in.status, code,
                        out.operation + " " + (out.key.empty() ? config.bucket : out.key) + ": " +
                            std::to_string(in.status) + " " + code + (doc && !doc->message.empty() ? ": " + doc->message : ""));
        if (!retriable_status(in.status, code)) {
          ++errors;
          throw *failure;
        }
      } catch (const error& e) {
        if (!e.transport()) throw;
        failure.emplace(e);
        if (e.timed_out()) {
          ++errors;
          throw;
        }
      }
      // A stale pooled connection is retried at once, whatever the method.
      if (stale && clock::now() < deadline) {
        ++retries;
        --tries;
        continue;
      }
      if (!out.idempotent || tries >= config.max_attempts) {
        ++errors;
        throw *failure;
      }
      // Full jitter: uniform in [0, min(1 s, 25 ms * 2^tries)).
      auto cap = std::min<long long>(1000, 25LL << tries);
      auto pause = std::chrono::milliseconds(std::uniform_int_distribution<long long>(0, cap - 1)(jitter));
      if (clock::now() + pause >= deadline) {
        ++errors;
        throw *failure;
      }
      std::this_thread::sleep_for(pause);
      ++retries;
    }
  }

  static std::string status_code_name(int status) {
    switch (status) {
      case 301: return "PermanentRedirect";
      case 400: return "BadRequest";
      case 403: return "Forbidden";
      case 404: return "NotFound";
      case 416: return "InvalidRange";
      case 503: return "ServiceUnavailable";
      default: return "HTTP" + std::to_string(status);
    }
  }
};

client::client(client_config config) : impl_(std::make_unique<impl>(std::move(config))) {}
client::~client() = default;

const client_config& client::config() const noexcept { return impl_->config; }

client_stats client::stats() const {
  return {impl_->requests.load(), impl_->retries.load(), impl_->connections.load(), impl_->errors.load()};
}

void client::check_bucket() {
  outgoing out;
  out.method = bhttp::verb::head;
  out.operation = "HeadBucket";
  try {
    impl_->send(out);
  } catch (const error& e) {
    if (e.status() == 404) throw error(404, "NoSuchBucket", "HeadBucket: 404 NoSuchBucket: " + impl_->config.bucket + " does not exist");
    if (e.status() != 400 && e.status() != 403) throw;
    // HEAD has no body to name the problem: ask with a GET (ListObjectsV2 of nothing).
    outgoing probe;
    probe.operation = "ListObjectsV2";
    probe.query = {{"list-type", "2"}, {"max-keys", "0"}};
    impl_->send(probe);
  }
}

std::optional<object_info> client::head(std::string_view key) {
  outgoing out;
  out.method = bhttp::verb::head;
  out.operation = "HeadObject";
  out.key = std::string(key);
  auto in = impl_->send(out, {404});
  if (in.status == 404) return std::nullopt;
  auto info = info_from(in.headers);
  try {
    info.size = parse_u64(view(in.headers[bhttp::field::content_length]));
  } catch (const std::exception&) {
    throw error(in.status, "BadResponse", "HeadObject " + std::string(key) + ": no Content-Length");
  }
  return info;
}

std::string client::get_range(std::string_view key, std::uint64_t offset, std::uint64_t length, object_info* info) {
  if (length == 0) throw std::invalid_argument("get_range of no bytes");
  outgoing out;
  out.operation = "GetObject";
  out.key = std::string(key);
  out.headers.emplace_back("Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  out.body_limit = length + 65536;  // an error document may be longer than a short range
  auto in = impl_->send(out);
  auto bad = [&](const std::string& why) {
    ++impl_->errors;
    return error(in.status, "BadResponse", "GetObject " + std::string(key) + ": " + why);
  };
  std::uint64_t total = 0;
  if (in.status == 206) {
    // "bytes first-last/total"
    auto cr = in.headers[bhttp::field::content_range];
    std::string_view v(cr.data(), cr.size());
    auto dash = v.find('-'), slash = v.find('/');
    if (v.rfind("bytes ", 0) != 0 || dash == std::string_view::npos || slash == std::string_view::npos || slash < dash)
      throw bad("206 with Content-Range '" + std::string(v) + "'");
    try {
      auto first = parse_u64(v.substr(6, dash - 6));
      auto last = parse_u64(v.substr(dash + 1, slash - dash - 1));
      total = parse_u64(v.substr(slash + 1));
      if (first != offset || last != offset + length - 1)
        throw bad("asked for bytes " + std::to_string(offset) + "-" + std::to_string(offset + length - 1) + ", got " +
                  std::string(v));
    } catch (const std::invalid_argument&) {
      throw bad("206 with Content-Range '" + std::string(v) + "'");
    }
  } else if (in.status == 200) {
    // The whole object: only right when it is exactly the range asked for.
    total = in.body.size();
    if (offset != 0 || total != length) throw bad("200 with the whole object (" + std::to_string(total) + " bytes) for a range");
  } else {
    throw bad("status " + std::to_string(in.status) + " for a range");
  }
  if (in.body.size() != length)
    throw bad("asked for " + std::to_string(length) + " bytes, got " + std::to_string(in.body.size()));
  if (info) {
    *info = info_from(in.headers);
    info->size = total;
  }
  return std::move(in.body);
}

std::string client::put(std::string_view key, std::string_view body, std::string_view content_type) {
  outgoing out;
  out.method = bhttp::verb::put;
  out.operation = "PutObject";
  out.key = std::string(key);
  if (!content_type.empty()) out.headers.emplace_back("Content-Type", std::string(content_type));
  out.body = std::string(body);
  auto in = impl_->send(out);
  return std::string(in.headers[bhttp::field::etag]);
}

std::string client::create_multipart(std::string_view key, std::string_view content_type) {
  outgoing out;
  out.method = bhttp::verb::post;
  out.operation = "CreateMultipartUpload";
  out.key = std::string(key);
  out.query = {{"uploads", ""}};
  out.idempotent = false;
  if (!content_type.empty()) out.headers.emplace_back("Content-Type", std::string(content_type));
  auto in = impl_->send(out);
  auto id = xml_text(in.body, "UploadId");
  if (!id || id->empty()) throw error(in.status, "BadResponse", "CreateMultipartUpload " + std::string(key) + ": no UploadId");
  return *id;
}

std::string client::upload_part(std::string_view key, const std::string& upload_id, int part_number,
                                std::string_view body) {
  outgoing out;
  out.method = bhttp::verb::put;
  out.operation = "UploadPart";
  out.key = std::string(key);
  out.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  out.body = std::string(body);
  auto in = impl_->send(out);
  auto etag = std::string(in.headers[bhttp::field::etag]);
  if (etag.empty()) throw error(in.status, "BadResponse", "UploadPart " + std::string(key) + ": no ETag");
  return etag;
}

void client::complete_multipart(std::string_view key, const std::string& upload_id,
                                const std::vector<std::string>& etags) {
  outgoing out;
  out.method = bhttp::verb::post;
  out.operation = "CompleteMultipartUpload";
  out.key = std::string(key);
  out.query = {{"uploadId", upload_id}};
  // Completing the same parts again is harmless (or NoSuchUpload once done).
  out.idempotent = true;
  out.headers.emplace_back("Content-Type", "application/xml");
  std::string xml = "<CompleteMultipartUpload>";
  for (std::size_t i = 0; i < etags.size(); ++i)
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + xml_escape(etags[i]) + "</ETag></Part>";
  xml += "</CompleteMultipartUpload>";
  out.body = std::move(xml);
  impl_->send(out);
}

void client::abort_multipart(std::string_view key, const std::string& upload_id) {
  outgoing out;
  out.method = bhttp::verb::delete_;
  out.operation = "AbortMultipartUpload";
  out.key = std::string(key);
  out.query = {{"uploadId", upload_id}};
  impl_->send(out, {404});
}

std::vector<std::string> client::list_multipart_uploads(std::string_view prefix) {
  outgoing out;
  out.operation = "ListMultipartUploads";
  out.query = {{"uploads", ""}, {"prefix", std::string(prefix)}};
  auto in = impl_->send(out);
  std::vector<std::string> ids;
  for (auto upload : xml_elements(in.body, "Upload"))
    if (auto id = xml_text(upload, "UploadId")) ids.push_back(*id);
  return ids;
}

void client::put_file(std::string_view key, const std::filesystem::path& file, std::uint64_t part_bytes,
                      std::string_view content_type, const std::function<void(std::uint64_t)>& progress) {
  constexpr std::uint64_t min_part = 5 << 20;  // S3's smallest part but the last
  part_bytes = std::max(part_bytes, min_part);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
  auto size = std::filesystem::file_size(file);
  auto read_piece = [&](std::uint64_t n) {
    std::string piece(n, '\0');
    in.read(piece.data(), static_cast<std::streamsize>(n));
    if (static_cast<std::uint64_t>(in.gcount()) != n) throw std::runtime_error("short read of " + file.string());
    return piece;
  };
  if (size <= part_bytes) {
    put(key, read_piece(size), content_type);
    if (progress) progress(size);
    return;
  }
  auto upload_id = create_multipart(key, content_type);
  try {
    std::vector<std::string> etags;
    std::uint64_t sent = 0;
    for (int part = 1; sent < size; ++part) {
      auto n = std::min(part_bytes, size - sent);
      etags.push_back(upload_part(key, upload_id, part, read_piece(n)));
      sent += n;
      if (progress) progress(sent);
    }
    complete_multipart(key, upload_id, etags);
  } catch (...) {
    try {
      abort_multipart(key, upload_id);
    } catch (const std::exception&) {
      // The original failure matters more; an unaborted upload is listed by
      // list_multipart_uploads and a bucket lifecycle rule ends it.
    }
    throw;
  }
}

void client::remove(std::string_view key) {
  outgoing out;
  out.method = bhttp::verb::delete_;
  out.operation = "DeleteObject";
  out.key = std::string(key);
  impl_->send(out, {404});
}

std::vector<std::pair<std::string, std::uint64_t>> client::list(std::string_view prefix) {
  std::vector<std::pair<std::string, std::uint64_t>> keys;
  std::string token;
  for (;;) {
    outgoing out;
    out.operation = "ListObjectsV2";
    out.query = {{"list-type", "2"}, {"prefix", std::string(prefix)}};
    if (!token.empty()) out.query.emplace_back("continuation-token", token);
    auto in = impl_->send(out);
    for (auto item : xml_elements(in.body, "Contents")) {
      auto k = xml_text(item, "Key");
      auto s = xml_text(item, "Size");
      if (!k || !s) continue;
      try {
        keys.emplace_back(*k, parse_u64(*s));
      } catch (const std::invalid_argument&) {
        throw error(in.status, "BadResponse", "ListObjectsV2: bad Size '" + *s + "'");
      }
    }
    if (xml_text(in.body, "IsTruncated").value_or("false") != "true") break;
    token = xml_text(in.body, "NextContinuationToken").value_or("");
    if (token.empty()) break;
  }
  return keys;
}

}  // namespace tonearm::s3
