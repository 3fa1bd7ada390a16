// The client's address behind proxies. Behind nginx every connection comes from
// nginx's address; a proxy we trust names the client in X-Forwarded-For, and that
// address is what logs, rate limits and play counts must see. Nobody else may claim
// an address: the header is only read when the connection comes from a trusted proxy.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace tonearm::http {

class trusted_proxies {
 public:
  trusted_proxies() = default;
  // A comma-separated list of addresses and CIDR networks ("127.0.0.1, 10.0.0.0/8,
  // ::1, fd00::/8"); "" trusts nobody. Throws std::invalid_argument naming a bad entry.
  static trusted_proxies parse(std::string_view list);
  bool empty() const noexcept { return nets_.empty(); }
  bool contains(std::string_view address) const noexcept;
  // The peer, unless it is trusted: then the addresses of X-Forwarded-For are walked
  // from the right (the one the nearest proxy added) past every trusted one; the
  // first untrusted address is the client. A malformed entry ends the walk (the last
  // good address is the client), and when all are trusted it is the leftmost one.
  std::string client_address(std::string_view peer, std::string_view forwarded_for) const;

 private:
  struct network {
    std::array<unsigned char, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    int prefix = 128;
  };
  std::vector<network> nets_;
};

}  // namespace tonearm::http
