// Cover art: the picture a file carries (ID3 APIC, FLAC and Vorbis comment picture
// blocks, MP4 covr) or the folder image next to it (cover.jpg, folder.jpg, front.png,
// ...), and the sizes Tonearm serves, made with libvips: JPEG thumbnails that fit in a
// square of 64, 300 and 640 px (never enlarged).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tonearm::catalog {

// The sizes served (px, the longer side), smallest first.
inline constexpr std::array<int, 3> cover_sizes = {64, 300, 640};

struct picture {
  std::string bytes;
  std::string source;  // "embedded" or the folder image's file name
};

// The front cover embedded in the audio file (or its first picture when none is
// marked front cover); nullopt when it has none or TagLib cannot read the file.
std::optional<picture> embedded_picture(const std::filesystem::path& audio_file);

// The folder image of `dir`: cover, folder, front or album with .jpg, .jpeg, .png or
// .webp (any case), in that order of preference; nullopt when there is none or it is
// larger than max_bytes.
std::optional<std::filesystem::path> folder_image(const std::filesystem::path& dir,
                                                  std::uintmax_t max_bytes = 20u << 20);

struct cover_renditions {
  std::string mime_type;  // of the original: image/jpeg, image/png, image/webp, ...
  int width = 0, height = 0;
  std::array<std::string, cover_sizes.size()> jpeg;  // one per cover_sizes, JPEG bytes
};

// Decodes `image` and makes the served sizes, or says why not ("not an image libvips
// can read: ...", "image too large: 20000x20000"): a broken picture is skipped, never
// a crash. Images above max_pixels are refused before they are decoded.
std::variant<cover_renditions, std::string> make_cover_renditions(std::string_view image,
                                                                  std::uint64_t max_pixels = 100'000'000);

// The MIME type of a supported image by its first bytes (JPEG, PNG, WebP, GIF), or "".
std::string_view image_mime_type(std::string_view bytes);

}  // namespace tonearm::catalog
