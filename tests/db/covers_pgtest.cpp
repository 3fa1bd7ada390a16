// Cover art at ingest: the picture embedded in each format (ID3 APIC, FLAC picture
// blocks, MP4 covr, Vorbis comment pictures in Ogg Vorbis and Opus) and folder images,
// stored once with their served sizes; a broken picture is skipped with its reason.
#include <gtest/gtest.h>

#include <attachedpictureframe.h>
#include <flacfile.h>
#include <flacpicture.h>
#include <id3v2tag.h>
#include <mp4coverart.h>
#include <mp4file.h>
#include <mpegfile.h>
#include <opusfile.h>
#include <vorbisfile.h>
#include <xiphcomment.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "test_images.hpp"
#include "test_support.hpp"
#include "tonearm/catalog/cover_art.hpp"
#include "tonearm/catalog/ingest.hpp"
#include "tonearm/store/blob_store.hpp"
#include "tonearm/store/catalog_repository.hpp"
#include "tonearm/store/catalog_writer.hpp"
#include "tonearm/store/migrations.hpp"
#include "tonearm/store/pg_pool.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace tonearm;
using namespace tonearm::store;
using tonearm::testing::scratch_database;
using tonearm::testing::temp_dir;

using tonearm::testing::image_size;

std::string image(int w, int h, int grey, const char* format = ".jpg") {
  return tonearm::testing::test_image(w, h, grey, format);
}

TagLib::FLAC::Picture* flac_picture(const std::string& bytes) {
  auto* p = new TagLib::FLAC::Picture;
  p->setType(TagLib::FLAC::Picture::FrontCover);
  p->setMimeType("image/jpeg");
  p->setData(TagLib::ByteVector(bytes.data(), static_cast<unsigned>(bytes.size())));
  return p;
}

// Embeds `bytes` as the front cover the way each format carries pictures.
void embed(const fs::path& file, const std::string& bytes) {
  TagLib::ByteVector data(bytes.data(), static_cast<unsigned>(bytes.size()));
  auto ext = file.extension().string();
  bool saved = false;
  if (ext == ".mp3") {
    TagLib::MPEG::File f(file.c_str());
    auto* frame = new TagLib::ID3v2::AttachedPictureFrame;
    frame->setType(TagLib::ID3v2::AttachedPictureFrame::FrontCover);
    frame->setMimeType("image/jpeg");
    frame->setPicture(data);
    f.ID3v2Tag(true)->addFrame(frame);
    saved = f.save();
  } else if (ext == ".flac") {
    TagLib::FLAC::File f(file.c_str());
    f.addPicture(flac_picture(bytes));
    saved = f.save();
  } else if (ext == ".m4a") {
    TagLib::MP4::File f(file.c_str());
    TagLib::MP4::CoverArtList covers;
    covers.append(TagLib::MP4::CoverArt(TagLib::MP4::CoverArt::JPEG, data));
    f.tag()->setItem("covr", covers);
    saved = f.save();
  } else if (ext == ".ogg") {
    TagLib::Ogg::Vorbis::File f(file.c_str());
    f.tag()->addPicture(flac_picture(bytes));
    saved = f.save();
  } else if (ext == ".opus") {
    TagLib::Ogg::Opus::File f(file.c_str());
    f.tag()->addPicture(flac_picture(bytes));
    saved = f.save();
  }
  ASSERT_TRUE(saved) << file;
}

