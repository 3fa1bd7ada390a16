// wire::framing_problem (RFC 9112 6.1 and 6.3: request framing that must not be
// guessed at).
// Input: the HTTP version on the first line (10, 11, ...), then field lines
// "T:VALUE" (a Transfer-Encoding line) or "C:VALUE" (a Content-Length line).
// Checked against the documented rule: unambiguous (nullopt) exactly when there is
// no Transfer-Encoding and at most one Content-Length value, or, in HTTP/1.1 without
// Content-Length, one Transfer-Encoding coding that is chunked; otherwise
// bad_request, or not_implemented for a coding we do not decode. Messages go to the
// client: printable ASCII only.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "http/wire.hpp"

using namespace tonearm;

namespace {

std::vector<std::string> elements(const std::vector<std::string_view>& lines) {
  std::vector<std::string> out;
  for (auto line : lines) {
    while (true) {
      auto comma = line.find(',');
      auto item = line.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (!item.empty()) out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      line.remove_prefix(comma + 1);
    }
  }
  return out;
}

std::string coding_name(const std::string& coding) {
  std::string n = coding.substr(0, coding.find(';'));
  while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.pop_back();
  for (auto& c : n) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = fuzz::lines(fuzz::as_text(data, size));
  unsigned version = 0;
  for (char c : input[0].substr(0, 4))
    if (c >= '0' && c <= '9') version = version * 10 + static_cast<unsigned>(c - '0');
  std::vector<std::string_view> te, cl;
  for (std::size_t i = 1; i < input.size(); ++i) {
    if (input[i].substr(0, 2) == "T:") te.push_back(input[i].substr(2));
    else if (input[i].substr(0, 2) == "C:") cl.push_back(input[i].substr(2));
  }

  auto problem = http::wire::framing_problem(te, cl, version);

  auto lengths = elements(cl);
  auto codings = elements(te);
  const bool plain = te.empty() && lengths.size() <= 1;
  const bool chunked = !te.empty() && version >= 11 && cl.empty() && codings.size() == 1 &&
                       coding_name(codings[0]) == "chunked";
  FUZZ_CHECK(!problem == (plain || chunked), "version %u, %zu TE lines (%zu codings), %zu CL lines (%zu values): %s",
             version, te.size(), codings.size(), cl.size(), lengths.size(),
             problem ? problem->message.c_str() : "accepted");
  if (!problem) return 0;
  FUZZ_CHECK(problem->code == errc::bad_request || problem->code == errc::not_implemented, "code %d",
             static_cast<int>(problem->code));
  if (problem->code == errc::not_implemented)
    FUZZ_CHECK(!te.empty() && lengths.size() <= 1, "not_implemented without a Transfer-Encoding to blame");
  FUZZ_CHECK(!problem->message.empty(), "no message");
  for (unsigned char c : problem->message)
    FUZZ_CHECK(c >= 0x20 && c < 0x7F, "message '%s' holds byte 0x%02x", fuzz::printable(problem->message).c_str(), c);
  return 0;
}
