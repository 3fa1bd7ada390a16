// TagLib wrapper.
#include "tag_reader.hpp"

#include <aifffile.h>
#include <fileref.h>
#include <flacfile.h>
#include <mp4file.h>
#include <mpegfile.h>
#include <opusfile.h>
#include <oggflacfile.h>
#include <tag.h>
#include <tpropertymap.h>
#include <vorbisfile.h>
#include <wavfile.h>

#include "tonearm/core/text.hpp"

namespace tonearm::catalog {

namespace {

std::string utf8(const TagLib::String& s) { return s.to8Bit(true); }

using core::trimmed;

std::optional<std::string> nonempty(std::string s) {
  s = trimmed(std::move(s));
  if (s.empty()) return std::nullopt;
  return s;
}

std::optional<std::string> property(const TagLib::PropertyMap& props, const char* key) {
  auto it = props.find(key);
  if (it == props.end() || it->second.isEmpty()) return std::nullopt;
  return nonempty(utf8(it->second.front()));
}

std::string mime_of(TagLib::File* f) {
  if (dynamic_cast<TagLib::MPEG::File*>(f)) return "audio/mpeg";
  if (dynamic_cast<TagLib::Ogg::Opus::File*>(f)) return "audio/ogg; codecs=opus";
  if (dynamic_cast<TagLib::Ogg::Vorbis::File*>(f)) return "audio/ogg";
  if (dynamic_cast<TagLib::Ogg::FLAC::File*>(f)) return "audio/ogg; codecs=flac";
  if (dynamic_cast<TagLib::FLAC::File*>(f)) return "audio/flac";
  if (dynamic_cast<TagLib::MP4::File*>(f)) return "audio/mp4";
  if (dynamic_cast<TagLib::RIFF::WAV::File*>(f)) return "audio/wav";
  if (dynamic_cast<TagLib::RIFF::AIFF::File*>(f)) return "audio/aiff";
  return "application/octet-stream";
}

}  // namespace

std::variant<audio_tags, std::string> read_audio_tags(const std::filesystem::path& path) {
  TagLib::FileRef ref(path.c_str(), true, TagLib::AudioProperties::Average);
  if (ref.isNull() || !ref.file() || !ref.file()->isValid()) return std::string("not an audio file TagLib can read");
  auto* props = ref.audioProperties();
  if (!props || props->lengthInMilliseconds() <= 0) return std::string("no audio stream");
  audio_tags t;
  t.duration_ms = props->lengthInMilliseconds();
  if (props->bitrate() > 0) t.bitrate_kbps = props->bitrate();
  t.mime_type = mime_of(ref.file());
  if (auto* tag = ref.tag()) {
    t.title = trimmed(utf8(tag->title()));
    t.artist = trimmed(utf8(tag->artist()));
    t.album = nonempty(utf8(tag->album()));
    t.genre = nonempty(utf8(tag->genre()));
    if (tag->year() > 0) t.release.year = static_cast<int>(tag->year());
    if (tag->track() > 0) t.track_number = static_cast<int>(tag->track());
  }
  auto map = ref.file()->properties();
  t.album_artist = property(map, "ALBUMARTIST");
  // A full DATE ("1997-05-21") is more precise than the year field.
  if (auto date = property(map, "DATE")) {
    if (auto parsed = partial_date::parse(*date); parsed && (!t.release.known() || parsed->year == t.release.year))
      t.release = *parsed;
  }
  if (t.album_artist && t.album_artist == t.artist) t.album_artist.reset();
  return t;
}

}  // namespace tonearm::catalog

