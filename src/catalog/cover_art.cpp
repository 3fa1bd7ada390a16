// Cover art: pictures from tags (TagLib) and folders, sizes made with libvips (see
// cover_art.hpp).
#include "tonearm/catalog/cover_art.hpp"

#include <vips/vips.h>

#include <attachedpictureframe.h>
#include <fileref.h>
#include <flacfile.h>
#include <id3v2tag.h>
#include <mp4file.h>
#include <mpegfile.h>
#include <oggflacfile.h>
#include <opusfile.h>
#include <vorbisfile.h>
#include <xiphcomment.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace tonearm::catalog {

namespace fs = std::filesystem;

namespace {

std::string bytes_of(const TagLib::ByteVector& v) { return std::string(v.data(), v.size()); }

// Of a list of FLAC-style pictures: the front cover, else the first.
template <class List>
std::optional<std::string> best_of(const List& pictures) {
  std::optional<std::string> first;
  for (auto* p : pictures) {
    if (!p || p->data().isEmpty()) continue;
    if (p->type() == TagLib::FLAC::Picture::FrontCover) return bytes_of(p->data());
    if (!first) first = bytes_of(p->data());
  }
  return first;
}

std::optional<std::string> from_id3(TagLib::ID3v2::Tag* tag) {
  if (!tag) return std::nullopt;
  std::optional<std::string> first;
  for (auto* frame : tag->frameList("APIC")) {
    auto* apic = dynamic_cast<TagLib::ID3v2::AttachedPictureFrame*>(frame);
    if (!apic || apic->picture().isEmpty()) continue;
    if (apic->type() == TagLib::ID3v2::AttachedPictureFrame::FrontCover) return bytes_of(apic->picture());
    if (!first) first = bytes_of(apic->picture());
  }
  return first;
}

std::optional<std::string> from_mp4(TagLib::MP4::File* f) {
  auto* tag = f->tag();
  if (!tag || !tag->contains("covr")) return std::nullopt;
  for (const auto& art : tag->item("covr").toCoverArtList())
    if (!art.data().isEmpty()) return bytes_of(art.data());
  return std::nullopt;
}

std::once_flag vips_started;

void start_vips() {
  std::call_once(vips_started, [] {
    if (VIPS_INIT("tonearm") != 0) throw std::runtime_error("libvips failed to start");
    vips_cache_set_max(0);       // nothing kept between covers
    vips_concurrency_set(1);     // ingest runs one file at a time
  });
}

std::string vips_error() {
  std::string e = vips_error_buffer();
  vips_error_clear();
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  auto nl = e.find('\n');
  return nl == std::string::npos ? e : e.substr(0, nl);
}

struct unref {
  void operator()(VipsImage* i) const { g_object_unref(i); }
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<picture> embedded_picture(const fs::path& audio_file) {
  TagLib::FileRef ref(audio_file.c_str(), false);
  if (ref.isNull() || !ref.file() || !ref.file()->isValid()) return std::nullopt;
  auto* file = ref.file();
  std::optional<std::string> found;
  if (auto* mp3 = dynamic_cast<TagLib::MPEG::File*>(file)) found = from_id3(mp3->ID3v2Tag(false));
  else if (auto* flac = dynamic_cast<TagLib::FLAC::File*>(file)) {
    found = best_of(flac->pictureList());
    if (!found && flac->hasXiphComment()) found = best_of(flac->xiphComment()->pictureList());
    if (!found) found = from_id3(flac->ID3v2Tag(false));
  } else if (auto* mp4 = dynamic_cast<TagLib::MP4::File*>(file)) found = from_mp4(mp4);
  else if (auto* vorbis = dynamic_cast<TagLib::Ogg::Vorbis::File*>(file)) {
    if (vorbis->tag()) found = best_of(vorbis->tag()->pictureList());
  } else if (auto* opus = dynamic_cast<TagLib::Ogg::Opus::File*>(file)) {
    if (opus->tag()) found = best_of(opus->tag()->pictureList());
  } else if (auto* oggflac = dynamic_cast<TagLib::Ogg::FLAC::File*>(file)) {
    if (oggflac->tag()) found = best_of(oggflac->tag()->pictureList());
  }
  if (!found) return std::nullopt;
  return picture{std::move(*found), "embedded"};
}

std::optional<fs::path> folder_image(const fs::path& dir, std::uintmax_t max_bytes) {
  static constexpr const char* names[] = {"cover", "folder", "front", "album"};
  static constexpr const char* extensions[] = {".jpg", ".jpeg", ".png", ".webp"};
  std::error_code ec;
  std::vector<fs::path> files;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const char* name : names)
    for (const char* ext : extensions)
      for (const auto& f : files)
        if (lower(f.filename().string()) == std::string(name) + ext) {
          auto size = fs::file_size(f, ec);
          if (!ec && size > 0 && size <= max_bytes) return f;
        }
  return std::nullopt;
}

std::string_view image_mime_type(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return "image/jpeg";
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1a\n") return "image/png";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "image/webp";
  if (b.size() >= 6 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) return "image/gif";
  return "";
}

std::variant<cover_renditions, std::string> make_cover_renditions(std::string_view image, std::uint64_t max_pixels) {
  auto mime = image_mime_type(image);
  if (mime.empty()) return std::string("not an image (JPEG, PNG, WebP or GIF)");
  start_vips();
  // The header only: the size is known before anything is decoded.
  std::unique_ptr<VipsImage, unref> head(vips_image_new_from_buffer(image.data(), image.size(), "", nullptr));
  if (!head) return "not an image libvips can read: " + vips_error();
  cover_renditions out;
  out.mime_type = std::string(mime);
  out.width = vips_image_get_width(head.get());
  out.height = vips_image_get_height(head.get());
  if (out.width <= 0 || out.height <= 0 ||
      static_cast<std::uint64_t>(out.width) * static_cast<std::uint64_t>(out.height) > max_pixels)
    return "image too large: " + std::to_string(out.width) + "x" + std::to_string(out.height);
  for (std::size_t i = 0; i < cover_sizes.size(); ++i) {
    VipsImage* raw = nullptr;
    // Shrink-on-load where the format allows: the full image is never in memory at once.
    if (vips_thumbnail_buffer(const_cast<char*>(image.data()), image.size(), &raw, cover_sizes[i], "height",
                              cover_sizes[i], "size", VIPS_SIZE_DOWN, nullptr) != 0)
      return "the image could not be decoded: " + vips_error();
    std::unique_ptr<VipsImage, unref> thumb(raw);
    // JPEG has no alpha: flatten onto white first.
    if (vips_image_hasalpha(thumb.get())) {
      VipsImage* flat = nullptr;
      VipsArrayDouble* white = vips_array_double_newv(1, 255.0);
      int rc = vips_flatten(thumb.get(), &flat, "background", white, nullptr);
      vips_area_unref(VIPS_AREA(white));
      if (rc != 0) return "the image could not be flattened: " + vips_error();
      thumb.reset(flat);
    }
    void* buffer = nullptr;
    std::size_t length = 0;
    if (vips_jpegsave_buffer(thumb.get(), &buffer, &length, "Q", 85, "strip", TRUE, "optimize_coding", TRUE,
                             nullptr) != 0)
      return "the image could not be written as JPEG: " + vips_error();
    out.jpeg[i].assign(static_cast<const char*>(buffer), length);
    g_free(buffer);
  }
  return out;
}

}  // namespace tonearm::catalog
