// argon2id hashing, tokens and the registration rules.
#include "tonearm/accounts/credentials.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tonearm::accounts {
namespace {

// The cheapest argon2id libsodium allows keeps these tests fast; the cost itself is
// libsodium's business.
const password_hasher& cheap() {
  static const password_hasher h(password_cost{1, 8});
  return h;
}

TEST(PasswordHasher, HashesVerifyAndSaltsDiffer) {
  auto a = cheap().hash("correct horse battery");
  auto b = cheap().hash("correct horse battery");
  EXPECT_EQ(a.rfind("$argon2id$", 0), 0u) << a;
  EXPECT_NE(a, b);  // a fresh salt each time
  EXPECT_TRUE(cheap().verify(a, "correct horse battery"));
  EXPECT_TRUE(cheap().verify(b, "correct horse battery"));
  EXPECT_FALSE(cheap().verify(a, "correct horse batterY"));
  EXPECT_FALSE(cheap().verify(a, ""));
  EXPECT_EQ(a.find("horse"), std::string::npos);
}

TEST(PasswordHasher, MalformedHashesAndNobodyNeverMatch) {
  EXPECT_FALSE(cheap().verify("", "x"));
  EXPECT_FALSE(cheap().verify("$argon2id$v=19$garbage", "x"));
  EXPECT_FALSE(cheap().verify_nobody("anything at all"));
}

TEST(PasswordHasher, RefusesCostsOutOfRange) {
  EXPECT_THROW(password_hasher(password_cost{0, 64}), std::runtime_error);
  EXPECT_THROW(password_hasher(password_cost{2, 1}), std::runtime_error);
}

TEST(Tokens, Are256RandomBitsStoredAsSha256) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto t = new_token();
    EXPECT_EQ(t.token.size(), 43u);
    EXPECT_EQ(t.token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_EQ(t.hash.size(), 32u);
    EXPECT_EQ(t.hash, token_hash(t.token));
    EXPECT_TRUE(seen.insert(t.token).second);
  }
  // SHA-256("abc"), FIPS 180-2.
  EXPECT_EQ(to_hex(token_hash("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(RegistrationRules, Usernames) {
  for (const char* ok : {"abc", "Ada.L", "a_b-c", "x23456789012345678901234567890yz"}) EXPECT_EQ(username_problem(ok), "") << ok;
  for (const char* bad : {"ab", "", "x234567890123456789012345678901yz", "with space", "é-acute", "semi;colon", "a/b"})
    EXPECT_NE(username_problem(bad), "") << bad;
}

TEST(RegistrationRules, PasswordsCountCharactersNotBytes) {
  EXPECT_EQ(password_problem("0123456789"), "");
  EXPECT_NE(password_problem("012345678"), "");
  EXPECT_EQ(password_problem("éééééééééé"), "");   // 10 characters
  EXPECT_NE(password_problem("ééééééééé"), "");    // 9 characters, 18 bytes
  EXPECT_NE(password_problem(std::string(1025, 'x')), "");
  EXPECT_NE(password_problem(std::string("0123456789\0x", 12)), "");
}

}  // namespace
}  // namespace tonearm::accounts

namespace tonearm::accounts {
namespace {

// One form keys the login limiter, the lookup and the comparison.
TEST(CanonicalUsername, LowerCaseOfWhatRegistrationTakesAndNothingElse) {
  EXPECT_EQ(canonical_username("Victim"), "victim");
  EXPECT_EQ(canonical_username("a_B-c.D"), "a_b-c.d");
  EXPECT_EQ(canonical_username(std::string("victim\0zz", 9)), std::nullopt);
  EXPECT_EQ(canonical_username("\u212a\u0130d"), std::nullopt);  // Kelvin sign, dotted capital I
  EXPECT_EQ(canonical_username("kid\u200b"), std::nullopt);       // zero-width space
  EXPECT_EQ(canonical_username("ab"), std::nullopt);
  EXPECT_EQ(canonical_username(std::string(33, 'a')), std::nullopt);
}

}  // namespace
}  // namespace tonearm::accounts
