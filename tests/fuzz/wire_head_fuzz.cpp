// wire::serialize_head (response heads as bytes) and wire::request_id_for.
// Input: FuzzedDataProvider bytes: status, keep-alive, body or stream size, the
// client's X-Request-Id, then header fields (name, value) with any bytes in them.
// Contract (src/http/wire.hpp): no header can be injected through a handler-set
// field. Checked: the head is exactly the status line, one line per handler field
// (Content-Length and Connection dropped) with CR, LF, NUL, ':', space and tab in the
// name turned into '-' and CR, LF, NUL in the value into spaces, then Server, Date,
// X-Request-Id, Content-Length (not for 1xx/204/304) and Connection; no line holds a
// CR or LF, no blank line before the end.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_common.hpp"
#include "http/wire.hpp"

using namespace tonearm;
namespace wire = tonearm::http::wire;

namespace {

struct sized_source : http::body_source {
  explicit sized_source(std::uint64_t n) : n_(n) {}
  std::uint64_t size() const override { return n_; }
  std::size_t next(char*, std::size_t) override { return 0; }
  std::uint64_t n_;
};

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

std::string sanitized_name(std::string_view v) {
  std::string out(v);
  for (auto& c : out) c = c == '\r' || c == '\n' || c == '\0' || c == ':' || c == ' ' || c == '\t' ? '-' : c;
  return out;
}

std::string sanitized_value(std::string_view v) {
  std::string out(v);
  for (auto& c : out) c = c == '\r' || c == '\n' || c == '\0' ? ' ' : c;
  return out;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
          c == '.' || c == ':'))
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  http::response res;
  res.status = in.ConsumeIntegralInRange<unsigned>(0, 1000);
  const bool keep_alive = in.ConsumeBool();
  if (in.ConsumeBool()) res.stream = std::make_shared<sized_source>(in.ConsumeIntegral<std::uint64_t>());
  else res.body = in.ConsumeRandomLengthString(64);
  const std::string client_id = in.ConsumeRandomLengthString(160);
  while (in.remaining_bytes() > 0 && res.headers.size() < 16) {
    std::string name = in.ConsumeRandomLengthString(40);
    std::string value = in.ConsumeRandomLengthString(200);
    if (in.ConsumeBool()) res.headers.add(std::move(name), std::move(value));
    else res.headers.set(name, std::move(value));
  }

  const std::string id = wire::request_id_for(client_id);
  FUZZ_CHECK(valid_id(id), "request_id_for('%s') = '%s'", fuzz::printable(client_id).c_str(),
             fuzz::printable(id).c_str());
  if (valid_id(client_id)) FUZZ_CHECK(id == client_id, "a valid X-Request-Id must be passed through");

  const std::string head = wire::serialize_head(res, id, keep_alive);

  FUZZ_CHECK(head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0, "the head does not end in CRLF CRLF");
  std::vector<std::string> got;
  std::string_view rest(head.data(), head.size() - 4);
  while (true) {
    auto crlf = rest.find("\r\n");
    got.emplace_back(rest.substr(0, crlf));
    if (crlf == std::string_view::npos) break;
    rest.remove_prefix(crlf + 2);
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    FUZZ_CHECK(!got[i].empty(), "blank line %zu inside the head: the header section ends early (CRLF injection)", i);
    FUZZ_CHECK(!has_crlf(got[i]), "line %zu '%s' holds a bare CR or LF", i, fuzz::printable(got[i]).c_str());
  }

  // Line by line: the status line, then one line per handler field (Content-Length
  // and Connection are the session's), name and value sanitised as above.
  std::string status_line = "HTTP/1.1 " + std::to_string(res.status) + " " + std::string(wire::reason_phrase(res.status));
  FUZZ_CHECK(got[0] == status_line, "status line '%s'", fuzz::printable(got[0]).c_str());
  std::size_t at = 1;
  for (const auto& f : res.headers) {
    if (http::iequals(f.name, "Content-Length") || http::iequals(f.name, "Connection")) continue;
    std::string line = sanitized_name(f.name) + ": " + sanitized_value(f.value);
    FUZZ_CHECK(at < got.size() && got[at] == line, "line %zu is '%s', expected '%s'", at,
               at < got.size() ? fuzz::printable(got[at]).c_str() : "(none)", fuzz::printable(line).c_str());
    ++at;
  }

  FUZZ_CHECK(at + 2 < got.size() && got[at] == "Server: tonearm", "line %zu is '%s', expected 'Server: tonearm'", at,
             at < got.size() ? fuzz::printable(got[at]).c_str() : "(none)");
  FUZZ_CHECK(got[at + 1].rfind("Date: ", 0) == 0 && got[at + 1].size() == 6 + 29 &&
                 got[at + 1].compare(got[at + 1].size() - 4, 4, " GMT") == 0,
             "Date line '%s'", fuzz::printable(got[at + 1]).c_str());
  FUZZ_CHECK(got[at + 2] == "X-Request-Id: " + id, "X-Request-Id line '%s'", fuzz::printable(got[at + 2]).c_str());
  at += 3;
  const bool bodyless = res.status < 200 || res.status == 204 || res.status == 304;
  if (!bodyless) {
    std::string len = std::to_string(res.stream ? res.stream->size() : res.body.size());
    FUZZ_CHECK(at < got.size() && got[at] == "Content-Length: " + len, "Content-Length line missing or wrong");
    ++at;
  }
  const bool close = http::iequals(res.headers.get("Connection"), "close") || !keep_alive;
  FUZZ_CHECK(wire::wants_close(res) == http::iequals(res.headers.get("Connection"), "close"), "wants_close");
  FUZZ_CHECK(at < got.size() && got[at] == std::string("Connection: ") + (close ? "close" : "keep-alive"),
             "Connection line missing or wrong");
  ++at;
  FUZZ_CHECK(at == got.size(), "%zu extra lines after Connection", got.size() - at);
  return 0;
}
