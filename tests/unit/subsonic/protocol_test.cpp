// The Subsonic protocol's rules: parameters, format, credentials, token auth, ids,
// index letters.
#include "tonearm/subsonic/protocol.hpp"

#include <gtest/gtest.h>

namespace tonearm::subsonic {
namespace {

error_code code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const protocol_error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no protocol_error";
  return error_code::generic;
}

TEST(SubsonicParams, FirstValueAllValuesAndRequired) {
  params p({{"id", "1"}, {"songId", "2"}, {"songId", "3"}, {"count", "12"}, {"flag", "TRUE"}});
  EXPECT_EQ(p.get("id"), "1");
  EXPECT_EQ(p.all("songId"), (std::vector<std::string>{"2", "3"}));
  EXPECT_TRUE(p.all("none").empty());
  EXPECT_EQ(p.require("id"), "1");
  EXPECT_EQ(code_of([&] { (void)p.require("name"); }), error_code::missing_parameter);
  EXPECT_EQ(p.integer("count", 10, 0, 500), 12);
  EXPECT_EQ(p.integer("absent", 10, 0, 500), 10);
  EXPECT_EQ(code_of([&] { (void)p.integer("count", 10, 0, 5); }), error_code::generic);
  EXPECT_EQ(code_of([&] { (void)p.integer("id", 0, 2, 5); }), error_code::generic);
  EXPECT_TRUE(p.boolean("flag", false));
  EXPECT_FALSE(p.boolean("absent", false));
  EXPECT_EQ(code_of([&] { (void)p.boolean("count", false); }), error_code::generic);
}

TEST(SubsonicParams, IntegersRejectGarbage) {
  for (const char* bad : {"", "1x", "x", "1.5", " 1", "99999999999999999999"}) {
    params p({{"n", bad}});
    EXPECT_EQ(code_of([&] { (void)p.integer("n", 0, 0, 100); }), error_code::generic) << bad;
  }
}

TEST(SubsonicMethod, WithAndWithoutView) {
  EXPECT_EQ(method_of("/rest/ping.view"), "ping");
  EXPECT_EQ(method_of("/rest/ping"), "ping");
  EXPECT_EQ(method_of("/rest/getAlbumList2.view"), "getAlbumList2");
  EXPECT_EQ(method_of("/rest/.view"), ".view");
}

TEST(SubsonicFormat, XmlByDefaultJsonAndJsonpWithAName) {
  std::string cb;
  EXPECT_EQ(format_of(params(), cb), format::xml);
  EXPECT_EQ(format_of(params({{"f", "json"}}), cb), format::json);
  EXPECT_EQ(format_of(params({{"f", "jsonp"}, {"callback", "app.cb_1"}}), cb), format::jsonp);
  EXPECT_EQ(cb, "app.cb_1");
  EXPECT_EQ(code_of([] { std::string c; (void)format_of(params({{"f", "jsonp"}}), c); }), error_code::generic);
  EXPECT_EQ(code_of([] { std::string c; (void)format_of(params({{"f", "jsonp"}, {"callback", "alert(1)"}}), c); }),
            error_code::generic);
  EXPECT_EQ(code_of([] { std::string c; (void)format_of(params({{"f", "yaml"}}), c); }), error_code::generic);
}

TEST(SubsonicCredentials, EachMechanismAndTheirConflicts) {
  auto c = credentials_of(params({{"u", "alice"}, {"p", "enc:736563726574"}}));
  EXPECT_EQ(c.user, "alice");
  EXPECT_EQ(c.password, "secret");
  c = credentials_of(params({{"u", "alice"}, {"t", "abc"}, {"s", "salt"}}));
  EXPECT_EQ(c.token, "abc");
  EXPECT_EQ(c.salt, "salt");
  c = credentials_of(params({{"apiKey", "k"}}));
  EXPECT_EQ(c.api_key, "k");
  EXPECT_EQ(code_of([] { (void)credentials_of(params({{"apiKey", "k"}, {"u", "alice"}})); }),
            error_code::conflicting_auth);
  EXPECT_EQ(code_of([] { (void)credentials_of(params({{"u", "a"}, {"p", "x"}, {"t", "y"}, {"s", "z"}})); }),
            error_code::conflicting_auth);
  EXPECT_EQ(code_of([] { (void)credentials_of(params()); }), error_code::missing_parameter);
  EXPECT_EQ(code_of([] { (void)credentials_of(params({{"u", "a"}})); }), error_code::missing_parameter);
  EXPECT_EQ(code_of([] { (void)credentials_of(params({{"u", "a"}, {"t", "y"}})); }), error_code::missing_parameter);
  EXPECT_EQ(code_of([] { (void)decode_password("enc:zz"); }), error_code::wrong_credentials);
  EXPECT_EQ(code_of([] { (void)decode_password("enc:abc"); }), error_code::wrong_credentials);
  EXPECT_EQ(decode_password("plain"), "plain");
}

// The example of the Subsonic API documentation: password "sesame", salt "c19b2d".
TEST(SubsonicToken, TheDocumentedExample) {
  EXPECT_EQ(md5_hex("sesamec19b2d"), "26719a1196d2a940705a59634eb18eab");
  EXPECT_TRUE(token_matches("sesame", "c19b2d", "26719a1196d2a940705a59634eb18eab"));
  EXPECT_TRUE(token_matches("sesame", "c19b2d", "26719A1196D2A940705A59634EB18EAB"));
  EXPECT_FALSE(token_matches("sesame", "c19b2e", "26719a1196d2a940705a59634eb18eab"));
  EXPECT_FALSE(token_matches("sesame", "c19b2d", "26719a1196d2a940705a59634eb18ea"));
  EXPECT_FALSE(token_matches("sesame", "c19b2d", ""));
}

TEST(SubsonicIds, EachKindRoundTripsAndGarbageIsNotFound) {
  EXPECT_EQ(song_id(42), "42");
  EXPECT_EQ(album_id(7), "al-7");
  EXPECT_EQ(artist_id(3), "ar-3");
  auto a = parse_id("al-7");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, id_kind::album);
  EXPECT_EQ(a->number, 7);
  EXPECT_EQ(parse_id("ar-3")->kind, id_kind::artist);
  EXPECT_EQ(parse_id("42")->kind, id_kind::song);
  for (const char* bad : {"", "al-", "ar-x", "-1", "0", "+5", "al--1", "1;2", "pl-1", "9999999999999999999999"})
    EXPECT_FALSE(parse_id(bad)) << bad;
  EXPECT_EQ(id_of("al-7", id_kind::album), 7);
  EXPECT_EQ(code_of([] { (void)id_of("al-7", id_kind::song); }), error_code::not_found);
}

TEST(SubsonicIndex, LettersWithoutArticles) {
  EXPECT_EQ(index_letter("The Beatles", ignored_articles), "B");
  EXPECT_EQ(index_letter("the beatles", ignored_articles), "B");
  EXPECT_EQ(index_letter("Theatre of Tragedy", ignored_articles), "T");
  EXPECT_EQ(index_letter("Los Lobos", ignored_articles), "L");
  EXPECT_EQ(index_letter("radiohead", ignored_articles), "R");
  EXPECT_EQ(index_letter("Кино", ignored_articles), "К");
  EXPECT_EQ(index_letter("Ólafur Arnalds", ignored_articles), "Ó");
  EXPECT_EQ(index_letter("2Pac", ignored_articles), "#");
  EXPECT_EQ(index_letter("", ignored_articles), "#");
  EXPECT_EQ(index_letter("The", ignored_articles), "T");
}

}  // namespace
}  // namespace tonearm::subsonic
