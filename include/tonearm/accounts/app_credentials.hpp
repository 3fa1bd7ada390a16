// Credentials a user makes for one app (a Subsonic client on a phone), apart from the
// account password, which never leaves the web player:
// - an app password, typed into the app once. Subsonic's token auth sends
//   md5(password + salt), so the server must be able to read the password back: it is
//   kept sealed (XSalsa20-Poly1305, libsodium's secretbox) under a key from the
//   configuration that never reaches the database;
// - an API key (OpenSubsonic's apiKey): random, kept only as a SHA-256.
// Nothing here logs or keeps a secret.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tonearm::accounts {

class secret_box {
 public:
  // `key_text`: 64 hex digits (32 bytes). nullopt with `why` set otherwise.
  static std::optional<secret_box> from_text(std::string_view key_text, std::string& why);
  // A fresh random key as 64 hex digits (for `tonearm` to print to an operator).
  static std::string new_key_text();

  // nonce (24 bytes) then the sealed text: raw bytes.
  std::string seal(std::string_view plain) const;
  // The plain text; nullopt when `sealed` was not sealed with this key or was altered.
  std::optional<std::string> open(std::string_view sealed) const;
  // Names the key without giving it away (16 hex digits of a keyed BLAKE2b): stored
  // with each sealed password, so a server started with another key says so at start
  // instead of refusing every app.
  const std::string& key_id() const { return key_id_; }

 private:
  std::array<unsigned char, 32> key_{};
  std::string key_id_;
};

// An app password: 24 letters and digits in groups of four ("k7pq-2mxw-..."), without
// the look-alikes 0 o 1 l i, so it can be typed from one screen into another (about
// 119 bits).
std::string new_app_password();
// An API key: "tnk_" then 43 URL-safe base64 characters (256 bits).
std::string new_api_key();
// What the database keeps of an API key: its SHA-256, 32 raw bytes.
std::string api_key_hash(std::string_view key);

}  // namespace tonearm::accounts
