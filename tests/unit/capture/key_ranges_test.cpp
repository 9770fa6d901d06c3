// Key-range reads: which tables are ranged, the SQL of a range's bound, and the resume key's
// encoding (it comes back from the target, so anything malformed must be refused, never run).
#include "key_ranges.hpp"

#include "ferry/capture/mysql_capture.hpp"

#include <gtest/gtest.h>

namespace ferry::capture::mysql {
namespace {

TableSchema table(std::vector<Column> columns, std::vector<std::string> key) {
    TableSchema t;
    t.id = {"shop", "orders"};
    t.engine = Engine::MySql;
    t.columns = std::move(columns);
    t.primary_key = std::move(key);
    return t;
}

TEST(KeyRanges, RangedOnlyWithAPrimaryKeyOfComparableTypes) {
    EXPECT_FALSE(plan_key_ranges(table({{"a", "int(11)"}}, {})));
    EXPECT_FALSE(plan_key_ranges(table({{"f", "float"}}, {"f"})));
    EXPECT_FALSE(plan_key_ranges(table({{"e", "enum('x','y')"}}, {"e"})));
    EXPECT_FALSE(plan_key_ranges(table({{"b", "bit(8)"}}, {"b"})));
    const auto plan = plan_key_ranges(
        table({{"note", "text"}, {"region", "varchar(10)"}, {"id", "bigint(20) unsigned"}}, {"region", "id"}));
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->columns, (std::vector<std::size_t>{1, 2}));
    EXPECT_EQ(plan->literals, (std::vector<KeyRanges::Literal>{KeyRanges::Literal::Text, KeyRanges::Literal::Number}));
}

TEST(KeyRanges, ConditionWalksACompositeKeyInIndexOrder) {
    const auto t = table({{"region", "varchar(10)"}, {"id", "bigint(20)"}, {"at", "datetime(6)"}}, {"region", "id", "at"});
    const auto plan = plan_key_ranges(t);
    ASSERT_TRUE(plan);
    auto sql = after_key_condition(t, *plan, {"eu", "-42", "2024-01-02 03:04:05.000006"});
    ASSERT_TRUE(sql.ok()) << sql.status().message();
    EXPECT_EQ(sql.value(),
              "(`region` > _utf8mb4 X'6575') OR (`region` = _utf8mb4 X'6575' AND `id` > -42) OR "
              "(`region` = _utf8mb4 X'6575' AND `id` = -42 AND `at` > '2024-01-02 03:04:05.000006')");
    EXPECT_EQ(key_order(t, *plan), " ORDER BY `region`, `id`, `at`");
}

TEST(KeyRanges, BytesAndDecimalsAsLiterals) {
    const auto t = table({{"k", "varbinary(16)"}, {"d", "decimal(10,2)"}}, {"k", "d"});
    const auto plan = plan_key_ranges(t);
    ASSERT_TRUE(plan);
    auto sql = after_key_condition(t, *plan, {std::string("\0'\xff", 3), "12.50"});
    ASSERT_TRUE(sql.ok());
    EXPECT_EQ(sql.value(), "(`k` > X'0027ff') OR (`k` = X'0027ff' AND `d` > 12.50)");
}

TEST(KeyRanges, ValuesThatAreNotOfTheColumnsTypeAreRefused) {
    const auto ints = table({{"id", "int(11)"}}, {"id"});
    const auto dates = table({{"d", "date"}}, {"d"});
    for (const char* bad : {"1; DROP TABLE x", "", "-", "1.2.3", ".5", "1e9", "0x10"}) {
        EXPECT_FALSE(after_key_condition(ints, *plan_key_ranges(ints), {bad}).ok()) << bad;
    }
    EXPECT_FALSE(after_key_condition(dates, *plan_key_ranges(dates), {"2024-01-01' OR '1"}).ok());
    EXPECT_FALSE(after_key_condition(ints, *plan_key_ranges(ints), {"1", "2"}).ok());
}

TEST(KeyRanges, ResumeKeyRoundTripsAnyBytes) {
    const std::vector<std::string> key{"", std::string("a,b\0\n\xff", 6), "17"};
    const std::string encoded = encode_resume_key(key);
    EXPECT_EQ(encoded, ",612c62000aff,3137");
    auto decoded = decode_resume_key(encoded, 3);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded.value(), key);
    EXPECT_FALSE(decode_resume_key(encoded, 2).ok());
    for (const char* bad : {"6", "6g", "61,6", "zz", "61;DROP"}) {
        EXPECT_FALSE(decode_resume_key(bad, 1).ok()) << bad;
    }
}

TEST(BinlogFiles, BytesAfterAPositionAcrossFilesOrNoneWhenPurged) {
    BinlogFiles files;
    files.files = {{"binlog.000003", 1000}, {"binlog.000004", 500}, {"binlog.000005", 120}};
    EXPECT_EQ(binlog_bytes_after(files, {"binlog.000004", 400, ""}), 100U + 120U);
    EXPECT_EQ(binlog_bytes_after(files, {"binlog.000005", 120, ""}), 0U);
    EXPECT_FALSE(binlog_bytes_after(files, {"binlog.000002", 4, ""}).has_value());
}

}  // namespace
}  // namespace ferry::capture::mysql
