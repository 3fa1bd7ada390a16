// ffmpeg as a child process, on files made here: a loud and a quiet tone whose
// loudness is known by construction (EBU Tech 3341: a stereo 997 Hz sine with a peak
// of A dBFS in both channels measures A LUFS), and renditions read back with ffprobe.
#include "tonearm/media/ffmpeg.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>

#include <unistd.h>

namespace tonearm::media {
namespace {

namespace fs = std::filesystem;

namespace test {
// A fresh directory, removed with its files.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "tonearm-media-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};
}  // namespace test

// A stereo 997 Hz sine with a peak of `dbfs` in both channels, as FLAC.
fs::path make_tone(const fs::path& dir, const std::string& name, double dbfs, int seconds) {
  auto path = dir / (name + ".flac");
  double amplitude = std::pow(10.0, dbfs / 20.0);
  std::string wave = std::to_string(amplitude) + "*sin(2*PI*997*t)";
  auto r = run_program({"ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        "aevalsrc=" + wave + "|" + wave + ":s=48000:d=" + std::to_string(seconds), "-c:a", "flac",
                        path.string()},
                       std::chrono::seconds(60));
  EXPECT_EQ(r.status, 0) << r.output;
  return path;
}

// ffprobe's duration of a file, in milliseconds.
double probe_ms(const fs::path& file) {
  auto r = run_program({"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file.string()},
                       std::chrono::seconds(30));
  EXPECT_EQ(r.status, 0) << r.output;
  return std::stod(r.output) * 1000.0;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(RunProgram, ExitStatusAndOutput) {
  auto ok = run_program({"sh", "-c", "echo out; echo err >&2"}, std::chrono::seconds(5));
  EXPECT_EQ(ok.status, 0);
  EXPECT_FALSE(ok.timed_out);
  EXPECT_NE(ok.output.find("out"), std::string::npos);
  EXPECT_NE(ok.output.find("err"), std::string::npos);
  EXPECT_EQ(run_program({"sh", "-c", "exit 3"}, std::chrono::seconds(5)).status, 3);
}

TEST(RunProgram, KeepsTheTailOfLongOutput) {
  auto r = run_program({"sh", "-c", "head -c 300000 /dev/zero | tr '\\0' a; echo END"}, std::chrono::seconds(10), 1000);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output.size(), 1000u);
  EXPECT_EQ(r.output.substr(r.output.size() - 4), "END\n");
}

TEST(RunProgram, StopsAtTheDeadline) {
  auto started = std::chrono::steady_clock::now();
  auto r = run_program({"sleep", "30"}, std::chrono::milliseconds(300));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.status, -1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST(RunProgram, AMissingProgramIsAnError) {
  auto r = run_program({"tonearm-no-such-program"}, std::chrono::seconds(5));
  EXPECT_NE(r.status, 0);
}

TEST(Loudness, LoudAndQuietTonesMeasureTheirReference) {
  test::temp_dir dir;
  for (double level : {-6.0, -30.0}) {
    auto tone = make_tone(dir.path(), "tone" + std::to_string(static_cast<int>(-level)), level, 10);
    auto measured = measure_loudness(tone);
    ASSERT_TRUE(std::holds_alternative<loudness>(measured)) << std::get<std::string>(measured);
    const auto& l = std::get<loudness>(measured);
    EXPECT_NEAR(l.integrated_lufs, level, 0.5) << "a sine of peak " << level << " dBFS";
    ASSERT_TRUE(l.true_peak_dbtp);
    EXPECT_NEAR(*l.true_peak_dbtp, level, 0.5);
  }
}

TEST(Loudness, SilenceIsTheFloor) {
  test::temp_dir dir;
  auto path = dir.path() / "silence.flac";
  ASSERT_EQ(run_program({"ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                         "anullsrc=r=44100:cl=stereo:d=3", "-c:a", "flac", path.string()},
                        std::chrono::seconds(30))
                .status,
            0);
  auto measured = measure_loudness(path);
  ASSERT_TRUE(std::holds_alternative<loudness>(measured));
  EXPECT_DOUBLE_EQ(std::get<loudness>(measured).integrated_lufs, silence_lufs);
  EXPECT_FALSE(std::get<loudness>(measured).true_peak_dbtp);
}

TEST(Loudness, NotAudioIsAReason) {
  test::temp_dir dir;
  auto path = dir.path() / "text.mp3";
  std::ofstream(path) << "not audio at all";
  auto measured = measure_loudness(path);
  ASSERT_TRUE(std::holds_alternative<std::string>(measured));
  EXPECT_FALSE(std::get<std::string>(measured).empty());
  ffmpeg_options missing;
  missing.binary = "tonearm-no-such-ffmpeg";
  auto none = measure_loudness(path, missing);
  ASSERT_TRUE(std::holds_alternative<std::string>(none));
  EXPECT_NE(std::get<std::string>(none).find("tonearm-no-such-ffmpeg"), std::string::npos);
}

TEST(Encode, EveryRungInOneRunWithTheSourceDuration) {
  test::temp_dir dir;
  auto tone = make_tone(dir.path(), "source", -12.0, 7);
  std::vector<const format*> formats;
  for (const auto& f : ladder()) formats.push_back(&f);
  auto out = encode(tone, formats, dir.path());
  ASSERT_TRUE(std::holds_alternative<std::vector<fs::path>>(out)) << std::get<std::string>(out);
  const auto& files = std::get<std::vector<fs::path>>(out);
  ASSERT_EQ(files.size(), formats.size());
  double source_ms = probe_ms(tone);
  for (const auto& f : files) {
    EXPECT_NEAR(probe_ms(f), source_ms, 50.0) << f;
    EXPECT_GT(fs::file_size(f), 10000u) << f;
  }
  // Smaller rungs are smaller files.
  EXPECT_LT(fs::file_size(files[0]), fs::file_size(files[1]));
  EXPECT_LT(fs::file_size(files[1]), fs::file_size(files[2]));
  // The codec each claims.
  auto codec = [](const fs::path& f) {
    auto r = run_program({"ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=codec_name",
                          "-of", "csv=p=0", f.string()},
                         std::chrono::seconds(30));
    return r.output.substr(0, r.output.find('\n'));
  };
  EXPECT_EQ(codec(files[0]), "opus");
  EXPECT_EQ(codec(files[3]), "aac");
}

TEST(Encode, TheSameSourceGivesTheSameBytes) {
  test::temp_dir dir;
  auto tone = make_tone(dir.path(), "source", -12.0, 3);
  std::vector<const format*> formats = {find_format("opus-96"), find_format("aac-128")};
  fs::create_directories(dir.path() / "a");
  fs::create_directories(dir.path() / "b");
  auto a = encode(tone, formats, dir.path() / "a");
  auto b = encode(tone, formats, dir.path() / "b");
  ASSERT_TRUE(std::holds_alternative<std::vector<fs::path>>(a));
  ASSERT_TRUE(std::holds_alternative<std::vector<fs::path>>(b));
  for (std::size_t i = 0; i < formats.size(); ++i)
    EXPECT_EQ(read_all(std::get<std::vector<fs::path>>(a)[i]), read_all(std::get<std::vector<fs::path>>(b)[i]))
        << formats[i]->name << ": content-addressed renditions must not change between runs";
}

TEST(Encode, ABrokenSourceLeavesNoFiles) {
  test::temp_dir dir;
  auto path = dir.path() / "broken.flac";
  std::ofstream(path) << "fLaC but not really";
  auto out = encode(path, {find_format("opus-96")}, dir.path());
  ASSERT_TRUE(std::holds_alternative<std::string>(out));
  EXPECT_FALSE(fs::exists(dir.path() / "opus-96"));
}

}  // namespace
}  // namespace tonearm::media
