// ffmpeg as a child process: EBU R128 loudness of a file, and its renditions encoded
// in one decode. Blocking, with a deadline: for ingest and the rendition job, never
// for a request thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "tonearm/media/ebur128.hpp"
#include "tonearm/media/renditions.hpp"

namespace tonearm::media {

struct ffmpeg_options {
  std::string binary = "ffmpeg";  // on PATH, or a path
  std::chrono::seconds timeout{600};
};

struct run_result {
  int status = -1;         // exit status; -1 when it did not start or was killed
  bool timed_out = false;  // killed at the deadline
  std::string output;      // the tail of stdout and stderr together
};
// Runs `argv` (argv[0] found on PATH) with stdin from /dev/null, keeping the last
// `keep` bytes of what it writes; kills it at `timeout`.
run_result run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                       std::size_t keep = 64 * 1024);

// The loudness of the file's first audio stream, or why there is none (one line).
std::variant<loudness, std::string> measure_loudness(const std::filesystem::path& file,
                                                     const ffmpeg_options& options = {});

// Encodes the file's first audio stream into each of `formats` (tags kept, pictures
// dropped, bit-exact so the same source always gives the same bytes) as
// out_dir/<format name>; returns the files in the order of `formats`, or why not.
std::variant<std::vector<std::filesystem::path>, std::string> encode(const std::filesystem::path& file,
                                                                     const std::vector<const format*>& formats,
                                                                     const std::filesystem::path& out_dir,
                                                                     const ffmpeg_options& options = {});

}  // namespace tonearm::media
