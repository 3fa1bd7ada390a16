// All SQL of app passwords and API keys (see accounts/app_credentials.hpp). Nothing
// is cached: a credential revoked on one instance stops working on every instance at
// its next call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tonearm/accounts/types.hpp"
#include "tonearm/store/pg_pool.hpp"

namespace tonearm::store {

class credential_repository {
 public:
  explicit credential_repository(pg_pool& db) : db_(db) {}

  accounts::app_credential add_password(std::int64_t user, const std::string& label, const std::string& sealed,
                                        const std::string& key_id) const;
  accounts::app_credential add_api_key(std::int64_t user, const std::string& label,
                                       const std::string& key_hash) const;
  // Newest first.
  std::vector<accounts::app_credential> list(std::int64_t user) const;
  // False when the user has no credential of that id.
  bool revoke(std::int64_t user, std::int64_t id) const;

  // The user of that canonical name with their sealed app passwords (none: an empty
  // list); nullopt when there is no such user.
  std::optional<std::pair<accounts::user_ref, std::vector<accounts::sealed_password>>> passwords_of(
      const std::string& canonical_username) const;
  // The user and the credential id of an API key's hash.
  std::optional<std::pair<accounts::user_ref, std::int64_t>> api_key_user(const std::string& key_hash) const;
  // Notes that a credential was used (at most once a minute, so a busy app does not
  // write on every call).
  void touch(std::int64_t id) const;
  // The keys the stored app passwords were sealed with.
  std::vector<std::string> key_ids() const;

 private:
  pg_pool& db_;
};

}  // namespace tonearm::store
