// Parsing ffmpeg's ebur128 summary (as ffmpeg 5.1 prints it).
#include "tonearm/media/ebur128.hpp"

#include <gtest/gtest.h>

namespace tonearm::media {
namespace {

constexpr const char* summary = R"([Parsed_ebur128_0 @ 0x55b927376640] Summary:

  Integrated loudness:
    I:         -16.3 LUFS
    Threshold: -26.4 LUFS

  Loudness range:
    LRA:         0.7 LU
    Threshold: -36.4 LUFS
    LRA low:   -16.6 LUFS
    LRA high:  -15.9 LUFS

  True peak:
    Peak:      -13.3 dBFS
)";

TEST(Ebur128, ReadsIntegratedLoudnessAndTruePeak) {
  auto l = parse_ebur128_summary(std::string("Input #0, mp3 ...\nsize=N/A time=00:00:40.00\n") + summary);
  ASSERT_TRUE(l);
  EXPECT_DOUBLE_EQ(l->integrated_lufs, -16.3);
  ASSERT_TRUE(l->true_peak_dbtp);
  EXPECT_DOUBLE_EQ(*l->true_peak_dbtp, -13.3);
}

TEST(Ebur128, DigitalSilenceHasNoPeak) {
  auto l = parse_ebur128_summary(
      "Summary:\n\n  Integrated loudness:\n    I:         -70.0 LUFS\n    Threshold:   0.0 LUFS\n\n"
      "  True peak:\n    Peak:       -inf dBFS\n");
  ASSERT_TRUE(l);
  EXPECT_DOUBLE_EQ(l->integrated_lufs, -70.0);
  EXPECT_FALSE(l->true_peak_dbtp);
}

TEST(Ebur128, TheLastSummaryCounts) {
  auto l = parse_ebur128_summary(std::string("Summary:\n  Integrated loudness:\n    I: -30.0 LUFS\n") + summary);
  ASSERT_TRUE(l);
  EXPECT_DOUBLE_EQ(l->integrated_lufs, -16.3);
}

TEST(Ebur128, NoSummaryNoLoudness) {
  EXPECT_FALSE(parse_ebur128_summary(""));
  EXPECT_FALSE(parse_ebur128_summary("Error opening input file x.mp3.\n"));
  EXPECT_FALSE(parse_ebur128_summary("Summary:\n  Integrated loudness:\n    I: nonsense\n"));
  EXPECT_FALSE(parse_ebur128_summary("Summary:\n  Loudness range:\n    LRA: 1.0 LU\n"));
}

}  // namespace
}  // namespace tonearm::media