class IngestCoversTest : public ::testing::Test {
 protected:
  void SetUp() override {
    apply_migrations(db.url(), embedded_migrations());
    auto audio = fs::path(tonearm::testing::test_audio_dir());
    // One file of each format, each with its own picture (distinct sizes: distinct images).
    struct one {
      const char* file;
      int w, h;
    } files[] = {{"01-Karma-Police.mp3", 800, 800}, {"24-So-What.flac", 500, 400}, {"17-Teardrop.m4a", 300, 300},
                 {"05-Idioteque.ogg", 1000, 600}, {"10-Hoppipolla.opus", 640, 640}};
    int grey = 40;
    for (const auto& f : files) {
      auto to = fs::path(input.path()) / f.file;
      fs::copy_file(audio / f.file, to);
      embed(to, image(f.w, f.h, grey += 30));
    }
    // A folder with an image and two untagged-picture songs; a file whose picture is not an image.
    fs::create_directories(input.path() + "/Time Out");
    fs::copy_file(audio / "26-Take-Five.mp3", input.path() + "/Time Out/26-Take-Five.mp3");
    fs::copy_file(audio / "27-Blue-Rondo-a-la-Turk.mp3", input.path() + "/Time Out/27-Blue-Rondo-a-la-Turk.mp3");
    std::ofstream(input.path() + "/Time Out/Folder.PNG", std::ios::binary) << image(200, 100, 200, ".png");
    fs::copy_file(audio / "28-Waterloo.mp3", input.path() + "/28-Waterloo.mp3");
    embed(input.path() + "/28-Waterloo.mp3", "this is no image at all");
  }

  catalog::ingest_summary run() {
    pg_pool pool(db.url(), 2, 2000ms);
    catalog_writer writer(pool);
    return catalog::ingest({input.path()}, blobs, writer, {});
  }

  std::string blob(const std::string& key) {
    auto r = blobs.open(key);
    if (!r) return {};
    std::string out(r->size(), '\0');
    r->read(0, out.data(), out.size());
    return out;
  }

  scratch_database db;
  temp_dir input, blob_dir;
  local_blob_store blobs{blob_dir.path()};
};

TEST_F(IngestCoversTest, EveryFormatsPictureAndFolderImagesBecomeCovers) {
  auto s = run();
  EXPECT_EQ(s.added, 8);
  EXPECT_EQ(s.skipped, 0);
  EXPECT_EQ(s.covers_added, 6) << "five embedded pictures and one folder image";
  ASSERT_EQ(s.cover_problems.size(), 1u);
  EXPECT_NE(s.cover_problems[0].first.find("28-Waterloo.mp3"), std::string::npos);
  EXPECT_NE(s.cover_problems[0].second.find("not an image"), std::string::npos) << s.cover_problems[0].second;

  EXPECT_EQ(db.query("SELECT count(*) FROM songs WHERE cover_key IS NOT NULL")[0], "7");
  EXPECT_EQ(db.query("SELECT cover_key IS NULL FROM songs WHERE title = 'Waterloo'")[0], "t");
  // The two songs of the folder share its image.
  EXPECT_EQ(db.query("SELECT count(DISTINCT cover_key) FROM songs WHERE title IN ('Take Five', 'Blue Rondo à la Turk')")[0], "1");
  // Each album names a cover; sizes are right for each original.
  pg_pool pool(db.url(), 1, 2000ms);
  catalog_repository repo(pool);
  auto album_of = [&](const char* title) {
    return std::stoll(db.query(std::string("SELECT album_id FROM songs WHERE title = '") + title + "'")[0]);
  };
  struct expect {
    const char* title;
    std::pair<int, int> small, medium, large;
  } want[] = {
      {"Karma Police", {64, 64}, {300, 300}, {640, 640}},
      {"So What", {64, 51}, {300, 240}, {500, 400}},
      {"Teardrop", {64, 64}, {300, 300}, {300, 300}},
      {"Idioteque", {64, 38}, {300, 180}, {640, 384}},
      {"Hoppípolla", {64, 64}, {300, 300}, {640, 640}},
      {"Take Five", {64, 32}, {200, 100}, {200, 100}},
  };
  for (const auto& w : want) {
    auto cover = repo.cover_of('l', album_of(w.title));
    ASSERT_TRUE(cover) << w.title;
    EXPECT_EQ(image_size(blob(cover->sizes[0])), w.small) << w.title;
    EXPECT_EQ(image_size(blob(cover->sizes[1])), w.medium) << w.title;
    EXPECT_EQ(image_size(blob(cover->sizes[2])), w.large) << w.title;
    EXPECT_FALSE(blob(cover->image_key).empty()) << "the original is kept too";
  }
  // A song's cover is its own; an author's is their most played album's.
  auto song = std::stoll(db.query("SELECT id FROM songs WHERE title = 'Karma Police'")[0]);
  EXPECT_EQ(repo.cover_of('s', song)->image_key, repo.cover_of('l', album_of("Karma Police"))->image_key);
  auto radiohead = std::stoll(db.query("SELECT id FROM authors WHERE name = 'Radiohead'")[0]);
  EXPECT_TRUE(repo.cover_of('a', radiohead));
  auto abba = std::stoll(db.query("SELECT id FROM authors WHERE name = 'ABBA'")[0]);
  EXPECT_FALSE(repo.cover_of('a', abba)) << "Waterloo's picture was not an image";
  EXPECT_FALSE(repo.cover_of('s', std::stoll(db.query("SELECT id FROM songs WHERE title = 'Waterloo'")[0])));
}

