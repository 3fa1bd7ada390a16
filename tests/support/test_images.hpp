// Images for cover-art tests, made and measured with libvips (header-only: the unit
// and db tests both use it).
#pragma once

#include <vips/vips.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "tonearm/catalog/cover_art.hpp"

namespace tonearm::testing {

// A w x h image of one grey level in `format` (".jpg", ".png"); with an opaque alpha
// band when asked.
inline std::string test_image(int w, int h, int grey, const char* format = ".jpg", bool alpha = false) {
  (void)catalog::make_cover_renditions("");  // starts libvips
  VipsImage *black = nullptr, *lit = nullptr, *cast = nullptr;
  void* buf = nullptr;
  std::size_t len = 0;
  bool ok = vips_black(&black, w, h, "bands", alpha ? 4 : 3, nullptr) == 0 &&
            vips_linear1(black, &lit, 1.0, static_cast<double>(grey), nullptr) == 0 &&
            vips_cast_uchar(lit, &cast, nullptr) == 0 &&
            vips_image_write_to_buffer(cast, format, &buf, &len, nullptr) == 0;
  std::string out = ok ? std::string(static_cast<const char*>(buf), len) : std::string();
  g_free(buf);
  for (auto* i : {cast, lit, black})
    if (i) g_object_unref(i);
  if (!ok) throw std::runtime_error(std::string("libvips could not make a test image: ") + vips_error_buffer());
  return out;
}

// Width and height of an encoded image; {0, 0} when it is not one.
inline std::pair<int, int> image_size(const std::string& bytes) {
  VipsImage* i = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr);
  if (!i) return {0, 0};
  std::pair<int, int> wh{vips_image_get_width(i), vips_image_get_height(i)};
  g_object_unref(i);
  return wh;
}

}  // namespace tonearm::testing
