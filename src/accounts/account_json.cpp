// User and playlist JSON; body field checks with messages that name the field.
#include "account_json.hpp"

#include "tonearm/core/error.hpp"
#include "tonearm/core/text.hpp"

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

nlohmann::json playlist_json(const playlist& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"description", p.description},
          {"public", p.is_public},
          {"owner", {{"id", p.owner.id}, {"username", p.owner.username}}},
          {"snapshot_id", std::to_string(p.snapshot)},
          {"followers", {{"total", p.followers}}},
          {"created_at", p.created_at},
          {"updated_at", p.updated_at},
          {"items", {{"total", p.item_count}}}};
}

http::response json_ok(unsigned status, const nlohmann::json& body) {
  auto res = http::json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  res.headers.set("Cache-Control", "no-store");  // personal data
  return res;
}

http::response no_content() {
  http::response res;
  res.status = 204;
  res.headers.set("Cache-Control", "no-store");
  return res;
}

namespace {
[[noreturn]] void wrong(const char* field, const char* expected) {
  throw api_error(errc::bad_request, std::string(field) + " must be " + expected);
}
const nlohmann::json* present(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}
}  // namespace

std::string required_string(const nlohmann::json& body, const char* field) {
  auto v = optional_string(body, field);
  if (!v) throw api_error(errc::bad_request, std::string(field) + " is required");
  return *v;
}

std::optional<std::string> optional_string(const nlohmann::json& body, const char* field) {
  auto v = present(body, field);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong(field, "a string");
  // PostgreSQL's text (and every C string on the way) ends at a NUL: storing "a\0b"
  // would keep "a". Refused, so what is stored is always what the client sent.
  auto text = v->get<std::string>();
  if (core::has_nul(text)) wrong(field, "text without NUL characters");
  return text;
}

std::optional<bool> optional_bool(const nlohmann::json& body, const char* field) {
  auto v = present(body, field);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) wrong(field, "true or false");
  return v->get<bool>();
}

std::optional<std::int64_t> optional_int(const nlohmann::json& body, const char* field) {
  auto v = present(body, field);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) wrong(field, "an integer");
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT32_MAX))
    wrong(field, "an integer below 2^31");
  auto n = v->get<std::int64_t>();
  if (n > INT32_MAX || n < INT32_MIN) wrong(field, "an integer below 2^31");
  return n;
}

std::int64_t required_int(const nlohmann::json& body, const char* field) {
  auto v = optional_int(body, field);
  if (!v) throw api_error(errc::bad_request, std::string(field) + " is required");
  return *v;
}

std::vector<std::int64_t> required_int_array(const nlohmann::json& body, const char* field, std::size_t max) {
  auto v = present(body, field);
  if (!v) throw api_error(errc::bad_request, std::string(field) + " is required");
  if (!v->is_array() || v->empty() || v->size() > max)
    wrong(field, ("an array of 1 to " + std::to_string(max) + " integers").c_str());
  std::vector<std::int64_t> out;
  for (const auto& e : *v) {
    if (!e.is_number_integer() || (e.is_number_unsigned() && e.get<std::uint64_t>() > INT64_MAX))
      wrong(field, "an array of integers");
    out.push_back(e.get<std::int64_t>());
  }
  return out;
}

std::optional<std::string> optional_snapshot(const nlohmann::json& body) {
  auto v = present(body, "snapshot_id");
  if (!v) return std::nullopt;
  if (v->is_string()) return optional_string(body, "snapshot_id");
  if (v->is_number_integer()) return v->dump();
  wrong("snapshot_id", "a string");
}

}  // namespace tonearm::accounts
