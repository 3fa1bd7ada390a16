// Reads tags and audio properties of one file with TagLib (private to catalog/).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <variant>

#include "tonearm/catalog/types.hpp"

namespace tonearm::catalog {

struct audio_tags {
  std::string title;   // empty when untagged
  std::string artist;  // empty when untagged
  std::optional<std::string> album, album_artist, genre;
  partial_date release;
  std::optional<int> track_number;
  int duration_ms = 0;
  std::optional<int> bitrate_kbps;
  std::string mime_type;
};

// The tags, or the reason the file is not usable audio ("not an audio file TagLib
// can read", "no audio stream").
std::variant<audio_tags, std::string> read_audio_tags(const std::filesystem::path& path);

}  // namespace tonearm::catalog
