// What the rows a table already has get when ADD COLUMN adds a column: read from the statement the
// way the server fills them, in the value forms the binlog decoder produces for the same values.
#include "column_fill.hpp"

#include <gtest/gtest.h>

namespace ferry::capture::mysql {
namespace {

// The fill of the one column `definition` adds ("x int NOT NULL"): its text, "NULL", or "error".
std::string fill(std::string_view definition) {
    auto ops = parse_alter_table("ALTER TABLE t ADD COLUMN " + std::string(definition), "shop");
    EXPECT_TRUE(ops.ok() && ops.value().size() == 1) << definition;
    if (!ops.ok() || ops.value().size() != 1) {
        return "unparsed";
    }
    auto f = added_column_fill(ops.value().front().definition);
    if (!f.ok()) {
        EXPECT_EQ(f.status().code(), Errc::Unsupported);
        EXPECT_FALSE(f.status().message().empty());
        return "error";
    }
    return f.value() ? *f.value() : "NULL";
}

TEST(ColumnFill, NullableColumnsWithoutDefaultGetNull) {
    EXPECT_EQ(fill("x int"), "NULL");
    EXPECT_EQ(fill("x int NULL DEFAULT NULL COMMENT 'not null'"), "NULL");
    EXPECT_EQ(fill("x varchar(5) CHARACTER SET latin1"), "NULL");
}

TEST(ColumnFill, ImplicitDefaultsOfNotNullColumns) {
    EXPECT_EQ(fill("x int NOT NULL"), "0");
    EXPECT_EQ(fill("x bigint unsigned NOT NULL"), "0");
    EXPECT_EQ(fill("x decimal(8,3) NOT NULL"), "0.000");
    EXPECT_EQ(fill("x double NOT NULL"), "0");
    EXPECT_EQ(fill("x varchar(10) NOT NULL"), "");
    EXPECT_EQ(fill("x binary(3) NOT NULL"), "\\x000000");
    EXPECT_EQ(fill("x blob NOT NULL"), "\\x");
    EXPECT_EQ(fill("x enum('b','a') NOT NULL"), "b");
    EXPECT_EQ(fill("x set('b','a') NOT NULL"), "");
    EXPECT_EQ(fill("x date NOT NULL"), "0000-00-00");
    EXPECT_EQ(fill("x datetime(3) NOT NULL"), "0000-00-00 00:00:00.000");
    EXPECT_EQ(fill("x time NOT NULL"), "00:00:00");
    EXPECT_EQ(fill("x year NOT NULL"), "0000");
    EXPECT_EQ(fill("x bit(4) NOT NULL"), "0000");
    EXPECT_EQ(fill("x timestamp NOT NULL"), "error");  // depends on explicit_defaults_for_timestamp
}

TEST(ColumnFill, LiteralDefaultsInTheDecodersForms) {
    EXPECT_EQ(fill("x int NOT NULL DEFAULT 42"), "42");
    EXPECT_EQ(fill("x int DEFAULT -007"), "-7");
    EXPECT_EQ(fill("x int DEFAULT '5'"), "5");
    EXPECT_EQ(fill("x tinyint(1) DEFAULT TRUE"), "1");
    EXPECT_EQ(fill("x bigint unsigned DEFAULT 18446744073709551615"), "18446744073709551615");
    EXPECT_EQ(fill("x decimal(10,2) DEFAULT 3"), "3.00");
    EXPECT_EQ(fill("x decimal(10,2) DEFAULT -0.5"), "-0.50");
    EXPECT_EQ(fill("x decimal(10,2) DEFAULT -0"), "0.00");
    EXPECT_EQ(fill("x decimal(10,2) DEFAULT .25"), "0.25");
    EXPECT_EQ(fill("x double DEFAULT 1.5e-3"), "0.0015");
    EXPECT_EQ(fill("x float DEFAULT 0.1"), "0.1");
    EXPECT_EQ(fill("x varchar(20) NOT NULL DEFAULT 'it''s \\\\ ok'"), "it's \\ ok");
    EXPECT_EQ(fill("x varchar(20) DEFAULT _utf8mb4'grüße'"), "grüße");
    EXPECT_EQ(fill("x char(5) DEFAULT 'ab  '"), "ab");
    EXPECT_EQ(fill("x varchar(20) DEFAULT 12.50"), "12.50");
    EXPECT_EQ(fill("x varbinary(4) DEFAULT x'0aFF'"), "\\x0aff");
    EXPECT_EQ(fill("x binary(2) DEFAULT 'a'"), "\\x6100");
    EXPECT_EQ(fill("x enum('small','large') DEFAULT 'LARGE'"), "large");
    EXPECT_EQ(fill("x enum('small','large') DEFAULT 2"), "large");
    EXPECT_EQ(fill("x set('a','b','c') DEFAULT 'c,a'"), "a,c");
    EXPECT_EQ(fill("x date DEFAULT '2024-02-29'"), "2024-02-29");
    EXPECT_EQ(fill("x datetime(2) DEFAULT '2024-02-29 13:05:00.5'"), "2024-02-29 13:05:00.50");
    EXPECT_EQ(fill("x datetime DEFAULT '2024-02-29'"), "2024-02-29 00:00:00");
    EXPECT_EQ(fill("x time(1) DEFAULT '-5:00:00'"), "-05:00:00.0");
    EXPECT_EQ(fill("x year DEFAULT 2024"), "2024");
    EXPECT_EQ(fill("x bit(5) DEFAULT b'101'"), "00101");
    EXPECT_EQ(fill("x bit(8) DEFAULT 5"), "00000101");
    EXPECT_EQ(fill("x int NOT NULL DEFAULT 1 AFTER id"), "1");
}

TEST(ColumnFill, WhatTheStatementDoesNotStateIsAnError) {
    for (const char* definition :
         {"x int AUTO_INCREMENT PRIMARY KEY", "x int AS (1) VIRTUAL", "x datetime DEFAULT CURRENT_TIMESTAMP",
          "x datetime(6) NOT NULL DEFAULT NOW(6)", "x int DEFAULT (1 + 1)", "x varchar(36) DEFAULT uuid()",
          "x timestamp NULL DEFAULT '2024-01-01 00:00:00'",  // read in the session's time zone
          "x int DEFAULT 1.5", "x decimal(5,1) DEFAULT 1.25", "x date DEFAULT '24-1-1'", "x year DEFAULT 24",
          "x enum('a') DEFAULT 'b'", "x set('a') DEFAULT 'a,b'", "x bit(2) DEFAULT b'111'",
          "x datetime DEFAULT '2024-01-01 00:00:00.5'", "x varchar(5) DEFAULT _latin1'\xe9'"}) {
        EXPECT_EQ(fill(definition), "error") << definition;
    }
}

}  // namespace
}  // namespace ferry::capture::mysql
