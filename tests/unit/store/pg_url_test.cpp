// libpq settings added to the database URL so a dead or silent server cannot hang requests.
#include <gtest/gtest.h>

#include "tonearm/store/pg_pool.hpp"

namespace tonearm::store {
namespace {

const std::string all = "connect_timeout=3&tcp_user_timeout=10000&keepalives=1&keepalives_idle=30&"
                        "keepalives_interval=10&keepalives_count=3";

TEST(PgUrl, DefaultsAreAddedToAUri) {
  EXPECT_EQ(with_connection_defaults("postgresql://u@h:5/db"), "postgresql://u@h:5/db?" + all);
  EXPECT_EQ(with_connection_defaults("postgres://h/db?sslmode=disable"), "postgres://h/db?sslmode=disable&" + all);
}

TEST(PgUrl, SettingsInTheUrlWin) {
  auto u = with_connection_defaults("postgresql://h/db?connect_timeout=10&keepalives=0");
  EXPECT_NE(u.find("connect_timeout=10"), std::string::npos);
  EXPECT_EQ(u.find("connect_timeout=3"), std::string::npos);
  EXPECT_NE(u.find("keepalives=0"), std::string::npos);
  EXPECT_EQ(u.find("keepalives=1"), std::string::npos);
  EXPECT_NE(u.find("keepalives_idle=30"), std::string::npos);
}

TEST(PgUrl, KeyValueSettingsGetSpaceSeparatedDefaults) {
  EXPECT_EQ(with_connection_defaults("host=h dbname=d connect_timeout=7"),
            "host=h dbname=d connect_timeout=7 tcp_user_timeout=10000 keepalives=1 keepalives_idle=30 "
            "keepalives_interval=10 keepalives_count=3");
}

}  // namespace
}  // namespace tonearm::store
