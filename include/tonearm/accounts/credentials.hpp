// Passwords (argon2id through libsodium) and bearer tokens (random 256-bit, stored
// only as a SHA-256). Nothing here logs or keeps a password.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tonearm::accounts {

// argon2id cost: libsodium's "interactive" limits by default (2 passes, 64 MiB).
struct password_cost {
  std::uint64_t ops = 2;
  std::size_t memory_kib = 64 * 1024;
};

class password_hasher {
 public:
  // Throws std::runtime_error when libsodium cannot start or the cost is out of range.
  explicit password_hasher(password_cost cost = {});

  // An encoded argon2id hash ("$argon2id$v=19$m=...") with a fresh salt.
  std::string hash(std::string_view password) const;
  // True when `password` matches `encoded`. A malformed hash is a mismatch.
  bool verify(const std::string& encoded, std::string_view password) const;
  // Spends the same time as a real verify() and returns false: used when the username
  // is unknown, so a wrong name and a wrong password take about as long.
  bool verify_nobody(std::string_view password) const;

 private:
  password_cost cost_;
  std::string dummy_;  // a hash of a random password, made at start
};

struct issued_token {
  std::string token;  // given to the client once: 43 URL-safe base64 characters
  std::string hash;   // SHA-256 of the token, 32 raw bytes: what the database keeps
};

issued_token new_token();
// The SHA-256 of a token as the client sent it (32 raw bytes).
std::string token_hash(std::string_view token);
// Lower-case hex of raw bytes (for PostgreSQL's bytea input "\x...").
std::string to_hex(std::string_view bytes);

// Registration rules; each returns an empty string when fine, else the reason.
// Username: 3-32 characters of a-z A-Z 0-9 _ . - (unique case-insensitively).
std::string username_problem(std::string_view username);
// The one form of a username that rate limits, lookups and comparisons use: ASCII
// lower case of a name registration would take; nullopt for any other text (so
// "victim\0zz" or a Kelvin sign never reach a limiter key or the database).
std::optional<std::string> canonical_username(std::string_view username);
// Password: at least 10 characters (bytes of UTF-8 counted as characters), at most 1024.
std::string password_problem(std::string_view password);

}  // namespace tonearm::accounts
