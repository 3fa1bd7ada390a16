// The rendition ladder, the choice of a version to serve, loudness gain.
#include "tonearm/media/renditions.hpp"

#include <gtest/gtest.h>

namespace tonearm::media {
namespace {

std::vector<std::string> names(const std::vector<const format*>& formats) {
  std::vector<std::string> out;
  for (const auto* f : formats) out.emplace_back(f->name);
  return out;
}

TEST(Ladder, FormatsAreKnownByName) {
  ASSERT_NE(find_format("opus-96"), nullptr);
  EXPECT_EQ(find_format("opus-96")->codec, "opus");
  EXPECT_EQ(find_format("aac-128")->mime_type, "audio/mp4");
  EXPECT_EQ(find_format("aac-128")->muxer, "mp4");
  EXPECT_EQ(find_format("opus-160")->bitrate_kbps, 160);
  EXPECT_EQ(find_format("mp3-320"), nullptr);
  EXPECT_EQ(find_format(""), nullptr);
}

TEST(Ladder, CodecOfStoredMimeTypes) {
  EXPECT_EQ(codec_of("audio/mpeg"), "mp3");
  EXPECT_EQ(codec_of("audio/mp4"), "aac");
  EXPECT_EQ(codec_of("audio/ogg; codecs=opus"), "opus");
  EXPECT_EQ(codec_of("audio/ogg"), "vorbis");
  EXPECT_EQ(codec_of("audio/flac"), "flac");
  EXPECT_EQ(codec_of("audio/wav"), "wav");
  EXPECT_EQ(codec_of("application/octet-stream"), "");
  EXPECT_TRUE(lossless("flac"));
  EXPECT_FALSE(lossless("mp3"));
}

TEST(Ladder, LosslessOrUnknownSourcesGetEveryRung) {
  std::vector<std::string> all = {"opus-96", "opus-160", "opus-256", "aac-128"};
  EXPECT_EQ(names(formats_for("audio/flac", 900)), all);
  EXPECT_EQ(names(formats_for("audio/wav", std::nullopt)), all);
  EXPECT_EQ(names(formats_for("audio/mpeg", std::nullopt)), all);
  EXPECT_EQ(names(formats_for("audio/mpeg", 0)), all);
}

TEST(Ladder, LossySourcesGetOnlyRungsWithFewerBits) {
  EXPECT_EQ(names(formats_for("audio/mpeg", 320)), (std::vector<std::string>{"opus-96", "opus-160", "opus-256", "aac-128"}));
  EXPECT_EQ(names(formats_for("audio/mpeg", 192)), (std::vector<std::string>{"opus-96", "aac-128"}));
  EXPECT_EQ(names(formats_for("audio/mpeg", 128)), (std::vector<std::string>{"opus-96"}));
  // A quarter more bits than the rung, or it is not worth the loss of a transcode.
  EXPECT_EQ(names(formats_for("audio/mpeg", 119)), std::vector<std::string>{});
  EXPECT_EQ(names(formats_for("audio/mpeg", 120)), (std::vector<std::string>{"opus-96"}));
  EXPECT_EQ(names(formats_for("audio/mp4", 96)), std::vector<std::string>{});
}

TEST(Ladder, SourcesNotEveryBrowserPlaysGetAac) {
  EXPECT_EQ(names(formats_for("audio/ogg; codecs=opus", 64)), std::vector<std::string>{"aac-128"});
  EXPECT_EQ(names(formats_for("audio/ogg", 112)), std::vector<std::string>{"aac-128"});
  EXPECT_EQ(names(formats_for("audio/ogg", 128)), (std::vector<std::string>{"opus-96", "aac-128"}));
}

TEST(Quality, ParsesItsNamesOnly) {
  EXPECT_EQ(parse_quality("low"), quality::low);
  EXPECT_EQ(parse_quality("normal"), quality::normal);
  EXPECT_EQ(parse_quality("high"), quality::high);
  EXPECT_EQ(parse_quality("original"), quality::original);
  EXPECT_EQ(parse_quality("Low"), std::nullopt);
  EXPECT_EQ(parse_quality(""), std::nullopt);
  EXPECT_EQ(name_of(quality::high), "high");
  EXPECT_LT(target_kbps(quality::low), target_kbps(quality::normal));
  EXPECT_LT(target_kbps(quality::normal), target_kbps(quality::high));
}

TEST(Quality, CodecListsAreKnownCodecs) {
  EXPECT_EQ(parse_codecs(""), std::vector<std::string>{});
  EXPECT_EQ(parse_codecs("opus,aac"), (std::vector<std::string>{"opus", "aac"}));
  EXPECT_EQ(parse_codecs(" mp3 , aac,mp3"), (std::vector<std::string>{"mp3", "aac"}));
  EXPECT_EQ(parse_codecs("opus,ogg"), std::nullopt);
  EXPECT_EQ(parse_codecs("opus,,aac"), std::nullopt);
}

std::vector<rendition> full_ladder() {
  std::vector<rendition> out;
  for (const auto& f : ladder()) out.push_back({std::string(f.name), "k", 1, f.bitrate_kbps + 20, 1000});
  return out;
}

std::string chosen(const source& s, const std::vector<rendition>& r, quality q, std::vector<std::string> codecs = {}) {
  auto i = choose(s, r, q, codecs);
  return i ? r[*i].format : "original";
}

TEST(Choose, EachQualityGetsItsRungOfALosslessSource) {
  source flac{"audio/flac", 900};
  auto r = full_ladder();
  EXPECT_EQ(chosen(flac, r, quality::low), "opus-96");
  EXPECT_EQ(chosen(flac, r, quality::normal), "opus-160");
  EXPECT_EQ(chosen(flac, r, quality::high), "opus-256");
  EXPECT_EQ(chosen(flac, r, quality::original), "original");
}

TEST(Choose, ClientsWithoutOpusGetAac) {
  source flac{"audio/flac", 900};
  auto r = full_ladder();
  EXPECT_EQ(chosen(flac, r, quality::low, {"aac", "mp3"}), "aac-128");
  EXPECT_EQ(chosen(flac, r, quality::high, {"aac", "mp3"}), "aac-128");
  // A client that plays FLAC too gets the original at high only when nothing fits.
  EXPECT_EQ(chosen(flac, r, quality::high, {"aac", "flac"}), "aac-128");
  // Nothing it plays: the original, so that something plays.
  EXPECT_EQ(chosen(flac, r, quality::low, {"vorbis"}), "original");
}

TEST(Choose, TheOriginalWinsWhenItFits) {
  source mp3{"audio/mpeg", 128};
  std::vector<rendition> r = {{"opus-96", "k", 1, 100, 1000}};
  EXPECT_EQ(chosen(mp3, r, quality::low), "opus-96");
  EXPECT_EQ(chosen(mp3, r, quality::normal), "original");
  EXPECT_EQ(chosen(mp3, r, quality::high), "original");
  source small{"audio/mpeg", 96};
  EXPECT_EQ(chosen(small, r, quality::low), "original") << "a tie goes to the original (no transcoding loss)";
}

TEST(Choose, NothingWithinTheTargetTakesTheSmallest) {
  source flac{"audio/flac", std::nullopt};
  std::vector<rendition> r = {{"opus-160", "k", 1, 170, 1000}, {"aac-128", "k", 1, 130, 1000}};
  EXPECT_EQ(chosen(flac, r, quality::low), "aac-128");
  EXPECT_EQ(chosen(flac, {}, quality::low), "original") << "renditions not made yet: the original plays";
}

TEST(Choose, UnknownFormatsAreIgnored) {
  source flac{"audio/flac", 900};
  std::vector<rendition> r = {{"mp3-64", "k", 1, 64, 1000}};
  EXPECT_EQ(chosen(flac, r, quality::low), "original");
}

TEST(Gain, ToMinus14WithoutPassingMinus1dBTP) {
  EXPECT_DOUBLE_EQ(gain_db(-20.0, -10.0), 6.0);
  EXPECT_DOUBLE_EQ(gain_db(-20.0, -3.0), 2.0) << "limited by the peak";
  EXPECT_DOUBLE_EQ(gain_db(-8.0, -0.1), -6.0);
  EXPECT_DOUBLE_EQ(gain_db(-8.0, std::nullopt), -6.0);
  EXPECT_DOUBLE_EQ(gain_db(-14.0, -1.0), 0.0);
  EXPECT_DOUBLE_EQ(gain_db(-70.0, std::nullopt), 0.0) << "silence is left alone";
  EXPECT_DOUBLE_EQ(gain_db(std::nullopt, -3.0), 0.0);
  EXPECT_DOUBLE_EQ(gain_db(-15.55, -13.0), 1.55);
}

}  // namespace
}  // namespace tonearm::media

namespace tonearm::media {
namespace {

TEST(ChooseWithin, ABitrateCeilingAsSubsonicAsksIt) {
  source flac{"audio/flac", 900};
  auto r = full_ladder();
  auto at = [&](int kbps, std::vector<std::string> codecs = {}) {
    auto i = choose_within(flac, r, kbps, codecs);
    return i ? r[*i].format : std::string("original");
  };
  EXPECT_EQ(at(96), "opus-96");
  EXPECT_EQ(at(200), "opus-160");
  EXPECT_EQ(at(1 << 30), "original");
  EXPECT_EQ(at(1 << 30, {"opus"}), "opus-256");
  EXPECT_EQ(at(64), "opus-96") << "nothing within: the smallest";
}

}  // namespace
}  // namespace tonearm::media
