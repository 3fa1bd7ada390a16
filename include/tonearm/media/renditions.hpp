// Renditions: the encoded versions of a song made ahead of time (Opus in Ogg, AAC in
// M4A), which of them a source gets, and which version answers a request for a
// quality from a client that plays some codecs. Loudness: the gain that brings a
// track to -14 LUFS without its true peak passing -1 dBTP. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tonearm::media {

// One rung of the ladder.
struct format {
  std::string_view name;        // "opus-96": what the API and the database call it
  std::string_view codec;       // "opus" or "aac"
  int bitrate_kbps;             // the encoder's target
  std::string_view mime_type;   // what the stream answers with
  std::string_view muxer;       // ffmpeg's -f
};

// Opus 96, 160 and 256 kb/s in Ogg, and AAC 128 kb/s in M4A for browsers without Opus.
const std::vector<format>& ladder();
const format* find_format(std::string_view name);  // nullptr when unknown

// The codec of a file by its stored MIME type: mp3, aac, opus, vorbis, flac, wav,
// aiff; "" when unknown.
std::string_view codec_of(std::string_view mime_type);
bool lossless(std::string_view codec);

// The formats worth making of a source: an Opus rung only when the source carries at
// least a quarter more bits (a 96 kb/s MP3 gains nothing from a 96 kb/s Opus), and
// AAC 128 when the source is not MP3 or AAC (every browser plays those) or has at
// least 160 kb/s. A lossless source, or one of unknown bitrate, gets every rung.
std::vector<const format*> formats_for(std::string_view source_mime, std::optional<int> source_kbps);

// A rendition as stored.
struct rendition {
  std::string format;  // a ladder name
  std::string blob_key;
  std::int64_t byte_size = 0;
  int bitrate_kbps = 0;  // measured
  int duration_ms = 0;
};

enum class quality { low, normal, high, original };
std::optional<quality> parse_quality(std::string_view text);
std::string_view name_of(quality q);
// The bitrate a quality aims at (kb/s): low 96, normal 160, high 320.
int target_kbps(quality q);

// Codecs a client plays, from a comma-separated list ("opus,aac"); empty means any.
// nullopt when a name is not a known codec.
std::optional<std::vector<std::string>> parse_codecs(std::string_view text);

struct source {
  std::string_view mime_type;
  std::optional<int> bitrate_kbps;
};

// What to serve: the index of a rendition, or nullopt for the original. `original`
// asks for the original. Otherwise, among the original and the renditions in a codec
// the client plays (all when `codecs` is empty), the one with the most bits that does
// not pass the quality's target, else the one with the fewest; on a tie the original
// (no transcoding loss). When the client plays none of them, the original: something
// always plays.
std::optional<std::size_t> choose(const source& original, const std::vector<rendition>& renditions, quality q,
                                  const std::vector<std::string>& codecs);
// The same choice for a bitrate ceiling in kb/s (Subsonic's maxBitRate).
std::optional<std::size_t> choose_within(const source& original, const std::vector<rendition>& renditions,
                                         int target_kbps, const std::vector<std::string>& codecs);

// Loudness normalization (EBU R128 measurements).
inline constexpr double target_lufs = -14.0;
inline constexpr double peak_ceiling_dbtp = -1.0;
// The integrated loudness of silence as ffmpeg's ebur128 reports it (every block gated).
inline constexpr double silence_lufs = -70.0;
// The gain (dB) to the target, lowered so the true peak stays under the ceiling; 0 for
// silence or when the loudness is unknown.
double gain_db(std::optional<double> lufs, std::optional<double> true_peak_dbtp);

}  // namespace tonearm::media
