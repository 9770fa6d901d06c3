// PostgreSQL values as Debezium's PostgreSQL connector writes them (JSON converter, schemas off).
#include <gtest/gtest.h>

#include "kafka/debezium_value.hpp"

namespace ferry::apply::kafka {
namespace {

Column column(std::uint32_t oid, std::string type) {
    Column c;
    c.name = "c";
    c.type_oid = oid;
    c.type_name = std::move(type);
    return c;
}

std::string json(const Column& c, const Value& v, ValueOptions options = {}) {
    std::string out;
    const Status st = append_json_value(pg_column_form(c), options, v, out);
    return st.ok() ? out : "error: " + st.message();
}

const ValueOptions kPrecise{DecimalHandling::Precise, TemporalHandling::IsoString};
const ValueOptions kEpoch{DecimalHandling::String, TemporalHandling::Epoch};

TEST(DebeziumValue, NumbersBooleansAndText) {
    EXPECT_EQ(json(column(20, "bigint"), std::string("-9223372036854775808")), "-9223372036854775808");
    EXPECT_EQ(json(column(23, "integer"), Null{}), "null");
    EXPECT_EQ(json(column(16, "boolean"), std::string("t")), "true");
    EXPECT_EQ(json(column(16, "boolean"), std::string("f")), "false");
    EXPECT_EQ(json(column(701, "double precision"), std::string("1.5e+20")), "1.5e+20");
    EXPECT_EQ(json(column(701, "double precision"), std::string("-0")), "-0");
    EXPECT_EQ(json(column(700, "real"), std::string("NaN")), "\"NaN\"");
    EXPECT_EQ(json(column(701, "double precision"), std::string("-Infinity")), "\"-Infinity\"");
    EXPECT_EQ(json(column(25, "text"), std::string("a \"q\"\n")), "\"a \\\"q\\\"\\n\"");
    EXPECT_EQ(json(column(3802, "jsonb"), std::string("{\"k\": 1}")), "\"{\\\"k\\\": 1}\"");
    EXPECT_EQ(json(column(17, "bytea"), std::string("\\x00ff10")), "\"AP8Q\"");
    EXPECT_EQ(json(column(25, "text"), Unchanged{}), "\"__debezium_unavailable_value\"");
    EXPECT_EQ(json(column(17, "bytea"), Unchanged{}), "\"X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==\"");
    EXPECT_NE(json(column(23, "integer"), std::string("12x")).find("error"), std::string::npos);
}

TEST(DebeziumValue, IntervalsAsIsoDurationsOrMicroseconds) {
    const Column iv = column(1186, "interval");
    EXPECT_EQ(json(iv, std::string("1 year 2 mons -3 days +04:05:06.7")), "\"P1Y2M-3DT4H5M6.7S\"");
    EXPECT_EQ(json(iv, std::string("00:00:00")), "\"P0Y0M0DT0H0M0S\"");
    EXPECT_EQ(json(iv, std::string("-1 days -00:00:00.5")), "\"P0Y0M-1DT0H0M-0.5S\"");
    EXPECT_EQ(json(iv, std::string("-100:30:01.000001")), "\"P0Y0M0DT-100H-30M-1.000001S\"");
    EXPECT_EQ(json(iv, std::string("3 days 01:00:00"), kEpoch), "262800000000");
    EXPECT_EQ(json(iv, std::string("1 mon"), kEpoch), "2629800000000");  // 30.4375 days
    EXPECT_EQ(json(column(1187, "interval[]"), std::string(R"({"1 day",NULL})")), R"(["P0Y0M1DT0H0M0S",null])");
    EXPECT_NE(json(iv, std::string("1 fortnight")).find("error"), std::string::npos);
}

TEST(DebeziumValue, ArraysHoldTheirElementsForms) {
    EXPECT_EQ(json(column(1007, "integer[]"), std::string("{1,NULL,3}")), "[1,null,3]");
    EXPECT_EQ(json(column(1007, "integer[]"), std::string("{{1,2},{3,4}}")), "[[1,2],[3,4]]");
    EXPECT_EQ(json(column(1007, "integer[]"), std::string("[0:1]={5,6}")), "[5,6]");
    EXPECT_EQ(json(column(1007, "integer[]"), std::string("{}")), "[]");
    EXPECT_EQ(json(column(1009, "text[]"), std::string(R"({"a b","c,d","e\"f",NULL})")), R"(["a b","c,d","e\"f",null])");
    EXPECT_EQ(json(column(1000, "boolean[]"), std::string("{t,f}")), "[true,false]");
    EXPECT_EQ(json(column(1231, "numeric(10,2)[]"), std::string("{1.50,NaN}")), R"(["1.50","NaN"])");
    EXPECT_EQ(json(column(1231, "numeric(10,2)[]"), std::string("{1.50}"), kPrecise), R"(["AJY="])");
    EXPECT_EQ(json(column(1001, "bytea[]"), std::string(R"({"\\x00ff"})")), R"(["AP8="])");
    EXPECT_EQ(json(column(1182, "date[]"), std::string("{1970-01-02}"), kEpoch), "[1]");
    EXPECT_EQ(json(column(16385, "mood[]"), std::string("{sad,ok}")), R"(["sad","ok"])");  // a user type: text
    EXPECT_NE(json(column(1007, "integer[]"), std::string("{1,2")).find("error"), std::string::npos);
    EXPECT_NE(json(column(1021, "real[]"), std::string("{1,x}")).find("error"), std::string::npos);
}

TEST(DebeziumValue, DecimalsAsStringsOrPrecise) {
    EXPECT_EQ(json(column(1700, "numeric(12,2)"), std::string("-12.50")), "\"-12.50\"");
    EXPECT_EQ(json(column(1700, "numeric"), std::string("NaN")), "\"NaN\"");
    // BigInteger.toByteArray of the unscaled value, base64: 1250 = 0x04E2, -1250 = 0xFB1E, 128 = 0x0080.
    EXPECT_EQ(json(column(1700, "numeric(12,2)"), std::string("12.50"), kPrecise), "\"BOI=\"");
    EXPECT_EQ(json(column(1700, "numeric(12,2)"), std::string("-12.50"), kPrecise), "\"+x4=\"");
    EXPECT_EQ(json(column(1700, "numeric(5,0)"), std::string("128"), kPrecise), "\"AIA=\"");
    EXPECT_EQ(json(column(1700, "numeric(5,0)"), std::string("-128"), kPrecise), "\"gA==\"");
    EXPECT_EQ(json(column(1700, "numeric(5,0)"), std::string("0"), kPrecise), "\"AA==\"");
    EXPECT_EQ(json(column(1700, "numeric"), std::string("-1.5"), kPrecise), "{\"scale\":1,\"value\":\"8Q==\"}");
    EXPECT_NE(json(column(1700, "numeric"), std::string("NaN"), kPrecise).find("decimals: string"), std::string::npos);
}

TEST(DebeziumValue, DatesAndTimesAsIsoOrEpoch) {
    EXPECT_EQ(json(column(1082, "date"), std::string("2024-02-29")), "\"2024-02-29\"");
    EXPECT_EQ(json(column(1082, "date"), std::string("2024-02-29"), kEpoch), "19782");
    EXPECT_EQ(json(column(1082, "date"), std::string("1969-12-31"), kEpoch), "-1");
    EXPECT_EQ(json(column(1082, "date"), std::string("infinity")), "\"infinity\"");
    EXPECT_NE(json(column(1082, "date"), std::string("infinity"), kEpoch).find("temporal: iso"), std::string::npos);
    // BC: ISO-8601 (and java.time) count 1 BC as year 0.
    EXPECT_EQ(json(column(1082, "date"), std::string("4713-01-01 BC")), "\"-4712-01-01\"");
    EXPECT_EQ(json(column(1082, "date"), std::string("0001-12-31 BC")), "\"0000-12-31\"");
    EXPECT_EQ(json(column(1082, "date"), std::string("0001-12-31 BC"), kEpoch), "-719163");
    EXPECT_EQ(json(column(1184, "timestamp with time zone"), std::string("0044-03-15 12:00:00+00 BC")),
              "\"-0043-03-15T12:00:00Z\"");
    EXPECT_EQ(json(column(1083, "time without time zone"), std::string("12:34:56.5")), "\"12:34:56.5\"");
    EXPECT_EQ(json(column(1083, "time without time zone"), std::string("24:00:00")), "\"24:00:00\"");
    EXPECT_EQ(json(column(1083, "time without time zone"), std::string("00:00:01.000250"), kEpoch), "1000250");
    EXPECT_EQ(json(column(1114, "timestamp without time zone"), std::string("2024-02-29 23:59:59.999999")),
              "\"2024-02-29T23:59:59.999999\"");
    EXPECT_EQ(json(column(1114, "timestamp without time zone"), std::string("1970-01-01 00:00:01.5"), kEpoch), "1500000");
    EXPECT_EQ(json(column(1184, "timestamp with time zone"), std::string("2024-02-29 12:00:00+00")),
              "\"2024-02-29T12:00:00Z\"");
    EXPECT_EQ(json(column(1184, "timestamp with time zone"), std::string("2024-03-01 01:30:00+02"), kEpoch),
              "\"2024-02-29T23:30:00Z\"");  // zoned forms stay text, in UTC
    EXPECT_EQ(json(column(1184, "timestamp with time zone"), std::string("12024-01-01 00:00:00+00")),
              "\"+12024-01-01T00:00:00Z\"");
    EXPECT_EQ(json(column(1266, "time with time zone"), std::string("01:00:00+05:30")), "\"19:30:00Z\"");
    EXPECT_NE(json(column(1114, "timestamp without time zone"), std::string("2024-02-30 00:00:00")).find("error"),
              std::string::npos);
}

}  // namespace
}  // namespace ferry::apply::kafka
