// Every Redis key name of the stream module, in one place (the Redis counterpart of
// "all SQL in store"): the hot cache, play counting and charts, the song directory.
// Every key a script touches is passed to it in KEYS.
#pragma once

#include <cstdint>
#include <string>

namespace tonearm::stream::hot_keys {

inline constexpr const char* prefix = "tonearm:hot:";
// Plays of a song per fixed window: a hash window number -> plays.
inline std::string count(const std::string& song) { return std::string(prefix) + "count:" + song; }
// The song's size, present (with a TTL) once every chunk is written.
inline std::string meta(const std::string& song) { return std::string(prefix) + "meta:" + song; }
// Chunk `n` of the song's bytes.
inline std::string chunk(const std::string& song, std::uint64_t n) {
  return std::string(prefix) + "chunk:" + song + ":" + std::to_string(n);
}
// ZSET cached song -> heat: the eviction order (coldest first).
inline const std::string index = std::string(prefix) + "index";
// Hash cached song -> bytes.
inline const std::string sizes = std::string(prefix) + "sizes";
// The bytes of every cached song together (kept under max_bytes).
inline const std::string bytes = std::string(prefix) + "bytes";

}  // namespace tonearm::stream::hot_keys

namespace tonearm::stream::play_keys {

// Hash song id -> plays counted since the last flush to PostgreSQL.
inline const std::string pending = "tonearm:plays:pending";
// `pending` renamed while a flush writes it to PostgreSQL (kept if the flush fails).
inline const std::string flushing = "tonearm:plays:flushing";
// ZSET song id -> plays in one hour (hours since the epoch).
inline std::string hour(long long hour_number) { return "tonearm:plays:h:" + std::to_string(hour_number); }
// Present while one listener's play of a song counts as the same play (deduplication).
inline std::string seen(const std::string& song, const std::string& client) {
  return "tonearm:play:seen:" + song + ":" + client;
}
// A chart: the union of `hours` hour buckets ending at `current`, kept a minute.
inline std::string chart(int hours, long long current) {
  return "tonearm:charts:" + std::to_string(hours) + ":" + std::to_string(current);
}

}  // namespace tonearm::stream::play_keys

namespace tonearm::stream::song_keys {

// The song directory: song id -> mime type and blob key, for streaming while
// PostgreSQL is away.
inline std::string song(std::int64_t id) { return "tonearm:song:" + std::to_string(id); }

}  // namespace tonearm::stream::song_keys
