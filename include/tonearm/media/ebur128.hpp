// What ffmpeg's ebur128 filter reports: the summary it logs at the end of a run.
//
//   [Parsed_ebur128_0 @ 0x55b9...] Summary:
//     Integrated loudness:
//       I:         -16.3 LUFS
//       ...
//     True peak:
//       Peak:      -13.3 dBFS
#pragma once

#include <optional>
#include <string_view>

namespace tonearm::media {

struct loudness {
  double integrated_lufs = 0;           // -70 for silence (every block gated)
  std::optional<double> true_peak_dbtp;  // nullopt for digital silence (-inf)
};

// The last summary in `log`; nullopt when there is none or it lacks the integrated
// loudness (the run failed before the end).
std::optional<loudness> parse_ebur128_summary(std::string_view log);

}  // namespace tonearm::media
