// libpq settings added to the database URL so a dead or silent server cannot hang requests.
#include <gtest/gtest.h>

#include "tonearm/store/pg_pool.hpp"

namespace tonearm::store {
namespace {

const std::string all = "connect_timeout=3 tcp_user_timeout=10000 keepalives=1 keepalives_idle=30 "
                        "keepalives_interval=10 keepalives_count=3";

TEST(PgUrl, AUriBecomesKeyValueSettingsWithTheDefaults) {
  EXPECT_EQ(with_connection_defaults("postgresql://u@h:5/db"), "user='u' dbname='db' host='h' port='5' " + all);
  EXPECT_EQ(with_connection_defaults("postgres://h/db?sslmode=disable"),
            "dbname='db' host='h' sslmode='disable' " + all);
  EXPECT_EQ(with_connection_defaults("postgresql://h/db?"), "dbname='db' host='h' " + all) << "a bare '?'";
}

TEST(PgUrl, SettingsInTheUrlWinHoweverTheyAreWritten) {
  auto u = with_connection_defaults("host=h dbname=d connect_timeout = 30 keepalives=0");
  EXPECT_NE(u.find("connect_timeout='30'"), std::string::npos) << u;
  EXPECT_EQ(u.find("connect_timeout=3 "), std::string::npos) << u;
  EXPECT_NE(u.find("keepalives='0'"), std::string::npos) << u;
  EXPECT_NE(u.find("keepalives_idle=30"), std::string::npos) << u;
}

TEST(PgUrl, ValuesAreQuotedAndAPasswordCannotAddSettings) {
  auto u = with_connection_defaults("postgresql://u:p%27w%20keepalives%3D0@h/db");
  EXPECT_NE(u.find("password='p\\'w keepalives=0'"), std::string::npos) << u;
  EXPECT_NE(u.find(" keepalives=1"), std::string::npos) << u;
}

TEST(PgUrl, AServiceDecidesItsOwnSettings) {
  EXPECT_EQ(with_connection_defaults("service=tonearm dbname=d"), "service='tonearm' dbname='d'");
}

TEST(PgUrl, WhatLibpqCannotParseIsLeftForItToReport) {
  EXPECT_EQ(with_connection_defaults("postgresql://h/db?nonsense=1"), "postgresql://h/db?nonsense=1");
}

}  // namespace
}  // namespace tonearm::store
