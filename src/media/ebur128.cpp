// Parsing the ebur128 filter's summary.
#include "tonearm/media/ebur128.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace tonearm::media {

namespace {

// The number after `label` on its line, skipping spaces; "-inf" is -infinity.
std::optional<double> number_after(std::string_view text, std::string_view label) {
  auto at = text.find(label);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = text.substr(at + label.size());
  auto eol = rest.find('\n');
  std::string line(rest.substr(0, eol));
  const char* p = line.c_str();
  while (*p == ' ' || *p == '\t') ++p;
  if (std::string_view(p).rfind("-inf", 0) == 0) return -INFINITY;
  char* end = nullptr;
  double v = std::strtod(p, &end);
  if (end == p || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<loudness> parse_ebur128_summary(std::string_view log) {
  auto at = log.rfind("Summary:");
  if (at == std::string_view::npos) return std::nullopt;
  auto summary = log.substr(at);
  auto integrated = summary.find("Integrated loudness:");
  if (integrated == std::string_view::npos) return std::nullopt;
  auto lufs = number_after(summary.substr(integrated), "I:");
  if (!lufs || !std::isfinite(*lufs)) return std::nullopt;
  loudness out;
  out.integrated_lufs = *lufs;
  if (auto peak_block = summary.find("True peak:"); peak_block != std::string_view::npos) {
    auto peak = number_after(summary.substr(peak_block), "Peak:");
    if (peak && std::isfinite(*peak)) out.true_peak_dbtp = *peak;
  }
  return out;
}

}  // namespace tonearm::media
