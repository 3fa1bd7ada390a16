// S3's XML answers and endpoint URLs: tables of inputs, including the shapes S3 and
// Swift send (namespaces, attributes, self-closing elements, entities).
#include "tonearm/s3/client.hpp"
#include "tonearm/s3/xml.hpp"

#include <gtest/gtest.h>

namespace tonearm::s3 {
namespace {

TEST(S3Xml, ErrorDocuments) {
  auto doc = parse_error_document(
      "<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not "
      "exist.</Message><Key>a &amp; b</Key><RequestId>tx1</RequestId></Error>");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->code, "NoSuchKey");
  EXPECT_EQ(doc->message, "The specified key does not exist.");
  EXPECT_FALSE(parse_error_document(""));
  EXPECT_FALSE(parse_error_document("<html><body>503 Service Unavailable</body></html>"));
  EXPECT_FALSE(parse_error_document("<Error><Message>no code</Message></Error>"));
  EXPECT_FALSE(parse_error_document("<Error><Code></Code></Error>"));
  EXPECT_FALSE(parse_error_document("<Error><Code>Unclosed"));
  auto no_message = parse_error_document("<Error><Code>SlowDown</Code></Error>");
  ASSERT_TRUE(no_message);
  EXPECT_EQ(no_message->message, "");
}

TEST(S3Xml, ElementsByExactNameWithAttributesAndSelfClosing) {
  std::string xml =
      "<ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><UploadIdMarker/>"
      "<Upload><Key>k1</Key><UploadId>id-1</UploadId></Upload>"
      "<Upload><Key>k2</Key><UploadId attr=\"x\">id&#45;2</UploadId></Upload></ListMultipartUploadsResult>";
  auto uploads = xml_elements(xml, "Upload");
  ASSERT_EQ(uploads.size(), 2u);
  EXPECT_EQ(xml_text(uploads[0], "UploadId"), "id-1");
  EXPECT_EQ(xml_text(uploads[1], "UploadId"), "id-2");
  EXPECT_EQ(xml_text(xml, "UploadIdMarker"), "");  // <UploadIdMarker/> is not <UploadId>
  EXPECT_EQ(xml_text(xml, "Missing"), std::nullopt);
  EXPECT_TRUE(xml_elements(xml, "").empty());
  EXPECT_TRUE(xml_elements("<Key>unclosed", "Key").empty());
  EXPECT_TRUE(xml_elements("<Key", "Key").empty());
}

struct unescape_case {
  std::string in, out;
};

TEST(S3Xml, UnescapeTable) {
  const unescape_case cases[] = {
      {"plain", "plain"},
      {"&amp;&lt;&gt;&quot;&apos;", "&<>\"'"},
      {"&#38;&#x26;&#X26;", "&&&"},
      {"&#xF3;&#x1F3B5;", "\xc3\xb3\xf0\x9f\x8e\xb5"},  // ó and a musical note
      {"&unknown; & &#; &#x; &#0; &#xD800; &#x110000; &#12345678901;", "&unknown; & &#; &#x; &#0; &#xD800; &#x110000; &#12345678901;"},
      {"&amp", "&amp"},
      {"\"etag\"", "\"etag\""},
  };
  for (const auto& c : cases) EXPECT_EQ(xml_unescape(c.in), c.out) << c.in;
  EXPECT_EQ(xml_escape("\"3858f62230ac3c915f300c664312c11f-9\" & <x>'"),
            "&quot;3858f62230ac3c915f300c664312c11f-9&quot; &amp; &lt;x&gt;&apos;");
  EXPECT_EQ(xml_unescape(xml_escape("a\"b&c<d>e'f")), "a\"b&c<d>e'f");
}

TEST(S3Endpoint, ParseTable) {
  auto e = parse_endpoint("http://127.0.0.1:9000");
  EXPECT_FALSE(e.tls);
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 9000);
  EXPECT_EQ(e.base_path, "");
  EXPECT_EQ(e.host_header(), "127.0.0.1:9000");

  e = parse_endpoint("https://s3.eu-west-1.amazonaws.com");
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.port, 443);
  EXPECT_EQ(e.host_header(), "s3.eu-west-1.amazonaws.com");

  e = parse_endpoint("http://minio.local/storage/");
  EXPECT_EQ(e.port, 80);
  EXPECT_EQ(e.base_path, "/storage");
  EXPECT_EQ(e.host_header(), "minio.local");

  e = parse_endpoint("http://[::1]:9000");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.host_header(), "[::1]:9000");

  for (const char* bad : {"", "ftp://x", "s3.amazonaws.com", "http://", "http://:9000", "http://h:0", "http://h:65536",
                          "http://h:9x", "http://user:pw@h", "http://[::1"}) {
    EXPECT_THROW(parse_endpoint(bad), std::invalid_argument) << bad;
  }
}

TEST(S3Client, RefusesAConfigurationItCannotUse) {
  client_config c;
  c.endpoint = "http://127.0.0.1:1";
  c.bucket = "b";
  EXPECT_THROW(client{c}, std::invalid_argument);  // no credentials
  c.creds = {"AKID", "secret", ""};
  c.bucket = "";
  EXPECT_THROW(client{c}, std::invalid_argument);
  c.bucket = "b";
  EXPECT_NO_THROW(client{c});
}

}  // namespace
}  // namespace tonearm::s3
