// AWS Signature Version 4 (docs: "Signature Calculations for the Authorization
// Header" and "Authenticating Requests: Using Query Parameters", S3 API reference).
#include "tonearm/s3/sigv4.hpp"

#include <sodium/crypto_auth_hmacsha256.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

namespace tonearm::s3 {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = hex_digits[p[i] >> 4];
    out[2 * i + 1] = hex_digits[p[i] & 0xf];
  }
  return out;
}

std::array<unsigned char, 32> hmac(const unsigned char* key, std::size_t key_size, std::string_view data) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key, key_size);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::array<unsigned char, 32> out;
  crypto_auth_hmacsha256_final(&st, out.data());
  return out;
}

std::array<unsigned char, 32> hmac(const std::array<unsigned char, 32>& key, std::string_view data) {
  return hmac(key.data(), key.size(), data);
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Leading and trailing blanks off, each run of blanks inside one space (SigV4's
// "Trimall"). Line breaks of a folded value count as blanks.
std::string trimall(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool blank = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

std::string date_of(std::string_view amz_date) {
  if (amz_date.size() != 16 || amz_date[8] != 'T' || amz_date[15] != 'Z')
    throw std::invalid_argument("x-amz-date must look like 20150830T123600Z");
  return std::string(amz_date.substr(0, 8));
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (unsigned char c : text) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += "0123456789ABCDEF"[c >> 4];
      out += "0123456789ABCDEF"[c & 0xf];
    }
  }
  return out;
}

std::string canonical_uri(std::string_view path) {
  if (path.empty()) return "/";
  return uri_encode(path, /*keep_slash=*/true);
}

std::string canonical_query(const fields& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [k, v] : query) encoded.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

canonical_header_block canonical_headers(const fields& headers) {
  // Stable: the values of a repeated name stay in the order sent.
  std::vector<std::pair<std::string, std::string>> lowered;
  lowered.reserve(headers.size());
  for (const auto& [k, v] : headers) lowered.emplace_back(lower(trimall(k)), trimall(v));
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  canonical_header_block out;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    if (i > 0 && lowered[i].first == lowered[i - 1].first) {
      out.text.pop_back();  // the '\n'
      out.text += ',';
    } else {
      if (!out.signed_names.empty()) out.signed_names += ';';
      out.signed_names += lowered[i].first;
      out.text += lowered[i].first;
      out.text += ':';
    }
    out.text += lowered[i].second;
    out.text += '\n';
  }
  return out;
}

std::string canonical_request(const request_to_sign& r) {
  if (r.payload_hash.empty()) throw std::invalid_argument("payload_hash is not set");
  auto h = canonical_headers(r.headers);
  std::string out = r.method;
  out += '\n';
  out += canonical_uri(r.path);
  out += '\n';
  out += canonical_query(r.query);
  out += '\n';
  out += h.text;
  out += '\n';
  out += h.signed_names;
  out += '\n';
  out += r.payload_hash;
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string credential_scope(std::string_view amz_date, const signing_scope& scope) {
  return date_of(amz_date) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::string string_to_sign(std::string_view amz_date, const signing_scope& scope, std::string_view canonical_request) {
  std::string out(algorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += credential_scope(amz_date, scope);
  out += '\n';
  out += sha256_hex(canonical_request);
  return out;
}

std::array<unsigned char, 32> signing_key(std::string_view secret_access_key, std::string_view amz_date,
                                          const signing_scope& scope) {
  std::string k = "AWS4" + std::string(secret_access_key);
  auto date_key = hmac(reinterpret_cast<const unsigned char*>(k.data()), k.size(), date_of(amz_date));
  auto region_key = hmac(date_key, scope.region);
  auto service_key = hmac(region_key, scope.service);
  return hmac(service_key, "aws4_request");
}

std::string signature(const credentials& creds, const signing_scope& scope, std::string_view amz_date,
                      std::string_view canonical_request) {
  auto key = signing_key(creds.secret_access_key, amz_date, scope);
  auto mac = hmac(key, string_to_sign(amz_date, scope, canonical_request));
  return to_hex(mac.data(), mac.size());
}

std::string authorization(const request_to_sign& r, const credentials& creds, const signing_scope& scope,
                          std::string_view amz_date) {
  auto creq = canonical_request(r);
  std::string out(algorithm);
  out += " Credential=";
  out += creds.access_key_id;
  out += '/';
  out += credential_scope(amz_date, scope);
  out += ", SignedHeaders=";
  out += canonical_headers(r.headers).signed_names;
  out += ", Signature=";
  out += signature(creds, scope, amz_date, creq);
  return out;
}

void sign(request_to_sign& r, const credentials& creds, const signing_scope& scope,
          std::chrono::system_clock::time_point now) {
  auto date = amz_date(now);
  r.headers.emplace_back("x-amz-date", date);
  r.headers.emplace_back("x-amz-content-sha256", r.payload_hash);
  if (!creds.session_token.empty()) r.headers.emplace_back("x-amz-security-token", creds.session_token);
  auto value = authorization(r, creds, scope, date);
  r.headers.emplace_back("Authorization", std::move(value));
}

std::string presigned_query(const request_to_sign& r, const credentials& creds, const signing_scope& scope,
                            std::chrono::system_clock::time_point now, std::chrono::seconds expires) {
  auto date = amz_date(now);
  request_to_sign q = r;
  q.payload_hash = std::string(unsigned_payload);
  q.query.emplace_back("X-Amz-Algorithm", std::string(algorithm));
  q.query.emplace_back("X-Amz-Credential", creds.access_key_id + "/" + credential_scope(date, scope));
  q.query.emplace_back("X-Amz-Date", date);
  q.query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  if (!creds.session_token.empty()) q.query.emplace_back("X-Amz-Security-Token", creds.session_token);
  q.query.emplace_back("X-Amz-SignedHeaders", canonical_headers(q.headers).signed_names);
  auto sig = signature(creds, scope, date, canonical_request(q));
  return canonical_query(q.query) + "&X-Amz-Signature=" + sig;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return to_hex(digest, sizeof digest);
}

sha256::sha256() { crypto_hash_sha256_init(&state_); }

void sha256::update(std::string_view data) {
  crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::string sha256::hex_digest() {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state_, digest);
  return to_hex(digest, sizeof digest);
}

}  // namespace tonearm::s3
