// User JSON.
#include "account_json.hpp"

namespace tonearm::accounts {

nlohmann::json user_json(const user& u, bool self) {
  nlohmann::json j{{"id", u.id},
                   {"username", u.username},
                   {"created_at", u.created_at},
                   {"followers", {{"total", u.followers}}},
                   {"following", {{"total", u.following}}}};
  if (self) j["billing_id"] = u.billing_id ? nlohmann::json(*u.billing_id) : nlohmann::json(nullptr);
  return j;
}

}  // namespace tonearm::accounts
