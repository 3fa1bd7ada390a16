// argon2id hashing and tokens through libsodium.
#include "tonearm/accounts/credentials.hpp"

#include <sodium.h>

#include <stdexcept>

namespace tonearm::accounts {

namespace {
void start_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to start");
}
}  // namespace

password_hasher::password_hasher(password_cost cost) : cost_(cost) {
  start_sodium();
  if (cost.ops < crypto_pwhash_OPSLIMIT_MIN || cost.ops > crypto_pwhash_OPSLIMIT_MAX)
    throw std::runtime_error("argon2id ops limit out of range");
  if (cost.memory_kib * 1024 < crypto_pwhash_MEMLIMIT_MIN || cost.memory_kib > (std::size_t{4} << 20))
    throw std::runtime_error("argon2id memory limit out of range (8 KiB .. 4 GiB)");
  unsigned char random[32];
  randombytes_buf(random, sizeof random);
  dummy_ = hash(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
  sodium_memzero(random, sizeof random);
}

std::string password_hasher::hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), cost_.ops, cost_.memory_kib * 1024) != 0)
    throw std::runtime_error("argon2id hashing failed (out of memory)");
  return out;
}

bool password_hasher::verify(const std::string& encoded, std::string_view password) const {
  return crypto_pwhash_str_verify(encoded.c_str(), password.data(), password.size()) == 0;
}

bool password_hasher::verify_nobody(std::string_view password) const {
  (void)verify(dummy_, password);
  return false;
}

issued_token new_token() {
  start_sodium();
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char text[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
  issued_token t;
  t.token = text;
  t.hash = token_hash(t.token);
  return t;
}

std::string token_hash(std::string_view token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string to_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string username_problem(std::string_view username) {
  if (username.size() < 3 || username.size() > 32) return "username must be 3 to 32 characters long";
  for (char c : username) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-';
    if (!ok) return "username may only contain letters a-z, digits, '_', '.' and '-'";
  }
  return {};
}

std::optional<std::string> canonical_username(std::string_view username) {
  if (!username_problem(username).empty()) return std::nullopt;
  std::string out(username);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  return out;
}

std::string password_problem(std::string_view password) {
  std::size_t characters = 0;
  for (unsigned char c : password)
    if ((c & 0xC0) != 0x80) ++characters;
  if (characters < 10) return "password must be at least 10 characters long";
  if (password.size() > 1024) return "password must be at most 1024 bytes long";
  if (password.find('\0') != std::string_view::npos) return "password must not contain NUL characters";
  return {};
}

}  // namespace tonearm::accounts
