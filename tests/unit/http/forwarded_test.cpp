// The client's address behind trusted proxies (X-Forwarded-For).
#include "tonearm/http/forwarded.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tonearm::http {
namespace {

TEST(TrustedProxies, AddressesAndNetworksOfBothFamilies) {
  auto t = trusted_proxies::parse(" 127.0.0.1, 10.0.0.0/8 ,::1, fd00::/8, 192.168.1.128/25");
  EXPECT_TRUE(t.contains("127.0.0.1"));
  EXPECT_FALSE(t.contains("127.0.0.2"));
  EXPECT_TRUE(t.contains("10.255.3.4"));
  EXPECT_FALSE(t.contains("11.0.0.1"));
  EXPECT_TRUE(t.contains("192.168.1.200"));
  EXPECT_FALSE(t.contains("192.168.1.127")) << "/25: the upper half only";
  EXPECT_TRUE(t.contains("::1"));
  EXPECT_TRUE(t.contains("fdab::7"));
  EXPECT_FALSE(t.contains("fe80::1"));
  EXPECT_TRUE(t.contains("::ffff:10.1.2.3")) << "an IPv4-mapped peer is its IPv4 address";
  EXPECT_TRUE(t.contains("[::1]"));
  EXPECT_FALSE(t.contains("not an address"));
  EXPECT_FALSE(t.contains(""));
  EXPECT_TRUE(trusted_proxies::parse("").empty());
  EXPECT_TRUE(trusted_proxies::parse(" , ").empty());
  EXPECT_TRUE(trusted_proxies::parse("0.0.0.0/0").contains("8.8.8.8"));
  EXPECT_FALSE(trusted_proxies::parse("0.0.0.0/0").contains("2001:db8::1")) << "an IPv4 network holds no IPv6 address";
}

TEST(TrustedProxies, BadEntriesAreNamed) {
  for (const char* bad : {"127.0.0.256", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::1/129", "localhost", "1.2.3.4/-1"}) {
    try {
      trusted_proxies::parse(std::string("127.0.0.1,") + bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(TrustedProxies, TheClientIsTheFirstUntrustedAddressFromTheRight) {
  auto t = trusted_proxies::parse("127.0.0.1, 10.0.0.0/8");
  // Straight from a client: the header is the client's own claim, never believed.
  EXPECT_EQ(t.client_address("203.0.113.9", "1.2.3.4"), "203.0.113.9");
  // Through nginx: nginx appended the address it saw.
  EXPECT_EQ(t.client_address("127.0.0.1", "198.51.100.7"), "198.51.100.7");
  // A client that sends its own header through nginx cannot choose its address.
  EXPECT_EQ(t.client_address("127.0.0.1", "6.6.6.6, 198.51.100.7"), "198.51.100.7");
  // Two proxies of ours: past both.
  EXPECT_EQ(t.client_address("127.0.0.1", "198.51.100.7, 10.1.1.1"), "198.51.100.7");
  EXPECT_EQ(t.client_address("127.0.0.1", " 2001:db8::5 ,10.1.1.1"), "2001:db8::5");
  // Only trusted addresses: the leftmost. No header: the proxy itself.
  EXPECT_EQ(t.client_address("127.0.0.1", "10.0.0.2, 10.0.0.3"), "10.0.0.2");
  EXPECT_EQ(t.client_address("127.0.0.1", ""), "127.0.0.1");
  // Garbage stops the walk: what is left of it is not believed.
  EXPECT_EQ(t.client_address("127.0.0.1", "1.1.1.1, garbage, 198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(t.client_address("127.0.0.1", "1.1.1.1, 10.0.0.9, garbage"), "127.0.0.1");
  // Nobody trusted: always the peer.
  EXPECT_EQ(trusted_proxies().client_address("127.0.0.1", "198.51.100.7"), "127.0.0.1");
}

}  // namespace
}  // namespace tonearm::http
