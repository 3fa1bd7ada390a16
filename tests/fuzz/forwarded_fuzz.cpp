// Trusted proxies and X-Forwarded-For (a header anyone can send): parse() takes a
// list or names the bad entry, never crashes; the client address is the peer or one
// of the header's own entries, and a header is believed only from a trusted peer.
// Input: "TRUSTED LIST\nPEER\nX-FORWARDED-FOR".
#include <stdexcept>
#include <string>

#include "fuzz_common.hpp"
#include "tonearm/http/forwarded.hpp"

using namespace tonearm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto fields = fuzz::lines(fuzz::as_text(data, size));
  fields.resize(3);
  http::trusted_proxies trusted;
  try {
    trusted = http::trusted_proxies::parse(fields[0]);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  const std::string_view peer = fields[1], header = fields[2];
  auto client = trusted.client_address(peer, header);
  if (client != peer) {
    FUZZ_CHECK(trusted.contains(peer), "a header believed from an untrusted peer");
    FUZZ_CHECK(header.find(client) != std::string_view::npos, "a client address the header does not hold");
  }
  if (trusted.empty()) FUZZ_CHECK(client == peer, "nobody trusted, yet not the peer");
  return 0;
}
