// S3's XML answers (what a store, or anything pretending to be one, sends back) and
// the SigV4 encoders: xml_elements/xml_text/parse_error_document never read outside
// the input and give back slices of it; xml_unescape(xml_escape(x)) == x; uri_encode
// output holds only unreserved characters, '%XX' (and '/' when kept) and decodes back
// to its input; canonical_query keeps one pair per parameter.
// Input: "ELEMENT NAME\nDOCUMENT..." (the rest, newlines included, is the document).
#include <algorithm>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tonearm/s3/sigv4.hpp"
#include "tonearm/s3/xml.hpp"

using namespace tonearm;

namespace {

bool within(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      FUZZ_CHECK(i + 2 < s.size(), "truncated escape");
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      FUZZ_CHECK(hi >= 0 && lo >= 0, "bad escape in %.*s", static_cast<int>(s.size()), s.data());
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void check_encode(std::string_view text, bool keep_slash) {
  auto enc = s3::uri_encode(text, keep_slash);
  for (std::size_t i = 0; i < enc.size(); ++i) {
    char c = enc[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || c == '~' || c == '%' || (keep_slash && c == '/');
    FUZZ_CHECK(ok, "uri_encode left '%c'", c);
  }
  FUZZ_CHECK(decode(enc) == text, "uri_encode does not decode back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = fuzz::as_text(data, size);
  auto nl = input.find('\n');
  std::string_view name = input.substr(0, std::min(nl, input.size()));
  std::string_view doc = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);

  for (auto part : s3::xml_elements(doc, name)) FUZZ_CHECK(within(part, doc), "element outside the document");
  if (auto text = s3::xml_text(doc, name)) FUZZ_CHECK(text->size() <= doc.size(), "text longer than its document");
  if (auto err = s3::parse_error_document(doc)) {
    FUZZ_CHECK(!err->code.empty(), "an error document without a code");
    FUZZ_CHECK(err->code.size() <= doc.size() && err->message.size() <= doc.size(), "error text too long");
  }
  FUZZ_CHECK(s3::xml_unescape(s3::xml_escape(doc)) == doc, "unescape(escape(x)) != x");
  FUZZ_CHECK(s3::xml_unescape(doc).size() <= doc.size(), "unescape grew the text");

  check_encode(doc, true);
  check_encode(doc, false);
  s3::fields query;
  for (auto line : fuzz::lines(doc)) {
    auto eq = line.find('=');
    query.emplace_back(std::string(line.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(line.substr(eq + 1)));
  }
  auto q = s3::canonical_query(query);
  std::vector<std::string> pairs;
  for (std::size_t at = 0; !q.empty();) {
    auto amp = q.find('&', at);
    pairs.push_back(q.substr(at, amp - at));
    if (amp == std::string::npos) break;
    at = amp + 1;
  }
  FUZZ_CHECK(pairs.size() == query.size(), "canonical_query has %zu pairs for %zu", pairs.size(), query.size());
  return 0;
}
