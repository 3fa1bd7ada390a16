// Numbered SQL migrations, applied in order and recorded in schema_migrations.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace tonearm::store {

struct migration {
  int version;
  std::string name;
  std::string sql;
};

// The migrations compiled into the binary (from migrations/*.sql), in version order.
const std::vector<migration>& embedded_migrations();

// The database could not be reached (worth retrying while it starts).
class database_unreachable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct migration_report {
  int applied = 0;          // newly applied in this run
  int already_applied = 0;  // found recorded
  int current_version = 0;
};

// Applies every migration not yet recorded, each in its own transaction, under an
// advisory lock so concurrent servers do not race. Safe to run any number of times.
// Throws database_unreachable when it cannot connect, std::runtime_error when an applied migration's checksum differs from the
// embedded one (someone edited an applied file) or a migration fails (that one is
// rolled back; earlier ones stay).
migration_report apply_migrations(const std::string& database_url, const std::vector<migration>& migrations);

}  // namespace tonearm::store
