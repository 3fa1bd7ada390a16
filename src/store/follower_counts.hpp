// Followers of a user, author or playlist, counted in 16 rows each (migration 0005):
// concurrent follows of one celebrity do not queue on one counter row.
#pragma once

#include <pqxx/pqxx>

#include <cstdint>
#include <string>

namespace tonearm::store {

inline constexpr int follower_count_shards = 16;

// `kind`: 'u' user, 'a' author, 'p' playlist. Adds `delta` to the follower's shard
// (a follow and its unfollow meet on the same shard: none goes below zero).
inline void add_follower_count(pqxx::transaction_base& tx, char kind, std::int64_t id, std::int64_t follower,
                               int delta) {
  tx.exec_params(
      "INSERT INTO follower_counts (kind, id, shard, n) VALUES ($1, $2, $3, $4)"
      " ON CONFLICT (kind, id, shard) DO UPDATE SET n = follower_counts.n + EXCLUDED.n",
      std::string(1, kind), id, static_cast<int>(follower % follower_count_shards), delta);
}

// An SQL expression (bigint) for the followers of the row whose id is `id_column`.
inline std::string followers_of(char kind, const std::string& id_column) {
  return "(SELECT coalesce(sum(fc.n), 0)::bigint FROM follower_counts fc WHERE fc.kind = '" + std::string(1, kind) +
         "' AND fc.id = " + id_column + ")";
}

}  // namespace tonearm::store
