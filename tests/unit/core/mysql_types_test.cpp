#include <gtest/gtest.h>

#include "ferry/core/mysql_types.hpp"

namespace ferry {
namespace {

using Kind = MysqlType::Kind;

TEST(MysqlTypes, ParsesColumnTypes) {
    auto t = parse_mysql_type("bigint(20) unsigned");
    EXPECT_EQ(t.kind, Kind::BigInt);
    EXPECT_TRUE(t.is_unsigned);
    t = parse_mysql_type("tinyint(1)");
    EXPECT_EQ(t.kind, Kind::TinyInt);
    EXPECT_EQ(t.length, 1U);
    t = parse_mysql_type("decimal(65,30)");
    EXPECT_EQ(t.precision, 65U);
    EXPECT_EQ(t.scale, 30U);
    t = parse_mysql_type("datetime(6)");
    EXPECT_EQ(t.kind, Kind::DateTime);
    EXPECT_EQ(t.scale, 6U);
    t = parse_mysql_type("enum('a','b''c','d\\\\e')");
    EXPECT_EQ(t.kind, Kind::Enum);
    EXPECT_EQ(t.labels, (std::vector<std::string>{"a", "b'c", "d\\e"}));
    EXPECT_EQ(parse_mysql_type("longtext").kind, Kind::Text);
    EXPECT_EQ(parse_mysql_type("varbinary(10)").length, 10U);
    EXPECT_EQ(parse_mysql_type("point").kind, Kind::Other);
    EXPECT_EQ(format_mysql_type(parse_mysql_type("enum('a','b''c')")), "enum('a','b''c')");
    EXPECT_EQ(format_mysql_type(parse_mysql_type("int(10) unsigned")), "int(10) unsigned");
}

}  // namespace
}  // namespace ferry
