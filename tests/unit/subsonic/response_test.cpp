// The Subsonic response tree as XML and JSON: the envelope, lists that stay lists,
// text, bare values, escaping, errors.
#include "tonearm/subsonic/response.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tonearm::subsonic {
namespace {

element album_with_one_song() {
  element body("");
  auto& album = body.add("album");
  album.set("id", "al-7").set("name", "OK \"Computer\" & <more>").set("songCount", 1).set("starredish", true);
  album.add_item("song").set("id", "42").set("duration", std::int64_t{264}).set("isDir", false);
  return body;
}

TEST(SubsonicResponse, XmlEnvelopeSaysWhoAndWhatVersion) {
  auto xml = render(element(""), true, format::xml, "1.2.3");
  EXPECT_EQ(xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<subsonic-response xmlns=\"http://subsonic.org/restapi\" status=\"ok\" version=\"1.16.1\" "
            "type=\"tonearm\" serverVersion=\"1.2.3\" openSubsonic=\"true\"/>\n");
}

TEST(SubsonicResponse, XmlNestsAndEscapes) {
  auto xml = render(album_with_one_song(), true, format::xml, "1");
  EXPECT_NE(xml.find("<album id=\"al-7\" name=\"OK &quot;Computer&quot; &amp; &lt;more&gt;\" songCount=\"1\" "
                     "starredish=\"true\"><song id=\"42\" duration=\"264\" isDir=\"false\"/></album>"),
            std::string::npos)
      << xml;
}

TEST(SubsonicResponse, JsonKeepsTypesAndAListOfOneIsAList) {
  auto j = nlohmann::json::parse(render(album_with_one_song(), true, format::json, "1"));
  const auto& r = j.at("subsonic-response");
  EXPECT_EQ(r.at("status"), "ok");
  EXPECT_EQ(r.at("version"), "1.16.1");
  EXPECT_EQ(r.at("type"), "tonearm");
  EXPECT_EQ(r.at("openSubsonic"), true);
  const auto& album = r.at("album");
  EXPECT_TRUE(album.is_object());
  EXPECT_EQ(album.at("id"), "al-7");  // ids stay strings
  EXPECT_EQ(album.at("songCount"), 1);
  ASSERT_TRUE(album.at("song").is_array());
  ASSERT_EQ(album.at("song").size(), 1u);
  EXPECT_EQ(album.at("song")[0].at("id"), "42");
  EXPECT_EQ(album.at("song")[0].at("duration"), 264);
  EXPECT_EQ(album.at("song")[0].at("isDir"), false);
}

TEST(SubsonicResponse, TextIsValueAndBareItemsAreValuesAlone) {
  element body("");
  auto& genres = body.add("genres");
  auto& g = genres.add_item("genre");
  g.set("songCount", 3);
  g.text = std::string("Trip & Hop");
  auto& ext = body.add_item("openSubsonicExtensions");
  ext.set("name", "formPost");
  ext.add_value("versions", std::int64_t{1});
  auto xml = render(body, true, format::xml, "1");
  EXPECT_NE(xml.find("<genre songCount=\"3\">Trip &amp; Hop</genre>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<openSubsonicExtensions name=\"formPost\"><versions>1</versions></openSubsonicExtensions>"),
            std::string::npos)
      << xml;
  auto j = nlohmann::json::parse(render(body, true, format::json, "1")).at("subsonic-response");
  EXPECT_EQ(j.at("genres").at("genre")[0].at("value"), "Trip & Hop");
  EXPECT_EQ(j.at("openSubsonicExtensions"), nlohmann::json::parse(R"([{"name":"formPost","versions":[1]}])"));
}

TEST(SubsonicResponse, ErrorsInEachFormat) {
  auto xml = render_error(error_code::not_found, "Song not found", format::xml, "1");
  EXPECT_NE(xml.find("status=\"failed\""), std::string::npos);
  EXPECT_NE(xml.find("<error code=\"70\" message=\"Song not found\"/>"), std::string::npos) << xml;
  auto j = nlohmann::json::parse(render_error(error_code::missing_parameter, "Required parameter is missing: id",
                                              format::json, "1"))
               .at("subsonic-response");
  EXPECT_EQ(j.at("status"), "failed");
  EXPECT_EQ(j.at("error").at("code"), 10);
  auto p = render_error(error_code::generic, "x", format::jsonp, "1", "cb");
  EXPECT_EQ(p.substr(0, 3), "cb(");
  EXPECT_EQ(p.substr(p.size() - 2), ");");
}

TEST(SubsonicResponse, XmlDropsWhatXmlCannotCarryAndJsonReplacesBadUtf8) {
  EXPECT_EQ(xml_escape(std::string("a\x01" "b\tc\nd'", 8)), "ab&#9;c&#10;d&apos;");
  element body("");
  body.add("song").set("title", std::string("bad \xff byte"));
  EXPECT_NO_THROW(nlohmann::json::parse(render(body, true, format::json, "1")));
}

TEST(SubsonicResponse, ContentTypes) {
  EXPECT_EQ(content_type(format::xml), "text/xml; charset=utf-8");
  EXPECT_EQ(content_type(format::json), "application/json; charset=utf-8");
  EXPECT_EQ(content_type(format::jsonp), "application/javascript; charset=utf-8");
}

}  // namespace
}  // namespace tonearm::subsonic
