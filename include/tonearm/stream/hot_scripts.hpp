// The Lua scripts that apply the hot-cache rules (stream/hot_policy.hpp) atomically in
// Redis. Every key a script touches comes in KEYS (hot_keys.hpp names them), none is
// built inside a script. Each script's arguments are listed above it.
#pragma once

#include "tonearm/store/redis_client.hpp"

namespace tonearm::stream::hot_scripts {

// Counts one play and answers {heat (text), cached (0/1), admit (0/1)}; a cached
// song's heat is kept as its score in the index. hot_policy::heat and ::admit.
// KEYS: count, index, bytes. ARGV: window number, previous window's weight, count
// hash lifetime, song, threshold, max bytes.
extern const store::redis_script play;

// Removes a cached song: index entry, size, byte tally, meta and chunks. Returns the
// bytes freed, -1 when it was not cached (another instance got there first).
// KEYS: index, sizes, bytes, meta, then every chunk. ARGV: song.
extern const store::redis_script drop;

// Makes a song whose chunks are all written servable: checks every chunk is there,
// sets meta, and (once, even when two instances promoted it together) the index
// score (its heat now), size and tally. Returns 1 when added, 0 when already cached,
// -1 when a chunk is missing.
// KEYS: meta, index, sizes, bytes, count, then every chunk. ARGV: size, ttl, song,
// window number, previous window's weight.
extern const store::redis_script commit;

// Rebuilds the byte tally from the sizes of the cached songs. KEYS: sizes, bytes.
// Returns the tally.
extern const store::redis_script retally;

// For a slice of cached songs: a song whose meta expired leaves the index, sizes and
// tally (its chunks are deleted); every other one gets its heat as its score, and its
// TTL renewed when hot_policy::renew says so. Returns how many songs left.
// KEYS: index, sizes, bytes, then per song: meta, count, its chunks.
// ARGV: window number, previous window's weight, threshold, ttl, then per song: the
// song and its number of chunks.
extern const store::redis_script sweep;

}  // namespace tonearm::stream::hot_scripts
