// App password and API key SQL (see credential_repository.hpp).
#include "tonearm/store/credential_repository.hpp"

#include <pqxx/pqxx>

#include "sql_text.hpp"
#include "tonearm/accounts/credentials.hpp"

namespace tonearm::store {

namespace {

const std::string credential_columns =
    "id, kind, label, " + sql::iso("created_at") + ", " + sql::iso("last_used_at");
const std::string insert_password =
    "INSERT INTO app_credentials (user_id, kind, label, sealed, key_id) VALUES ($1, 'password', $2, $3::bytea, $4)"
    " RETURNING " + credential_columns;
const std::string insert_api_key =
    "INSERT INTO app_credentials (user_id, kind, label, key_hash) VALUES ($1, 'api_key', $2, $3::bytea)"
    " RETURNING " + credential_columns;
const std::string select_credentials =
    "SELECT " + credential_columns + " FROM app_credentials WHERE user_id = $1 ORDER BY id DESC";
const std::string delete_credential = "DELETE FROM app_credentials WHERE user_id = $1 AND id = $2 RETURNING 1";
const std::string select_passwords =
    "SELECT u.id, u.username, c.id, encode(c.sealed, 'hex'), c.key_id FROM users u"
    " LEFT JOIN app_credentials c ON c.user_id = u.id AND c.kind = 'password'"
    " WHERE lower(u.username) = $1 ORDER BY c.id";
const std::string select_api_key_user =
    "SELECT u.id, u.username, c.id FROM app_credentials c JOIN users u ON u.id = c.user_id"
    " WHERE c.key_hash = $1::bytea AND c.kind = 'api_key'";
const std::string update_used =
    "UPDATE app_credentials SET last_used_at = now() WHERE id = $1"
    " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')";
const std::string select_key_ids =
    "SELECT DISTINCT key_id FROM app_credentials WHERE kind = 'password' ORDER BY key_id";

accounts::app_credential credential_from(const pqxx::row& r) {
  accounts::app_credential c;
  c.id = r[0].as<std::int64_t>();
  c.kind = r[1].as<std::string>();
  c.label = r[2].as<std::string>();
  c.created_at = r[3].as<std::string>();
  if (!r[4].is_null()) c.last_used_at = r[4].as<std::string>();
  return c;
}

std::string from_hex(const std::string& hex) {
  auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1]));
  return out;
}

std::string bytea(const std::string& raw) { return "\\x" + accounts::to_hex(raw); }

}  // namespace

accounts::app_credential credential_repository::add_password(std::int64_t user, const std::string& label,
                                                             const std::string& sealed,
                                                             const std::string& key_id) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params(insert_password, user, label, bytea(sealed), key_id);
    tx.commit();
    return credential_from(r[0]);
  });
}

accounts::app_credential credential_repository::add_api_key(std::int64_t user, const std::string& label,
                                                            const std::string& key_hash) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params(insert_api_key, user, label, bytea(key_hash));
    tx.commit();
    return credential_from(r[0]);
  });
}

std::vector<accounts::app_credential> credential_repository::list(std::int64_t user) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<accounts::app_credential> out;
    for (const auto& row : tx.exec_params(select_credentials, user)) out.push_back(credential_from(row));
    return out;
  });
}

bool credential_repository::revoke(std::int64_t user, std::int64_t id) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    bool gone = !tx.exec_params(delete_credential, user, id).empty();
    tx.commit();
    return gone;
  });
}

std::optional<std::pair<accounts::user_ref, std::vector<accounts::sealed_password>>>
credential_repository::passwords_of(const std::string& canonical_username) const {
  return db_.with_connection(
      [&](pqxx::connection& c) -> std::optional<std::pair<accounts::user_ref, std::vector<accounts::sealed_password>>> {
        pqxx::read_transaction tx(c);
        auto r = tx.exec_params(select_passwords, canonical_username);
        if (r.empty()) return std::nullopt;
        std::pair<accounts::user_ref, std::vector<accounts::sealed_password>> out;
        out.first = {r[0][0].as<std::int64_t>(), r[0][1].as<std::string>()};
        for (const auto& row : r)
          if (!row[2].is_null())
            out.second.push_back({row[2].as<std::int64_t>(), from_hex(row[3].as<std::string>()), row[4].as<std::string>()});
        return out;
      });
}

std::optional<std::pair<accounts::user_ref, std::int64_t>> credential_repository::api_key_user(
    const std::string& key_hash) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<std::pair<accounts::user_ref, std::int64_t>> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(select_api_key_user, bytea(key_hash));
    if (r.empty()) return std::nullopt;
    return std::pair{accounts::user_ref{r[0][0].as<std::int64_t>(), r[0][1].as<std::string>()},
                     r[0][2].as<std::int64_t>()};
  });
}

void credential_repository::touch(std::int64_t id) const {
  db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params(update_used, id);
    tx.commit();
  });
}

std::vector<std::string> credential_repository::key_ids() const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<std::string> out;
    for (const auto& row : tx.exec(select_key_ids)) out.push_back(row[0].as<std::string>());
    return out;
  });
}

}  // namespace tonearm::store
