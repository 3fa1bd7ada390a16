#include "tonearm/http/forwarded.hpp"
#include "tonearm/core/text.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace tonearm::http {

namespace {

using core::trim_ows;

// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped: ::ffff:a.b.c.d), and whether it
// was written as IPv4. "[v6]" is accepted (as some proxies write it).
std::optional<std::pair<std::array<unsigned char, 16>, bool>> parse_address(std::string_view text) {
  text = trim_ows(text);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  std::array<unsigned char, 16> out{};
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return std::pair{out, true};
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return std::pair{out, false};
  }
  return std::nullopt;
}

bool in_network(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& net, int prefix) {
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.data(), net.data(), static_cast<std::size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[static_cast<std::size_t>(full)] & mask) == (net[static_cast<std::size_t>(full)] & mask);
}

}  // namespace

trusted_proxies trusted_proxies::parse(std::string_view list) {
  trusted_proxies t;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto entry = trim_ows(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (entry.empty()) continue;
    auto slash = entry.find('/');
    auto address = parse_address(entry.substr(0, slash));
    if (!address) throw std::invalid_argument("'" + std::string(entry) + "' is not an IP address or network");
    network n;
    n.bytes = address->first;
    const int bits = address->second ? 32 : 128;
    n.prefix = bits;
    if (slash != std::string_view::npos) {
      auto digits = entry.substr(slash + 1);
      int p = -1;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
      if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || p < 0 || p > bits)
        throw std::invalid_argument("'" + std::string(entry) + "': the prefix length must be 0 to " + std::to_string(bits));
      n.prefix = p;
    }
    if (address->second) n.prefix += 96;  // within the mapped form
    t.nets_.push_back(n);
  }
  return t;
}

bool trusted_proxies::contains(std::string_view address) const noexcept {
  auto a = parse_address(address);
  if (!a) return false;
  for (const auto& n : nets_)
    if (in_network(a->first, n.bytes, n.prefix)) return true;
  return false;
}

std::string trusted_proxies::client_address(std::string_view peer, std::string_view forwarded_for) const {
  if (nets_.empty() || !contains(peer)) return std::string(peer);
  std::string client(peer);
  while (!forwarded_for.empty()) {
    auto comma = forwarded_for.rfind(',');
    auto entry = trim_ows(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    if (entry.empty()) continue;
    if (!parse_address(entry)) break;  // not an address: nothing left of it is believed
    client = std::string(entry);
    if (!contains(entry)) break;
  }
  return client;
}

}  // namespace tonearm::http
