// The song directory in Redis (see song_directory.hpp).
#include "tonearm/stream/song_directory.hpp"
#include "tonearm/stream/redis_keys.hpp"

#include "tonearm/store/blob_store.hpp"

namespace tonearm::stream {

namespace {
std::string key_of(std::int64_t id) { return song_keys::song(id); }
}  // namespace

bool song_directory::remember_many(const std::vector<std::pair<std::int64_t, audio_ref>>& songs) const {
  if (!enabled() || songs.empty()) return true;
  std::vector<std::vector<std::string>> commands;
  commands.reserve(songs.size());
  auto ttl = std::to_string(ttl_.count());
  for (const auto& [id, ref] : songs)
    commands.push_back({"SET", key_of(id), ref.mime_type + "\n" + ref.blob_key, "EX", ttl});
  auto replies = redis_.pipeline(commands);
  return replies.has_value();
}

std::optional<audio_ref> song_directory::find(std::int64_t id) const {
  if (!enabled()) return std::nullopt;
  auto reply = redis_.command({"GET", key_of(id)});
  if (!reply || reply->type != store::redis_reply::kind::string) return std::nullopt;
  auto nl = reply->str.find('\n');
  if (nl == std::string::npos || nl == 0 || nl + 1 == reply->str.size()) return std::nullopt;
  // Only a content hash and an audio type: an entry written by someone else cannot
  // reach other files or make the stream fail later.
  audio_ref ref{reply->str.substr(nl + 1), reply->str.substr(0, nl)};
  if (!store::valid_blob_key(ref.blob_key) || ref.mime_type.rfind("audio/", 0) != 0 ||
      ref.mime_type.find_first_of("\r\n") != std::string::npos)
    return std::nullopt;
  return ref;
}

}  // namespace tonearm::stream
