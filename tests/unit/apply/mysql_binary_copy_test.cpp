// MySQL value forms encoded as PostgreSQL binary COPY fields, checked byte by byte against the
// layouts of PostgreSQL's *_send functions (the integration tests check the same values at a real
// server, by snapshot against stream).
#include <gtest/gtest.h>

#include "mysql_binary_copy.hpp"

namespace ferry::apply::pg {
namespace {

using F = BinaryForm;

std::string hex(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        out += {kHex[u >> 4U], kHex[u & 15U]};
    }
    return out;
}

std::string encoded(F form, std::string_view text, ValueRule rule = ValueRule::AsIs) {
    std::string out;
    const Status st = append_binary_value(form, rule, text, out);
    return st.ok() ? hex(out) : "error: " + st.message();
}

bool refused(F form, std::string_view text, ValueRule rule = ValueRule::AsIs) {
    std::string out;
    return !append_binary_value(form, rule, text, out).ok();
}

TEST(MysqlBinaryCopy, Integers) {
    EXPECT_EQ(encoded(F::Int2, "-128"), "00000002" "ff80");
    EXPECT_EQ(encoded(F::Int2, "2024", ValueRule::Year), "00000002" "07e8");
    EXPECT_EQ(encoded(F::Int2, "0000", ValueRule::Year), "00000002" "0000");
    EXPECT_EQ(encoded(F::Int4, "4294967295"), "error: an integer value is not in the expected form");
    EXPECT_EQ(encoded(F::Int8, "-9223372036854775808"), "00000008" "8000000000000000");
    EXPECT_TRUE(refused(F::Int4, "12x"));
    EXPECT_TRUE(refused(F::Int4, ""));
}

TEST(MysqlBinaryCopy, NumericInBase10000Groups) {
    // ndigits, weight, sign, dscale, digits
    EXPECT_EQ(encoded(F::Numeric, "0"), "00000008" "0000" "0000" "0000" "0000");
    EXPECT_EQ(encoded(F::Numeric, "0.00"), "00000008" "0000" "0000" "0000" "0002");
    EXPECT_EQ(encoded(F::Numeric, "-0.00"), "00000008" "0000" "0000" "0000" "0002");
    EXPECT_EQ(encoded(F::Numeric, "-0.05"), "0000000a" "0001" "ffff" "4000" "0002" "01f4");
    EXPECT_EQ(encoded(F::Numeric, "12345.6789"), "0000000e" "0003" "0001" "0000" "0004" "0001" "0929" "1a85");
    EXPECT_EQ(encoded(F::Numeric, "10000"), "0000000a" "0001" "0001" "0000" "0000" "0001");
    EXPECT_EQ(encoded(F::Numeric, "0.00000001"), "0000000a" "0001" "fffe" "0000" "0008" "0001");
    EXPECT_EQ(encoded(F::Numeric, "18446744073709551615"),
              "00000012" "0005" "0004" "0000" "0000" "0734" "1a58" "02e1" "03bb" "064f");
    // DECIMAL(65,30) at its widest.
    const std::string widest = std::string(35, '9') + "." + std::string(30, '9');
    EXPECT_EQ(encoded(F::Numeric, widest).substr(8, 16), "0011" "0008" "0000" "001e");
    for (const char* bad : {"", "-", "1.", ".5", "1e5", "1.2.3", "--1"}) {
        EXPECT_TRUE(refused(F::Numeric, bad)) << bad;
    }
}

TEST(MysqlBinaryCopy, FloatsReadTheWayPostgresReadsTheirText) {
    EXPECT_EQ(encoded(F::Float8, "0.1"), "00000008" "3fb999999999999a");
    EXPECT_EQ(encoded(F::Float8, "-0"), "00000008" "8000000000000000");
    EXPECT_EQ(encoded(F::Float8, "1e+308"), "00000008" "7fe1ccf385ebc8a0");
    EXPECT_EQ(encoded(F::Float4, "1.6777216e+07"), "00000004" "4b800000");
    EXPECT_TRUE(refused(F::Float4, "0.1x"));
}

TEST(MysqlBinaryCopy, DatesAndTimesCountFrom2000) {
    EXPECT_EQ(encoded(F::Date, "2000-01-01", ValueRule::Date), "00000004" "00000000");
    EXPECT_EQ(encoded(F::Date, "1999-12-31", ValueRule::Date), "00000004" "ffffffff");
    EXPECT_EQ(encoded(F::Date, "2024-02-29", ValueRule::Date), "00000004" "00002279");
    EXPECT_EQ(encoded(F::Date, "1000-01-01", ValueRule::Date), "00000004" "fffa6d46");
    EXPECT_TRUE(refused(F::Date, "2023-02-29", ValueRule::Date));  // ALLOW_INVALID_DATES
    EXPECT_TRUE(refused(F::Date, "2024-00-10", ValueRule::Date));
    EXPECT_TRUE(refused(F::Date, "0000-00-00", ValueRule::Date));
    EXPECT_EQ(encoded(F::Time, "24:00:00", ValueRule::Time), "00000008" "000000141dd76000");
    EXPECT_EQ(encoded(F::Time, "12:34:56.5", ValueRule::Time), "00000008" "0000000a8be1bd20");
    EXPECT_TRUE(refused(F::Time, "-01:00:00", ValueRule::Time));
    EXPECT_TRUE(refused(F::Time, "100:00:00", ValueRule::Time));
    EXPECT_EQ(encoded(F::Timestamp, "2000-01-01 00:00:01.5", ValueRule::Timestamp), "00000008" "000000000016e360");
    EXPECT_EQ(encoded(F::TimestampTz, "1999-12-31 23:59:59.999999", ValueRule::TimestampUtc),
              "00000008" "ffffffffffffffff");
    EXPECT_TRUE(refused(F::Timestamp, "0000-00-00 00:00:00", ValueRule::Timestamp));
    EXPECT_TRUE(refused(F::Timestamp, "2024-01-01T00:00:00", ValueRule::Timestamp));
    EXPECT_TRUE(refused(F::Timestamp, "2024-01-01 00:00:00.1234567", ValueRule::Timestamp));
}

TEST(MysqlBinaryCopy, BooleansBitsBytesAndText) {
    EXPECT_EQ(encoded(F::Bool, "1", ValueRule::Boolean), "00000001" "01");
    EXPECT_EQ(encoded(F::Bool, "0", ValueRule::Boolean), "00000001" "00");
    EXPECT_TRUE(refused(F::Bool, "2", ValueRule::Boolean));
    EXPECT_EQ(encoded(F::Bit, "1000000001"), "00000006" "0000000a" "8040");
    EXPECT_EQ(encoded(F::Bit, "1"), "00000005" "00000001" "80");
    EXPECT_TRUE(refused(F::Bit, "102"));
    EXPECT_EQ(encoded(F::Bytea, "\\x00ff10"), "00000003" "00ff10");
    EXPECT_EQ(encoded(F::Bytea, "\\x"), "00000000");
    EXPECT_TRUE(refused(F::Bytea, "\\x0"));
    EXPECT_TRUE(refused(F::Bytea, "00"));
    EXPECT_EQ(encoded(F::Text, "é"), "00000002" "c3a9");
    EXPECT_EQ(encoded(F::Jsonb, "[1]"), "00000004" "01" "5b315d");
    EXPECT_EQ(encoded(F::Enum, "red", ValueRule::Enum), "00000003" "726564");
    EXPECT_TRUE(refused(F::Enum, "", ValueRule::Enum));
}

PgTranslation three_columns() {
    PgTranslation t;
    for (const char* name : {"id", "note", "at"}) {
        t.table.columns.push_back(Column{name, "", 0, false, true});
    }
    t.forms = {F::Int4, F::Text, F::Date};
    t.rules = {ValueRule::AsIs, ValueRule::AsIs, ValueRule::Date};
    return t;
}

TEST(MysqlBinaryCopy, RowsOfCopyTextBecomeTuples) {
    std::string out;
    ASSERT_TRUE(append_binary_rows(three_columns(), "7\ta\\tb\\\\\t\\N\n8\t\\N\t2000-01-02\n", out).ok());
    EXPECT_EQ(hex(out), "0003" "00000004" "00000007" "00000004" "6109625c" "ffffffff"
                        "0003" "00000004" "00000008" "ffffffff" "00000004" "00000001");
    std::string header;
    append_binary_copy_header(header);
    append_binary_copy_trailer(header);
    EXPECT_EQ(hex(header), "5047434f50590aff0d0a00" "00000000" "00000000" "ffff");
}

TEST(MysqlBinaryCopy, RowsWithTheWrongFieldCountOrABadValueAreRefusedNamingTheColumn) {
    std::string out;
    EXPECT_FALSE(append_binary_rows(three_columns(), "7\ta\n", out).ok());
    EXPECT_FALSE(append_binary_rows(three_columns(), "7\ta\t\\N\tx\n", out).ok());
    const Status st = append_binary_rows(three_columns(), "7\ta\t2024-02-30\n", out);
    EXPECT_NE(st.message().find("column at"), std::string::npos) << st.message();
    // Every prefix of a good row either encodes (a shorter last field) or is refused; none crashes.
    const std::string row = "7\ta\\tb\t2000-01-02\n";
    for (std::size_t n = 0; n <= row.size(); ++n) {
        out.clear();
        (void)append_binary_rows(three_columns(), row.substr(0, n), out).ok();
    }
}

}  // namespace
}  // namespace ferry::apply::pg
