// The rendition ladder, the choice of a version to serve, and loudness gain.
#include "tonearm/media/renditions.hpp"

#include <algorithm>
#include <cmath>

namespace tonearm::media {

const std::vector<format>& ladder() {
  static const std::vector<format> formats = {
      {"opus-96", "opus", 96, "audio/ogg; codecs=opus", "ogg"},
      {"opus-160", "opus", 160, "audio/ogg; codecs=opus", "ogg"},
      {"opus-256", "opus", 256, "audio/ogg; codecs=opus", "ogg"},
      {"aac-128", "aac", 128, "audio/mp4", "mp4"},
  };
  return formats;
}

const format* find_format(std::string_view name) {
  for (const auto& f : ladder())
    if (f.name == name) return &f;
  return nullptr;
}

std::string_view codec_of(std::string_view mime) {
  if (mime == "audio/mpeg") return "mp3";
  if (mime == "audio/mp4" || mime == "audio/aac") return "aac";
  if (mime == "audio/ogg; codecs=opus" || mime == "audio/opus") return "opus";
  if (mime == "audio/ogg" || mime == "audio/ogg; codecs=vorbis") return "vorbis";
  if (mime == "audio/flac" || mime == "audio/ogg; codecs=flac") return "flac";
  if (mime == "audio/wav") return "wav";
  if (mime == "audio/aiff") return "aiff";
  return "";
}

bool lossless(std::string_view codec) { return codec == "flac" || codec == "wav" || codec == "aiff"; }

std::vector<const format*> formats_for(std::string_view source_mime, std::optional<int> source_kbps) {
  auto codec = codec_of(source_mime);
  bool everything = lossless(codec) || !source_kbps || *source_kbps <= 0;
  std::vector<const format*> out;
  for (const auto& f : ladder()) {
    bool make;
    if (everything) make = true;
    else if (f.codec == "aac") make = (codec != "mp3" && codec != "aac") || *source_kbps >= 160;
    else make = *source_kbps * 4 >= f.bitrate_kbps * 5;
    if (make) out.push_back(&f);
  }
  return out;
}

std::optional<quality> parse_quality(std::string_view text) {
  if (text == "low") return quality::low;
  if (text == "normal") return quality::normal;
  if (text == "high") return quality::high;
  if (text == "original") return quality::original;
  return std::nullopt;
}

std::string_view name_of(quality q) {
  switch (q) {
    case quality::low: return "low";
    case quality::normal: return "normal";
    case quality::high: return "high";
    case quality::original: return "original";
  }
  return "original";
}

int target_kbps(quality q) {
  switch (q) {
    case quality::low: return 96;
    case quality::normal: return 160;
    case quality::high: return 320;
    case quality::original: return 1 << 30;
  }
  return 1 << 30;
}

std::optional<std::vector<std::string>> parse_codecs(std::string_view text) {
  static constexpr std::string_view known[] = {"mp3", "aac", "opus", "vorbis", "flac", "wav", "aiff"};
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto name = text.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (std::find(std::begin(known), std::end(known), name) == std::end(known)) return std::nullopt;
    if (std::find(out.begin(), out.end(), name) == out.end()) out.emplace_back(name);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<std::size_t> choose(const source& original, const std::vector<rendition>& renditions, quality q,
                                  const std::vector<std::string>& codecs) {
  if (q == quality::original) return std::nullopt;
  return choose_within(original, renditions, target_kbps(q), codecs);
}

std::optional<std::size_t> choose_within(const source& original, const std::vector<rendition>& renditions,
                                         int target, const std::vector<std::string>& codecs) {
  auto plays = [&](std::string_view codec) {
    return codecs.empty() || std::find(codecs.begin(), codecs.end(), codec) != codecs.end();
  };
  struct candidate {
    std::optional<std::size_t> index;
    int kbps;
  };
  std::vector<candidate> candidates;
  auto codec = codec_of(original.mime_type);
  if (plays(codec)) {
    // Lossless or unknown: CD rate, above every target but `original`.
    int kbps = lossless(codec) || !original.bitrate_kbps || *original.bitrate_kbps <= 0 ? 1411 : *original.bitrate_kbps;
    candidates.push_back({std::nullopt, kbps});
  }
  for (std::size_t i = 0; i < renditions.size(); ++i) {
    const auto* f = find_format(renditions[i].format);
    if (f && plays(f->codec)) candidates.push_back({i, f->bitrate_kbps});
  }
  if (candidates.empty()) return std::nullopt;
  const candidate* best = nullptr;
  // The most bits within the target; the original first among equals.
  for (const auto& c : candidates)
    if (c.kbps <= target && (!best || c.kbps > best->kbps)) best = &c;
  if (!best)
    for (const auto& c : candidates)
      if (!best || c.kbps < best->kbps) best = &c;
  return best->index;
}

double gain_db(std::optional<double> lufs, std::optional<double> true_peak_dbtp) {
  if (!lufs || *lufs <= silence_lufs) return 0.0;
  double gain = target_lufs - *lufs;
  if (true_peak_dbtp) gain = std::min(gain, peak_ceiling_dbtp - *true_peak_dbtp);
  return std::round(gain * 100.0) / 100.0;
}

}  // namespace tonearm::media
