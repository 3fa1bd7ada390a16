// Users and sessions as the store and the handlers see them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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

struct user_ref {
  std::int64_t id = 0;
  std::string username;
};

}  // namespace tonearm::accounts
