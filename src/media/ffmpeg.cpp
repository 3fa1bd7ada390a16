// ffmpeg as a child process (posix_spawn, one pipe for its output, poll with a deadline).
#include "tonearm/media/ffmpeg.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace tonearm::media {

namespace fs = std::filesystem;

run_result run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, std::size_t keep) {
  run_result result;
  if (argv.empty()) return result;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    result.output = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return result;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = ::read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the child closed its output (exited)
    result.output.append(buf, static_cast<std::size_t>(got));
    if (result.output.size() > 2 * keep) result.output.erase(0, result.output.size() - keep);
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (result.output.size() > keep) result.output.erase(0, result.output.size() - keep);
  result.status = !result.timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

namespace {

// The last line of ffmpeg's output that says something (its error), for a reason.
std::string last_line(const run_result& r, const std::string& binary) {
  if (r.timed_out) return binary + " took too long and was stopped";
  std::string_view out = r.output;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.remove_suffix(1);
  auto nl = out.find_last_of('\n');
  std::string line(nl == std::string_view::npos ? out : out.substr(nl + 1));
  if (line.empty()) line = binary + " exited with status " + std::to_string(r.status);
  if (line.size() > 300) line.resize(300);
  return line;
}

}  // namespace

std::variant<loudness, std::string> measure_loudness(const fs::path& file, const ffmpeg_options& o) {
  // framelog=verbose: the per-frame lines go to the verbose level, below what is shown.
  auto r = run_program({o.binary, "-nostdin", "-hide_banner", "-nostats", "-i", file.string(), "-map", "0:a:0", "-af",
                        "ebur128=peak=true:framelog=verbose", "-f", "null", "-"},
                       o.timeout);
  if (r.status != 0) return last_line(r, o.binary);
  auto l = parse_ebur128_summary(r.output);
  if (!l) return std::string("no loudness summary in ffmpeg's output");
  return *l;
}

std::variant<std::vector<fs::path>, std::string> encode(const fs::path& file, const std::vector<const format*>& formats,
                                                        const fs::path& out_dir, const ffmpeg_options& o) {
  std::vector<std::string> argv = {o.binary, "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error",
                                   "-y",     "-i",       file.string(), "-fflags", "+bitexact"};
  std::vector<fs::path> out;
  for (const auto* f : formats) {
    auto path = out_dir / std::string(f->name);
    argv.insert(argv.end(), {"-map", "0:a:0", "-flags:a", "+bitexact", "-b:a", std::to_string(f->bitrate_kbps) + "k"});
    if (f->codec == "opus") {
      argv.insert(argv.end(), {"-c:a", "libopus", "-vbr", "on"});
    } else {
      // AAC: the moov atom first, so a player can start before the end has arrived.
      argv.insert(argv.end(), {"-c:a", "aac", "-movflags", "+faststart"});
    }
    argv.insert(argv.end(), {"-f", std::string(f->muxer), path.string()});
    out.push_back(std::move(path));
  }
  auto r = run_program(argv, o.timeout);
  if (r.status != 0) {
    for (const auto& p : out) {
      std::error_code ec;
      fs::remove(p, ec);
    }
    return last_line(r, o.binary);
  }
  for (const auto& p : out) {
    std::error_code ec;
    if (fs::file_size(p, ec) == 0 || ec) return "ffmpeg made no " + p.filename().string();
  }
  return out;
}

}  // namespace tonearm::media
