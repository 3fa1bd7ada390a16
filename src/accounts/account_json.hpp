// The JSON shape of users.
#pragma once

#include <nlohmann/json.hpp>

#include "tonearm/accounts/types.hpp"

namespace tonearm::accounts {

// {"id","username","created_at","followers":{"total"},"following":{"total"}}, plus
// "billing_id" when `self` (the user looking at their own account).
nlohmann::json user_json(const user& u, bool self);

}  // namespace tonearm::accounts
