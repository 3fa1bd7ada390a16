// App passwords and API keys (see app_credentials.hpp).
#include "tonearm/accounts/app_credentials.hpp"

#include <sodium.h>

#include <stdexcept>

#include "tonearm/accounts/credentials.hpp"

namespace tonearm::accounts {

namespace {

void start_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to start");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<secret_box> secret_box::from_text(std::string_view key_text, std::string& why) {
  start_sodium();
  secret_box box;
  if (key_text.size() != 64) {
    why = "must be 64 hex digits (32 random bytes; `tonearm app-key` makes one)";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = hex_digit(key_text[2 * i]), lo = hex_digit(key_text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      why = "must be 64 hex digits (32 random bytes; `tonearm app-key` makes one)";
      return std::nullopt;
    }
    box.key_[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  unsigned char id[8];
  static constexpr unsigned char label[] = "tonearm app password key id";
  crypto_generichash(id, sizeof id, label, sizeof label - 1, box.key_.data(), box.key_.size());
  box.key_id_ = to_hex(std::string_view(reinterpret_cast<const char*>(id), sizeof id));
  return box;
}

std::string secret_box::new_key_text() {
  start_sodium();
  unsigned char key[crypto_secretbox_KEYBYTES];
  randombytes_buf(key, sizeof key);
  return to_hex(std::string_view(reinterpret_cast<const char*>(key), sizeof key));
}

std::string secret_box::seal(std::string_view plain) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plain.data()),
                        plain.size(), nonce, key_.data());
  return out;
}

std::optional<std::string> secret_box::open(std::string_view sealed) const {
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  const auto* box = nonce + crypto_secretbox_NONCEBYTES;
  std::size_t box_size = sealed.size() - crypto_secretbox_NONCEBYTES;
  std::string plain(box_size - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), box, box_size, nonce,
                                 key_.data()) != 0)
    return std::nullopt;
  return plain;
}

std::string new_app_password() {
  start_sodium();
  static constexpr char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";  // 31: no 0 o 1 l i
  std::string out;
  for (int i = 0; i < 24; ++i) {
    if (i > 0 && i % 4 == 0) out += '-';
    out += alphabet[randombytes_uniform(sizeof alphabet - 1)];
  }
  return out;
}

std::string new_api_key() {
  start_sodium();
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char text[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string("tnk_") + text;
}

std::string api_key_hash(std::string_view key) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace tonearm::accounts
