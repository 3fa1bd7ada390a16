// AWS Signature Version 4 as S3 wants it: canonical request, string to sign, signing
// key, Authorization header and presigned URLs, as pure functions of the request, the
// credentials and the time (no I/O, no clock). S3's rules: the path is encoded once
// and never normalised (a key "a//b/../c" is signed as it is), the query is sorted,
// every header sent is signed (Host with its port), and x-amz-content-sha256 is always
// sent and signed.
// Tested against AWS's own test suite (aws-sig-v4-test-suite) and the worked examples
// of the S3 API reference (tests/unit/s3/sigv4_test.cpp, tests/data/sigv4/).
#pragma once

#include <sodium/crypto_hash_sha256.h>

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tonearm::s3 {

struct credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term keys, no X-Amz-Security-Token
};

struct signing_scope {
  std::string region = "us-east-1";
  std::string service = "s3";
};

using fields = std::vector<std::pair<std::string, std::string>>;

// A request as it will be sent. `path` and `query` are not encoded (the object key as
// stored: "/bucket/Sigur Rós.mp3"); the same encoding (canonical_uri, canonical_query)
// makes the request target on the wire and the canonical request, so the two cannot
// differ. `headers` are every header that will be sent, Host included, any case; all
// of them are signed.
struct request_to_sign {
  std::string method;
  std::string path = "/";
  fields query;  // a sub-resource without a value ("?uploads") has an empty value
  fields headers;
  std::string payload_hash;  // lower-case hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

// RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) as they are, every other byte as
// %XX with upper-case hex; '/' kept when `keep_slash` (paths), encoded otherwise.
std::string uri_encode(std::string_view text, bool keep_slash);

// The path encoded once, '/' kept, never normalised; "" becomes "/".
std::string canonical_uri(std::string_view path);

// Names and values encoded, sorted by name then value, "a=1&b=&c=3". It is also the
// query string to send.
std::string canonical_query(const fields& query);

// Lower-case names, sorted; values trimmed, runs of spaces inside one space, values of
// a repeated name joined with ',' in the order sent.
struct canonical_header_block {
  std::string text;          // "host:example.com\nx-amz-date:...\n"
  std::string signed_names;  // "host;x-amz-date"
};
canonical_header_block canonical_headers(const fields& headers);

std::string canonical_request(const request_to_sign& r);

// "20150830T123600Z" (ISO 8601 basic, UTC) of a time; its first 8 characters are the date.
std::string amz_date(std::chrono::system_clock::time_point t);

// "20150830/us-east-1/s3/aws4_request"
std::string credential_scope(std::string_view amz_date, const signing_scope& scope);

std::string string_to_sign(std::string_view amz_date, const signing_scope& scope, std::string_view canonical_request);

// HMAC chain: "AWS4" + secret -> date -> region -> service -> "aws4_request".
std::array<unsigned char, 32> signing_key(std::string_view secret_access_key, std::string_view amz_date,
                                          const signing_scope& scope);

// Lower-case hex HMAC-SHA256 of the string to sign.
std::string signature(const credentials& creds, const signing_scope& scope, std::string_view amz_date,
                      std::string_view canonical_request);

// The Authorization header's value for `r` as it is (its headers must already hold
// x-amz-date and whatever else is to be signed):
// "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=..."
std::string authorization(const request_to_sign& r, const credentials& creds, const signing_scope& scope,
                          std::string_view amz_date);

// What an S3 request needs: adds x-amz-date, x-amz-content-sha256 (r.payload_hash,
// which must be set) and, with a session token, x-amz-security-token to r.headers, then
// Authorization. r.headers must already hold Host.
void sign(request_to_sign& r, const credentials& creds, const signing_scope& scope,
          std::chrono::system_clock::time_point now);

// The query string of a presigned URL for `r` (its query plus X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Security-Token
// with a session token, and X-Amz-Signature last); the payload is UNSIGNED-PAYLOAD.
// The URL is scheme://host + canonical_uri(r.path) + "?" + this.
std::string presigned_query(const request_to_sign& r, const credentials& creds, const signing_scope& scope,
                            std::chrono::system_clock::time_point now, std::chrono::seconds expires);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// Incremental SHA-256 for bodies read in pieces (a part of a multipart upload).
class sha256 {
 public:
  sha256();
  void update(std::string_view data);
  std::string hex_digest();  // once

 private:
  crypto_hash_sha256_state state_;
};

}  // namespace tonearm::s3
