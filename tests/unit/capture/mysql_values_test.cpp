#include <gtest/gtest.h>

#include "mysql_values.hpp"

namespace ferry::capture::mysql {
namespace {

TEST(MysqlValues, FloatsAreShortestExact) {
    EXPECT_EQ(format_float(0.1F), "0.1");
    EXPECT_EQ(format_float(16777217.0F), "16777216");
    EXPECT_EQ(format_double(0.30000000000000004), "0.30000000000000004");
    EXPECT_EQ(float_from_server_text("0.10000000149011612").value(), "0.1");
    EXPECT_EQ(double_from_server_text("1e308").value(), "1e+308");
    EXPECT_FALSE(double_from_server_text("abc").ok());
}

TEST(MysqlValues, CivilTimeFromUnix) {
    EXPECT_EQ(format_datetime(civil_from_unix(0, 0), 0), "0000-00-00 00:00:00");
    EXPECT_EQ(format_datetime(civil_from_unix(1, 0), 0), "1970-01-01 00:00:01");
    EXPECT_EQ(format_datetime(civil_from_unix(2147483647, 999999), 6), "2038-01-19 03:14:07.999999");
    EXPECT_EQ(format_datetime(civil_from_unix(951782400, 0), 0), "2000-02-29 00:00:00");
    EXPECT_EQ(format_datetime(civil_from_unix(1704157445, 500000), 1), "2024-01-02 01:04:05.5");
}

TEST(MysqlValues, BitsHexAndLatin1) {
    EXPECT_EQ(format_bits(std::string("\x02\x01", 2), 10), "1000000001");
    EXPECT_EQ(format_bits(std::string("\x00", 1), 1), "0");
    EXPECT_EQ(hex_bytes(std::string("\x00\xff", 2)), "\\x00ff");
    EXPECT_EQ(latin1_to_utf8("a\x81\xff"), "a\xC2\x81\xC3\xBF");
}

TEST(MysqlValues, DecimalRejectsWrongSizes) {
    EXPECT_EQ(decimal_binary_size(10, 2), 5U);
    EXPECT_EQ(decimal_binary_size(65, 30), 30U);
    EXPECT_FALSE(decode_decimal("abc", 10, 2).ok());
    EXPECT_FALSE(decode_decimal("", 0, 0).ok());
}

}  // namespace
}  // namespace ferry::capture::mysql
