// Migration runner.
#include "tonearm/store/migrations.hpp"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>

namespace tonearm::store {

namespace {

// FNV-1a 64: stable across builds and platforms (std::hash is not).
std::string checksum(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

constexpr long long advisory_lock_key = 0x746f6e6561726dLL;  // "tonearm"

}  // namespace

migration_report apply_migrations(const std::string& database_url, const std::vector<migration>& migrations) {
  std::unique_ptr<pqxx::connection> owned;
  try {
    owned = std::make_unique<pqxx::connection>(database_url);
  } catch (const pqxx::broken_connection& e) {
    throw database_unreachable(e.what());
  }
  pqxx::connection& conn = *owned;
  pqxx::nontransaction(conn).exec("SET client_min_messages = warning");
  {
    pqxx::nontransaction tx(conn);
    tx.exec("SELECT pg_advisory_lock(" + std::to_string(advisory_lock_key) + ")");
  }
  migration_report report;
  try {
    {
      pqxx::work tx(conn);
      tx.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
      tx.commit();
    }
    std::map<int, std::string> applied;
    {
      pqxx::read_transaction tx(conn);
      for (const auto& row : tx.exec("SELECT version, checksum FROM schema_migrations"))
        applied[row[0].as<int>()] = row[1].as<std::string>();
    }
    for (const auto& m : migrations) {
      auto sum = checksum(m.sql);
      if (auto it = applied.find(m.version); it != applied.end()) {
        if (it->second != sum)
          throw std::runtime_error("migration " + std::to_string(m.version) + " (" + m.name +
                                   ") was changed after it was applied; add a new migration instead");
        ++report.already_applied;
        report.current_version = m.version;
        continue;
      }
      pqxx::work tx(conn);
      try {
        tx.exec(m.sql);
      } catch (const std::exception& e) {
        throw std::runtime_error("migration " + std::to_string(m.version) + " (" + m.name + ") failed: " + e.what());
      }
      tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.version,
                     m.name, sum);
      tx.commit();
      spdlog::info("applied migration {} ({})", m.version, m.name);
      ++report.applied;
      report.current_version = m.version;
    }
  } catch (...) {
    pqxx::nontransaction(conn).exec("SELECT pg_advisory_unlock_all()");
    throw;
  }
  pqxx::nontransaction(conn).exec("SELECT pg_advisory_unlock_all()");
  return report;
}

}  // namespace tonearm::store
