// Configuration: file keys, environment overrides, one-line errors naming the key.
#include "tonearm/app/config.hpp"

#include <gtest/gtest.h>

namespace tonearm::app {
namespace {

TEST(Config, S3BackendDefaultsAndKeys) {
  auto c = load_config("", {});
  EXPECT_EQ(c.blob_backend, "local");
  EXPECT_EQ(c.s3_region, "us-east-1");
  EXPECT_EQ(c.s3_prefix, "blobs/");
  EXPECT_TRUE(c.s3_path_style);
  EXPECT_EQ(c.chunk_cache_dir, ".run/chunk-cache");
  EXPECT_EQ(c.chunk_cache_bytes, 4ULL << 30);
  EXPECT_EQ(c.s3_chunk_bytes, 1u << 20);
  c = load_config(R"({"blob_backend":"s3","s3_endpoint":"https://s3.eu-west-1.amazonaws.com","s3_region":"eu-west-1",
                      "s3_bucket":"my-audio","s3_prefix":"","s3_path_style":false,"s3_timeout_ms":3000,
                      "s3_access_key_id":"AKID","s3_secret_access_key":"secret","chunk_cache_bytes":1073741824,
                      "s3_chunk_bytes":2097152})",
                  {});
  EXPECT_EQ(c.blob_backend, "s3");
  EXPECT_EQ(c.s3_endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(c.s3_bucket, "my-audio");
  EXPECT_EQ(c.s3_prefix, "");
  EXPECT_FALSE(c.s3_path_style);
  EXPECT_EQ(c.s3_timeout, std::chrono::milliseconds(3000));
  EXPECT_EQ(c.chunk_cache_bytes, 1ULL << 30);
  EXPECT_EQ(c.s3_chunk_bytes, 2u << 20);
}

TEST(Config, S3CredentialsFromTheKeysElseTheStandardAwsVariables) {
  std::map<std::string, std::string> aws{{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                                         {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                         {"AWS_SESSION_TOKEN", "envtoken"}};
  auto c = load_config(R"({"blob_backend":"s3","s3_endpoint":"http://127.0.0.1:9000","s3_bucket":"b12"})", aws);
  EXPECT_EQ(c.s3_access_key_id, "AKIAENV");
  EXPECT_EQ(c.s3_secret_access_key, "envsecret");
  EXPECT_EQ(c.s3_session_token, "envtoken");
  aws["TONEARM_S3_ACCESS_KEY_ID"] = "AKIAKEY";
  aws["TONEARM_S3_SECRET_ACCESS_KEY"] = "keysecret";
  c = load_config(R"({"blob_backend":"s3","s3_endpoint":"http://127.0.0.1:9000","s3_bucket":"b12"})", aws);
  EXPECT_EQ(c.s3_access_key_id, "AKIAKEY");
  EXPECT_EQ(c.s3_secret_access_key, "keysecret");
}

TEST(Config, S3BackendRefusesWhatItCannotUseNamingTheKey) {
  auto message = [](const std::string& file, std::map<std::string, std::string> env = {}) {
    try {
      load_config(file, env);
    } catch (const config_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(R"({"blob_backend":"s4"})").find("blob_backend"), std::string::npos);
  EXPECT_NE(message(R"({"blob_backend":"s3","s3_bucket":"b12"})").find("s3_endpoint"), std::string::npos);
  EXPECT_NE(message(R"({"blob_backend":"s3","s3_endpoint":"http://h:1"})").find("s3_bucket"), std::string::npos);
  EXPECT_NE(message(R"({"blob_backend":"s3","s3_endpoint":"http://h:1","s3_bucket":"b12"})").find("credentials"),
            std::string::npos);
  for (const char* bad : {"ftp://h", "h:9000", "http://key:secret@h"})
    EXPECT_NE(message(std::string(R"({"s3_endpoint":")") + bad + "\"}").find("s3_endpoint"), std::string::npos) << bad;
  for (const char* bad : {"ab", "Upper", "-dash", "dot.", "under_score", "a b c"})
    EXPECT_NE(message(std::string(R"({"s3_bucket":")") + bad + "\"}").find("s3_bucket"), std::string::npos) << bad;
  EXPECT_NE(message(R"({"s3_prefix":"/blobs/"})").find("s3_prefix"), std::string::npos);
  EXPECT_NE(message(R"({"s3_chunk_bytes":1000})").find("s3_chunk_bytes"), std::string::npos);
  EXPECT_NE(message(R"({"blob_backend":"s3","s3_endpoint":"http://h:1","s3_bucket":"a.b","s3_path_style":false,
                        "s3_access_key_id":"k","s3_secret_access_key":"s"})")
                .find("s3_path_style"),
            std::string::npos);
  // A secret in a bad value is never echoed: credentials take any text.
  EXPECT_EQ(message(R"({"s3_secret_access_key":"any/thing+at=all"})"), "no error");
}

TEST(Config, DefaultsWithoutFileOrEnvironment) {
  auto c = load_config("", {});
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.log_level, "info");
}

TEST(Config, FileSetsKeys) {
  auto c = load_config(R"({"listen":"0.0.0.0:9000","threads":4,"redis_url":"redis://r:1/2"})", {});
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000);
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.redis_url, "redis://r:1/2");
}

TEST(Config, EnvironmentOverridesFile) {
  auto c = load_config(R"({"threads":4,"log_level":"warn"})",
                       {{"TONEARM_THREADS", "8"}, {"TONEARM_BLOB_DIR", "/data/blobs"}, {"PATH", "/bin"}});
  EXPECT_EQ(c.threads, 8);
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_EQ(c.blob_dir, "/data/blobs");
}

TEST(Config, BooleansFromFileOrEnvironment) {
  EXPECT_TRUE(load_config("", {}).anonymous_access);
  EXPECT_FALSE(load_config(R"({"anonymous_access":false})", {}).anonymous_access);
  EXPECT_FALSE(load_config("", {{"TONEARM_ANONYMOUS_ACCESS", "false"}}).anonymous_access);
  EXPECT_TRUE(load_config(R"({"anonymous_access":false})", {{"TONEARM_ANONYMOUS_ACCESS", "true"}}).anonymous_access);
  EXPECT_TRUE(load_config("", {}).sendfile);
  EXPECT_FALSE(load_config("", {{"TONEARM_SENDFILE", "false"}}).sendfile);
  EXPECT_THROW(load_config("", {{"TONEARM_ANONYMOUS_ACCESS", "yes"}}), config_error);
}

TEST(Config, AccountKeys) {
  auto c = load_config(R"({"session_ttl_seconds":3600,"playlist_max_items":500})",
                       {{"TONEARM_LOGIN_ATTEMPTS_PER_USER", "3"}, {"TONEARM_PASSWORD_HASH_MEMORY_KIB", "19456"}});
  EXPECT_EQ(c.session_ttl, std::chrono::seconds(3600));
  EXPECT_EQ(c.playlist_max_items, 500);
  EXPECT_EQ(c.login_attempts_per_user, 3);
  EXPECT_EQ(c.password_hash_memory_kib, 19456u);
  EXPECT_THROW(load_config("", {{"TONEARM_SESSION_TTL_SECONDS", "10"}}), config_error);  // under a minute
}

TEST(Config, StreamChunkBytesIsBounded) {
  EXPECT_EQ(load_config("", {}).stream_chunk_bytes, 57344u);
  EXPECT_EQ(load_config(R"({"stream_chunk_bytes":32768})", {}).stream_chunk_bytes, 32768u);
  EXPECT_THROW(load_config("", {{"TONEARM_STREAM_CHUNK_BYTES", "100"}}), config_error);  // under 4 KiB
  EXPECT_THROW(load_config("", {{"TONEARM_STREAM_CHUNK_BYTES", "1073741824"}}), config_error);
}

TEST(Config, SongDirectoryTtlIsDaysByDefaultAndZeroTurnsItOff) {
  EXPECT_EQ(load_config("", {}).song_directory_ttl, std::chrono::seconds(30 * 86400));
  EXPECT_EQ(load_config("", {{"TONEARM_SONG_DIRECTORY_TTL_SECONDS", "0"}}).song_directory_ttl.count(), 0);
  EXPECT_THROW(load_config(R"({"song_directory_ttl_seconds":-1})", {}), config_error);
}

TEST(Config, TimeoutsAreMilliseconds) {
  auto c = load_config("", {{"TONEARM_HEADER_TIMEOUT_MS", "250"}});
  EXPECT_EQ(c.header_timeout, std::chrono::milliseconds(250));
}

TEST(Config, BracketedIpv6Listen) {
  auto c = load_config("", {{"TONEARM_LISTEN", "[::1]:8081"}});
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 8081);
}

TEST(Config, MetricsListenIsOffByDefaultAndTakesHostPort) {
  auto none = load_config("", {});
  EXPECT_TRUE(none.metrics_host.empty());
  auto c = load_config(R"({"metrics_listen":"0.0.0.0:9464"})", {});
  EXPECT_EQ(c.metrics_host, "0.0.0.0");
  EXPECT_EQ(c.metrics_port, 9464);
  auto env = load_config(R"({"metrics_listen":"0.0.0.0:9464"})", {{"TONEARM_METRICS_LISTEN", ""}});
  EXPECT_TRUE(env.metrics_host.empty()) << "an empty override turns it off";
  EXPECT_THROW(load_config("", {{"TONEARM_METRICS_LISTEN", "9464"}}), config_error);
}

std::string error_of(const std::string& file, const std::map<std::string, std::string>& env) {
  try {
    load_config(file, env);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

TEST(Config, BadEnvironmentValueNamesKeyAndVariable) {
  auto msg = error_of("", {{"TONEARM_THREADS", "abc"}});
  EXPECT_NE(msg.find("'threads'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("TONEARM_THREADS"), std::string::npos) << msg;
  EXPECT_NE(msg.find("abc"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
}

TEST(Config, OutOfRangeAndMalformedValuesAreRefused) {
  EXPECT_NE(error_of("", {{"TONEARM_THREADS", "0"}}), "");
  EXPECT_NE(error_of("", {{"TONEARM_LISTEN", "8080"}}), "");
  EXPECT_NE(error_of("", {{"TONEARM_LISTEN", "host:99999"}}), "");
  EXPECT_NE(error_of("", {{"TONEARM_REDIS_URL", "http://x"}}), "");
  EXPECT_NE(error_of("", {{"TONEARM_DATABASE_URL", "mysql://x"}}), "");
  EXPECT_NE(error_of("", {{"TONEARM_LOG_LEVEL", "loud"}}), "");
  EXPECT_NE(error_of("", {{"TONEARM_DB_POOL_SIZE", "12x"}}), "");
}

TEST(Config, BadFileValueNamesKey) {
  auto msg = error_of(R"({"db_pool_size": -3})", {});
  EXPECT_NE(msg.find("'db_pool_size'"), std::string::npos) << msg;
  EXPECT_NE(error_of(R"({"threads": true})", {}).find("'threads'"), std::string::npos);
}

TEST(Config, UnknownKeysAreErrorsNotIgnored) {
  EXPECT_NE(error_of(R"({"thread": 2})", {}).find("'thread'"), std::string::npos);
  EXPECT_NE(error_of("", {{"TONEARM_THREAD", "2"}}).find("TONEARM_THREAD"), std::string::npos);
}

TEST(Config, InvalidJsonIsAClearError) { EXPECT_NE(error_of("{not json", {}).find("JSON"), std::string::npos); }

TEST(Config, EnvNameIsUpperCasePrefixed) { EXPECT_EQ(env_name("db_pool_size"), "TONEARM_DB_POOL_SIZE"); }

}  // namespace
}  // namespace tonearm::app

namespace tonearm::app {
namespace {

// Found by the fuzzer: 1e400 escaped as nlohmann's out_of_range, not config_error,
// and a huge unsigned number wrapped to a negative one.
TEST(Config, NumbersOutOfRangeAreConfigErrors) {
  EXPECT_THROW(load_config(R"({"threads":1e400})", {}), config_error);
  EXPECT_THROW(load_config(R"({"threads":18446744073709551615})", {}), config_error);
  EXPECT_THROW(load_config(R"({"threads":9223372036854775808})", {}), config_error);
}

}  // namespace
}  // namespace tonearm::app
