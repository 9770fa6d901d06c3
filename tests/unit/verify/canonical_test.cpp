// The canonical form: values as each engine prints them (recorded from MariaDB 10.11 and
// PostgreSQL 15 with the reading expressions verify uses) come out the same exactly when equal.
#include "canonical.hpp"

#include <gtest/gtest.h>

namespace ferry::verify {
namespace {

TableSchema table(Engine engine, std::vector<std::string> types) {
    TableSchema t;
    t.engine = engine;
    for (std::size_t i = 0; i < types.size(); ++i) {
        t.columns.push_back({"c" + std::to_string(i), types[i], 0, false, true});
    }
    return t;
}

TEST(Canonical, FormsFollowTheSourceColumnsTypes) {
    const auto my = canonical_forms(table(Engine::MySql, {"tinyint(1)", "tinyint(4)", "decimal(10,2)", "float", "double",
                                                          "bit(10)", "year(4)", "time(6)", "datetime(3)", "timestamp(6)",
                                                          "char(10)", "varbinary(10)", "json", "varchar(20)"}));
    EXPECT_EQ(my, (std::vector<Canon>{Canon::Boolean, Canon::AsIs, Canon::Decimal, Canon::Float4, Canon::Float8, Canon::Bits,
                                      Canon::Year, Canon::Time, Canon::Timestamp, Canon::TimestampUtc, Canon::PaddedChar,
                                      Canon::Bytes, Canon::Json, Canon::AsIs}));
    const auto pg = canonical_forms(table(Engine::Postgres, {"boolean", "numeric(20,5)", "real", "double precision",
                                                             "time without time zone", "time(3) with time zone",
                                                             "timestamp(3) without time zone", "timestamp with time zone",
                                                             "bit(8)", "bit varying(10)", "bytea", "jsonb", "character(5)",
                                                             "public.mood[]", "interval", "integer"}));
    EXPECT_EQ(pg, (std::vector<Canon>{Canon::Boolean, Canon::Decimal, Canon::Float4, Canon::Float8, Canon::Time, Canon::AsIs,
                                      Canon::Timestamp, Canon::TimestampUtc, Canon::Bits, Canon::AsIs, Canon::Bytes,
                                      Canon::Json, Canon::PaddedChar, Canon::Json, Canon::AsIs, Canon::AsIs}));
}

TEST(Canonical, EqualValuesMeetFromBothEngines) {
    const std::vector<std::tuple<Canon, std::string, std::string>> same = {
        {Canon::Boolean, "t", "1"},
        {Canon::Boolean, "f", "0"},
        {Canon::Decimal, "-0.05", "-0.05"},
        {Canon::Decimal, "-123456789.000000001", "-123456789.000000001000000000000000000000"},
        {Canon::Decimal, "12.00", "12"},
        {Canon::Decimal, "-0.000", "0"},
        {Canon::Float4, "1.6777216e+07", "16777216"},        // PostgreSQL real; MariaDB FLOAT as DOUBLE
        {Canon::Float4, "0.1", "0.10000000149011612"},
        {Canon::Float4, "-0", "0"},
        {Canon::Float8, "0.1", "0.1"},
        {Canon::Float8, "1e+300", "1e300"},
        {Canon::Time, "12:34:56.5", "12:34:56.500000"},
        {Canon::Time, "23:59:59", "23:59:59.000000"},
        {Canon::Timestamp, "2024-02-29 23:59:59.999", "2024-02-29 23:59:59.999000"},
        {Canon::TimestampUtc, "2038-01-19 03:14:07.999999+00", "2038-01-19 03:14:07.999999"},
        {Canon::TimestampUtc, "2026-11-25 08:00:00+00", "2026-11-25 08:00:00.000000"},
        {Canon::Year, "0", "0000"},
        {Canon::Year, "2024", "2024"},
        {Canon::Bits, "1000000001", "1000000001"},
        {Canon::Bits, "00010101", "10101"},
        {Canon::Bits, "00000000", "0"},
        {Canon::Bytes, "00ff10", "00FF10"},
        {Canon::Json, "{\"a\": [1, 2.50], \"b\": 1}", "{\"b\": 1, \"a\": [1, 2.50]}"},
        {Canon::Json, "{\"k\": 100}", "{\"k\":1e2}"},
        {Canon::Json, "[\"a b\",\"c,d\",\"e\\\"f\",null]", "[\"a b\", \"c,d\", \"e\\\"f\", null]"},
        {Canon::Json, "\"caf\\u00e9\"", "\"café\""},
        {Canon::PaddedChar, "ab   ", "ab"},
    };
    for (const auto& [form, a, b] : same) {
        EXPECT_EQ(canonical(form, a), canonical(form, b)) << a << " vs " << b;
    }
}

TEST(Canonical, DifferentValuesStayApart) {
    const std::vector<std::tuple<Canon, std::string, std::string>> apart = {
        {Canon::Boolean, "t", "0"},
        {Canon::Decimal, "1.5", "15"},
        {Canon::Decimal, "10", "1"},
        {Canon::Float4, "0.1", "0.2"},
        {Canon::Float8, "0.1", "0.10000000000000002"},
        {Canon::Time, "12:34:56.5", "12:34:56.05"},
        {Canon::Timestamp, "2024-01-01 10:00:00", "2024-01-01 10:00:00.000001"},
        {Canon::TimestampUtc, "2026-11-25 08:00:00+02", "2026-11-25 08:00:00"},
        {Canon::Bits, "10", "100"},
        {Canon::Bytes, "00ff", "ff"},
        {Canon::Json, "{\"a\": 1}", "{\"a\": \"1\"}"},
        {Canon::Json, "[1, 2]", "[2, 1]"},
        {Canon::PaddedChar, " ab", "ab"},
        {Canon::AsIs, "a", "A"},
    };
    for (const auto& [form, a, b] : apart) {
        EXPECT_NE(canonical(form, a), canonical(form, b)) << a << " vs " << b;
    }
}

TEST(Canonical, WhatDoesNotParseIsComparedAsItIs) {
    EXPECT_EQ(canonical(Canon::Float8, "Infinity"), canonical(Canon::Float8, "inf"));
    EXPECT_EQ(canonical(Canon::Float8, "NaN"), "NaN");
    EXPECT_EQ(canonical(Canon::Float8, "12abc"), "12abc");
    EXPECT_EQ(canonical(Canon::Json, "{not json"), "{not json");
    EXPECT_EQ(canonical(Canon::Timestamp, "infinity"), "infinity");
}

}  // namespace
}  // namespace ferry::verify
