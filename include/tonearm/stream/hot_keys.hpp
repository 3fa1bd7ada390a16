// The Redis key names of the hot cache, in one place (the Redis counterpart of "all
// SQL in store"). Every key a script touches is passed to it in KEYS.
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