TEST_F(IngestCoversTest, AlbumsAndAuthorsKnowWhetherTheyHaveACover) {
  run();
  pg_pool pool(db.url(), 1, 2000ms);
  catalog_repository repo(pool);
  auto id = [&](const std::string& sql) { return std::stoll(db.query(sql)[0]); };
  auto ok_computer = id("SELECT album_id FROM songs WHERE title = 'Karma Police'");
  auto waterloo = id("SELECT album_id FROM songs WHERE title = 'Waterloo'");
  auto radiohead = id("SELECT id FROM authors WHERE name = 'Radiohead'");
  auto abba = id("SELECT id FROM authors WHERE name = 'ABBA'");

  EXPECT_TRUE(repo.find_album(ok_computer)->has_cover);
  EXPECT_FALSE(repo.find_album(waterloo)->has_cover) << "Waterloo's picture was not an image";
  EXPECT_TRUE(repo.find_author(radiohead)->has_cover);
  EXPECT_FALSE(repo.find_author(abba)->has_cover);
  // The lists (search results, an author's albums) read the same columns.
  auto albums = repo.albums_by_ids({ok_computer, waterloo});
  ASSERT_EQ(albums.size(), 2u);
  EXPECT_TRUE(albums[0].has_cover);
  EXPECT_FALSE(albums[1].has_cover);
  EXPECT_EQ(albums[1].track_count, 1);
  auto authors = repo.authors_by_ids({radiohead, abba});
  ASSERT_EQ(authors.size(), 2u);
  EXPECT_TRUE(authors[0].has_cover);
  EXPECT_FALSE(authors[1].has_cover);
  for (const auto& album : repo.albums_by_author(radiohead)) {
    EXPECT_TRUE(album.has_cover) << album.title << ": Karma Police's and Idioteque's pictures";
    EXPECT_EQ(album.track_count, 1) << album.title;
  }
  // has_cover says whether the cover handler has a cover to serve.
  EXPECT_TRUE(repo.cover_of('l', ok_computer));
  EXPECT_FALSE(repo.cover_of('l', waterloo));
  EXPECT_TRUE(repo.cover_of('a', radiohead));
  EXPECT_FALSE(repo.cover_of('a', abba));
}

TEST_F(IngestCoversTest, RunningTwiceStoresNothingNew) {
  run();
  auto files = [&] {
    std::size_t n = 0;
    for (auto& e : fs::recursive_directory_iterator(blob_dir.path())) n += e.is_regular_file();
    return n;
  };
  auto before = files();
  auto again = run();
  EXPECT_EQ(again.covers_added, 0);
  EXPECT_EQ(again.bytes_stored, 0u);
  EXPECT_EQ(files(), before);
  EXPECT_EQ(db.query("SELECT count(*) FROM covers")[0], "6");
}

}  // namespace
