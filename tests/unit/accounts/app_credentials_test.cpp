// App passwords sealed under the configured key, and API keys.
#include "tonearm/accounts/app_credentials.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tonearm::accounts {
namespace {

secret_box box_of(const std::string& key) {
  std::string why;
  auto box = secret_box::from_text(key, why);
  EXPECT_TRUE(box) << why;
  return *box;
}

TEST(SecretBox, SealsAndOpensAndRefusesAnythingElse) {
  auto box = box_of(std::string(64, 'a'));
  auto sealed = box.seal("k7pq-2mxw-abcd");
  EXPECT_EQ(box.open(sealed), "k7pq-2mxw-abcd");
  EXPECT_NE(box.seal("k7pq-2mxw-abcd"), sealed);  // a fresh nonce each time
  EXPECT_EQ(sealed.find("k7pq"), std::string::npos);
  auto altered = sealed;
  altered.back() = static_cast<char>(altered.back() ^ 1);
  EXPECT_FALSE(box.open(altered));
  EXPECT_FALSE(box.open(sealed.substr(0, 20)));
  EXPECT_FALSE(box.open(""));
  auto other = box_of(std::string(64, 'b'));
  EXPECT_FALSE(other.open(sealed));
  EXPECT_NE(other.key_id(), box.key_id());
  EXPECT_EQ(box_of(std::string(64, 'a')).key_id(), box.key_id());
  EXPECT_EQ(box.key_id().size(), 16u);
}

TEST(SecretBox, KeyTextMustBe64HexDigits) {
  for (const std::string& bad : {std::string(), std::string(63, 'a'), std::string(65, 'a'), std::string(64, 'g')}) {
    std::string why;
    EXPECT_FALSE(secret_box::from_text(bad, why)) << bad;
    EXPECT_NE(why.find("64 hex digits"), std::string::npos);
  }
  auto made = secret_box::new_key_text();
  EXPECT_EQ(made.size(), 64u);
  std::string why;
  EXPECT_TRUE(secret_box::from_text(made, why));
  EXPECT_NE(secret_box::new_key_text(), made);
}

TEST(AppPassword, TypableGroupsWithoutLookAlikes) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto p = new_app_password();
    ASSERT_EQ(p.size(), 29u) << p;  // 6 groups of 4 and 5 dashes
    for (std::size_t j = 0; j < p.size(); ++j) {
      if (j % 5 == 4) {
        EXPECT_EQ(p[j], '-') << p;
        continue;
      }
      EXPECT_NE(std::string("abcdefghjkmnpqrstuvwxyz23456789").find(p[j]), std::string::npos) << p;
    }
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(ApiKey, RandomAndKeptAsAHash) {
  auto k = new_api_key();
  EXPECT_EQ(k.substr(0, 4), "tnk_");
  EXPECT_EQ(k.size(), 4u + 43u);
  EXPECT_NE(new_api_key(), k);
  EXPECT_EQ(api_key_hash(k).size(), 32u);
  EXPECT_EQ(api_key_hash(k), api_key_hash(k));
  EXPECT_NE(api_key_hash(k), api_key_hash(k + "x"));
}

}  // namespace
}  // namespace tonearm::accounts
