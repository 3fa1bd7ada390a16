// Cover art sizes made with libvips, image sniffing, folder images.
#include "tonearm/catalog/cover_art.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "test_images.hpp"

namespace tonearm::catalog {
namespace {

// The grey level does not matter to these tests.
std::string image(int w, int h, const char* format, bool alpha = false) {
  return tonearm::testing::test_image(w, h, 120, format, alpha);
}
using tonearm::testing::image_size;

TEST(CoverArt, SizesFitTheSquareAndKeepTheShape) {
  auto made = make_cover_renditions(image(800, 600, ".jpg"));
  ASSERT_TRUE(std::holds_alternative<cover_renditions>(made)) << std::get<std::string>(made);
  const auto& r = std::get<cover_renditions>(made);
  EXPECT_EQ(r.mime_type, "image/jpeg");
  EXPECT_EQ(r.width, 800);
  EXPECT_EQ(r.height, 600);
  EXPECT_EQ(image_size(r.jpeg[0]), std::make_pair(64, 48));
  EXPECT_EQ(image_size(r.jpeg[1]), std::make_pair(300, 225));
  EXPECT_EQ(image_size(r.jpeg[2]), std::make_pair(640, 480));
  for (const auto& j : r.jpeg) EXPECT_EQ(image_mime_type(j), "image/jpeg");
}

TEST(CoverArt, ASmallImageIsNeverEnlarged) {
  auto made = make_cover_renditions(image(100, 50, ".png"));
  ASSERT_TRUE(std::holds_alternative<cover_renditions>(made)) << std::get<std::string>(made);
  const auto& r = std::get<cover_renditions>(made);
  EXPECT_EQ(r.mime_type, "image/png");
  EXPECT_EQ(image_size(r.jpeg[0]), std::make_pair(64, 32));
  EXPECT_EQ(image_size(r.jpeg[1]), std::make_pair(100, 50));
  EXPECT_EQ(image_size(r.jpeg[2]), std::make_pair(100, 50));
}

TEST(CoverArt, TransparencyBecomesJpeg) {
  auto made = make_cover_renditions(image(320, 320, ".png", true));
  ASSERT_TRUE(std::holds_alternative<cover_renditions>(made)) << std::get<std::string>(made);
  EXPECT_EQ(image_size(std::get<cover_renditions>(made).jpeg[1]), std::make_pair(300, 300));
}

TEST(CoverArt, BrokenPicturesAreRefusedWithTheReason) {
  auto reason = [](std::string_view bytes, std::uint64_t max_pixels = 100'000'000) {
    auto made = make_cover_renditions(bytes, max_pixels);
    return std::holds_alternative<std::string>(made) ? std::get<std::string>(made) : std::string("made");
  };
  EXPECT_NE(reason("").find("not an image"), std::string::npos);
  EXPECT_NE(reason("hello, this is text").find("not an image"), std::string::npos);
  auto jpeg = image(400, 400, ".jpg");
  EXPECT_NE(reason(jpeg.substr(0, 40)), "made") << "a JPEG cut after its first bytes";
  EXPECT_NE(reason(jpeg, 1000).find("image too large: 400x400"), std::string::npos);
  auto png = image(64, 64, ".png");
  png[20] = static_cast<char>(png[20] ^ 0x55);  // a corrupt header chunk
  EXPECT_NE(reason(png), "made");
}

TEST(CoverArt, ImageTypesBySignature) {
  EXPECT_EQ(image_mime_type("\xFF\xD8\xFF\xE0 rest"), "image/jpeg");
  EXPECT_EQ(image_mime_type(std::string("\x89PNG\r\n\x1a\n", 8) + "x"), "image/png");
  EXPECT_EQ(image_mime_type(std::string_view("RIFF\x10\0\0\0WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(image_mime_type("GIF89a..."), "image/gif");
  EXPECT_EQ(image_mime_type("ID3\x03"), "");
  EXPECT_EQ(image_mime_type(""), "");
}

TEST(FolderImage, PreferredNamesAnyCaseAndNothingElse) {
  struct scratch {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("tonearm-folder-image-" + std::to_string(std::random_device{}()));
    scratch() { std::filesystem::create_directories(dir); }
    ~scratch() { std::filesystem::remove_all(dir); }
    std::string path() const { return dir.string(); }
  } dir;
  auto touch = [&](const std::string& name, std::size_t bytes = 10) {
    std::ofstream(dir.path() + "/" + name) << std::string(bytes, 'x');
  };
  EXPECT_FALSE(folder_image(dir.path()));
  touch("back.jpg");
  touch("cover.txt");
  EXPECT_FALSE(folder_image(dir.path()));
  touch("Album.PNG");
  EXPECT_EQ(folder_image(dir.path())->filename(), "Album.PNG");
  touch("Folder.JPG");
  EXPECT_EQ(folder_image(dir.path())->filename(), "Folder.JPG");
  touch("cover.webp");
  EXPECT_EQ(folder_image(dir.path())->filename(), "cover.webp");
  touch("cover.jpg", 0);  // empty: not an image
  EXPECT_EQ(folder_image(dir.path())->filename(), "cover.webp");
  EXPECT_FALSE(folder_image(dir.path(), 5)) << "every image is above the cap";
}

}  // namespace
}  // namespace tonearm::catalog
