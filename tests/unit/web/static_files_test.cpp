#include "tonearm/web/static_files.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace tonearm::web;

std::string gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("tonearm-web-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    html = "<!doctype html><title>t</title>" + std::string(2000, 'x');
    write("index.html", html);
    write("app.js", "export const a = 1;\n" + std::string(1000, ' '));
    write("tiny.css", "body{}");
    write(".secret", "no");
    fs::create_directories(dir / "sub");
    write("sub/inner.js", "no");
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name, std::ios::binary) << text; }
  tonearm::http::request get(std::string path, std::vector<std::pair<std::string, std::string>> headers = {}) {
    tonearm::http::request r;
    r.method = "GET";
    r.path = std::move(path);
    for (auto& [k, v] : headers) r.headers.set(k, v);
    return r;
  }
  fs::path dir;
  std::string html;
};

TEST_F(StaticFilesTest, ServesIndexWithTypeEtagAndSecurityHeaders) {
  static_files site(dir);
  auto res = site.serve(get("/"), "");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.body, html);
  EXPECT_EQ(res.headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(res.headers.get("Cache-Control"), "no-cache");
  EXPECT_EQ(res.headers.get("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(res.headers.get("Content-Security-Policy").find("default-src 'self'"), std::string_view::npos);
  EXPECT_EQ(res.headers.get("Vary"), "Accept-Encoding");
  auto etag = std::string(res.headers.get("ETag"));
  ASSERT_EQ(etag.size(), 34u);  // "<32 hex>"
  EXPECT_EQ(site.serve(get("/index.html"), "index.html").headers.get("ETag"), etag);
}

TEST_F(StaticFilesTest, GzipWhenAcceptedWithItsOwnEtag) {
  static_files site(dir);
  auto plain = site.serve(get("/app.js"), "app.js");
  auto gz = site.serve(get("/app.js", {{"Accept-Encoding", "br, gzip;q=0.8"}}), "app.js");
  EXPECT_EQ(plain.headers.get("Content-Encoding"), "");
  EXPECT_EQ(gz.headers.get("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.headers.get("Content-Type"), "application/javascript; charset=utf-8");
  EXPECT_LT(gz.body.size(), plain.body.size());
  EXPECT_EQ(gunzip(gz.body), plain.body);
  EXPECT_NE(gz.headers.get("ETag"), plain.headers.get("ETag"));
  auto refused = site.serve(get("/app.js", {{"Accept-Encoding", "gzip;q=0, *"}}), "app.js");
  EXPECT_EQ(refused.headers.get("Content-Encoding"), "");
  // Too small to pay: never compressed, no Vary.
  auto tiny = site.serve(get("/tiny.css", {{"Accept-Encoding", "gzip"}}), "tiny.css");
  EXPECT_EQ(tiny.headers.get("Content-Encoding"), "");
  EXPECT_EQ(tiny.headers.get("Vary"), "");
  EXPECT_EQ(tiny.headers.get("Content-Type"), "text/css; charset=utf-8");
}

TEST_F(StaticFilesTest, IfNoneMatchGives304) {
  static_files site(dir);
  auto etag = std::string(site.serve(get("/"), "").headers.get("ETag"));
  auto res = site.serve(get("/", {{"If-None-Match", "\"other\", W/" + etag}}), "");
  EXPECT_EQ(res.status, 304u);
  EXPECT_EQ(res.body, "");
  EXPECT_EQ(res.headers.get("ETag"), etag);
  EXPECT_EQ(site.serve(get("/", {{"If-None-Match", "\"other\""}}), "").status, 200u);
  EXPECT_EQ(site.serve(get("/", {{"If-None-Match", "*"}}), "").status, 304u);
}

TEST_F(StaticFilesTest, OnlyFlatVisibleFilesAreServed) {
  static_files site(dir);
  EXPECT_EQ(site.file_count(), 3u);
  for (std::string name : {".secret", "sub", "..", "missing.js", "sub/inner.js", "index.html%00"})
    EXPECT_EQ(site.serve(get("/" + name), name).status, 404u) << name;
}

TEST_F(StaticFilesTest, AnEditedFileIsServedWithoutARestart) {
  static_files site(dir);
  auto before = std::string(site.serve(get("/"), "").headers.get("ETag"));
  write("index.html", "<!doctype html><title>new</title>");
  fs::last_write_time(dir / "index.html", fs::last_write_time(dir / "index.html") + std::chrono::seconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto res = site.serve(get("/"), "");
  EXPECT_EQ(res.body, "<!doctype html><title>new</title>");
  EXPECT_NE(res.headers.get("ETag"), before);
}

TEST(StaticFileHelpers, ContentTypes) {
  EXPECT_EQ(content_type_for("a.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("a.webmanifest"), "application/manifest+json");
  EXPECT_EQ(content_type_for("noext"), "application/octet-stream");
}

TEST(StaticFileHelpers, AcceptEncoding) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("br"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("*, gzip;q=0.0"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
}

}  // namespace
