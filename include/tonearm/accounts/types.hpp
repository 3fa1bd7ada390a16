// Users and sessions as the store and the handlers see them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tonearm::accounts {

struct user {
  std::int64_t id = 0;
  std::string username;
  std::string created_at;  // ISO 8601, UTC
  std::int64_t followers = 0;
  std::int64_t following = 0;
  std::optional<std::string> billing_id;  // opaque; shown to the user only
};

struct user_credentials {
  std::int64_t id = 0;
  std::string password_hash;
};

// An app password or API key as its owner sees it listed (never the secret).
struct app_credential {
  std::int64_t id = 0;
  std::string kind;   // "password" or "api_key"
  std::string label;  // the user's name for it ("Symfonium on my phone")
  std::string created_at;
  std::optional<std::string> last_used_at;
};

// A sealed app password, for checking a Subsonic call (see app_credentials.hpp).
struct sealed_password {
  std::int64_t id = 0;
  std::string sealed;
  std::string key_id;
};

struct user_ref {
  std::int64_t id = 0;
  std::string username;
};

}  // namespace tonearm::accounts
