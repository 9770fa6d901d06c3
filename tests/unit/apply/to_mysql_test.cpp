// MySQL/MariaDB targets without a server: the type mapping, value conversions, PostgreSQL arrays as
// JSON, and the statements built for each change.
#include <gtest/gtest.h>

#include "sql_builder.hpp"
#include "to_mysql.hpp"

namespace ferry::apply::mysql {
namespace {

TableSchema pg_table(std::vector<std::pair<std::string, std::string>> columns, std::vector<std::string> key) {
    TableSchema t;
    t.id = {"app", "t"};
    t.engine = Engine::Postgres;
    for (auto& [name, type] : columns) {
        Column c;
        c.name = name;
        c.type_name = type;
        c.is_key = std::find(key.begin(), key.end(), name) != key.end();
        t.columns.push_back(c);
    }
    t.primary_key = key;
    t.identity = key.empty() ? Identity::FullRow : Identity::Key;
    return t;
}

std::string mapped(const std::string& pg_type, bool key = false) {
    auto t = translate_table(pg_table({{"c", pg_type}}, key ? std::vector<std::string>{"c"} : std::vector<std::string>{}),
                             {}, TargetFlavor{});
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.value().table.columns[0].type_name;
}

TEST(PgToMysqlTypes, EveryMappedType) {
    EXPECT_EQ(mapped("smallint"), "SMALLINT");
    EXPECT_EQ(mapped("integer"), "INT");
    EXPECT_EQ(mapped("bigint"), "BIGINT");
    EXPECT_EQ(mapped("boolean"), "TINYINT(1)");
    EXPECT_EQ(mapped("numeric"), "DECIMAL(65,30)");
    EXPECT_EQ(mapped("numeric(12,2)"), "DECIMAL(12,2)");
    EXPECT_EQ(mapped("numeric(100,40)"), "DECIMAL(65,30)");
    EXPECT_EQ(mapped("real"), "FLOAT");
    EXPECT_EQ(mapped("double precision"), "DOUBLE");
    EXPECT_EQ(mapped("text"), "LONGTEXT");
    EXPECT_EQ(mapped("text", true), "VARCHAR(768)");
    EXPECT_EQ(mapped("character varying(20)"), "VARCHAR(20)");
    EXPECT_EQ(mapped("character varying(1000)"), "TEXT");
    EXPECT_EQ(mapped("character varying(1000)", true), "VARCHAR(768)");
    EXPECT_EQ(mapped("character(5)"), "CHAR(5)");
    EXPECT_EQ(mapped("bytea"), "LONGBLOB");
    EXPECT_EQ(mapped("bytea", true), "VARBINARY(3072)");
    EXPECT_EQ(mapped("date"), "DATE");
    EXPECT_EQ(mapped("timestamp without time zone"), "DATETIME(6)");
    EXPECT_EQ(mapped("timestamp(3) with time zone"), "DATETIME(3)");
    EXPECT_EQ(mapped("time without time zone"), "TIME(6)");
    EXPECT_EQ(mapped("time(2) without time zone"), "TIME(2)");
    EXPECT_EQ(mapped("time with time zone"), "VARCHAR(32)");
    EXPECT_EQ(mapped("interval"), "VARCHAR(255)");
    EXPECT_EQ(mapped("uuid"), "UUID");
    EXPECT_EQ(mapped("jsonb"), "JSON");
    EXPECT_EQ(mapped("integer[]"), "JSON");
    EXPECT_EQ(mapped("bit(8)"), "BIT(8)");
    EXPECT_EQ(mapped("bit(100)"), "VARCHAR(100)");
    EXPECT_EQ(mapped("bit varying(10)"), "VARCHAR(10)");
    EXPECT_EQ(mapped("inet"), "LONGTEXT");
    auto old = translate_table(pg_table({{"u", "uuid"}}, {}), {}, TargetFlavor{false});
    EXPECT_EQ(old.value().table.columns[0].type_name, "CHAR(36)");
}

TEST(PgToMysqlTypes, UserEnumsAndDomains) {
    UserType mood{"public", "mood", UserType::Kind::Enum, {"sad", "it's ok"}, "", false, {}};
    UserType positive{"public", "positive", UserType::Kind::Domain, {}, "integer", false, {}};
    auto t = translate_table(pg_table({{"m", "public.mood"}, {"p", "public.positive"}}, {}), {mood, positive}, {});
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.value().table.columns[0].type_name, "ENUM('sad','it''s ok')");
    EXPECT_EQ(t.value().table.columns[1].type_name, "INT");
}

Status convert(ValueRule rule, std::string& v, unsigned precision = 0, unsigned scale = 0) {
    ColumnRule r;
    r.rule = rule;
    r.precision = precision;
    r.scale = scale;
    return convert_value(r, v);
}

TEST(PgToMysqlValues, ExactOrAnError) {
    std::string v = "t";
    EXPECT_TRUE(convert(ValueRule::PgBoolean, v).ok());
    EXPECT_EQ(v, "1");
    v = "\\x00ff";
    EXPECT_TRUE(convert(ValueRule::HexToBytes, v).ok());
    EXPECT_EQ(v, std::string("\0\xff", 2));
    v = "0101";
    EXPECT_TRUE(convert(ValueRule::BitsToNumber, v).ok());
    EXPECT_EQ(v, "5");
    v = "2026-11-25 10:00:00.5+00";
    EXPECT_TRUE(convert(ValueRule::PgTimestampUtc, v).ok());
    EXPECT_EQ(v, "2026-11-25 10:00:00.5");
    v = "-1234.5600";
    EXPECT_TRUE(convert(ValueRule::PgNumeric, v, 6, 2).ok());
    for (std::string bad : {"NaN", "Infinity", "12345.6", "1.234"}) {
        EXPECT_EQ(convert(ValueRule::PgNumeric, bad, 6, 2).code(), Errc::Unsupported) << bad;
    }
    for (std::string bad : {"NaN", "-Infinity"}) {
        EXPECT_EQ(convert(ValueRule::PgFloat, bad).code(), Errc::Unsupported) << bad;
    }
    for (std::string bad : {"infinity", "0044-03-15 BC", "10000-01-01", "0000-01-01"}) {
        EXPECT_EQ(convert(ValueRule::PgDate, bad).code(), Errc::Unsupported) << bad;
    }
    std::string offset = "2026-11-25 10:00:00+02";
    EXPECT_EQ(convert(ValueRule::PgTimestampUtc, offset).code(), Errc::Unsupported);
    std::string odd_hex = "\\x0";
    EXPECT_FALSE(convert(ValueRule::HexToBytes, odd_hex).ok());
}

TEST(PgArrayJson, NestingQuotingNullsAndElementKinds) {
    EXPECT_EQ(pg_array_to_json("{1,NULL,3}", ArrayElement::Number).value(), "[1,null,3]");
    EXPECT_EQ(pg_array_to_json("{{1,2},{3,4}}", ArrayElement::Number).value(), "[[1,2],[3,4]]");
    EXPECT_EQ(pg_array_to_json("{}", ArrayElement::Number).value(), "[]");
    EXPECT_EQ(pg_array_to_json("{NaN,1.5e+10}", ArrayElement::Number).value(), "[\"NaN\",1.5e+10]");
    EXPECT_EQ(pg_array_to_json(R"({"a b","c,d","e\"f",NULL,"NULL"})", ArrayElement::String).value(),
              R"(["a b","c,d","e\"f",null,"NULL"])");
    EXPECT_EQ(pg_array_to_json("{t,f}", ArrayElement::Boolean).value(), "[true,false]");
    EXPECT_EQ(pg_array_to_json(R"({"{\"a\": 1}"})", ArrayElement::Json).value(), R"([{"a": 1}])");
    EXPECT_EQ(pg_array_to_json("[0:1]={x,y}", ArrayElement::String).value(), R"(["x","y"])");
    EXPECT_EQ(pg_array_to_json("{\"tab\there\"}", ArrayElement::String).value(), "[\"tab\\there\"]");
    for (const char* bad : {"", "{1,2", "{1,}", "1,2", "{\"open}", "{1}x"}) {
        EXPECT_FALSE(pg_array_to_json(bad, ArrayElement::Number).ok()) << bad;
    }
}

RowChange change(const SchemaPtr& t, Op op, std::vector<Value> before, std::vector<Value> after) {
    RowChange c;
    c.op = op;
    c.table = t;
    c.before = std::move(before);
    c.after = std::move(after);
    return c;
}

TEST(MysqlStatements, InsertUpsertsUpdateAndDeleteFindTheRowByKey) {
    auto t = translate_table(pg_table({{"id", "integer"}, {"b", "bit(4)"}, {"v", "bytea"}}, {"id"}), {}, {}).value();
    auto schema = std::make_shared<TableSchema>(t.table);
    auto ins = build_row_statement(t, change(schema, Op::Insert, {}, {std::string("1"), std::string("0101"), Null{}}));
    EXPECT_EQ(ins.sql, "INSERT INTO `app`.`t` (`id`, `b`, `v`) VALUES (?, CAST(? AS UNSIGNED), ?) "
                       "ON DUPLICATE KEY UPDATE `b` = VALUES(`b`), `v` = VALUES(`v`)");
    EXPECT_EQ(ins.kinds, (std::vector<my::BindAs>{my::BindAs::Text, my::BindAs::Text, my::BindAs::Bytes}));
    auto values = statement_values(t, ins, change(schema, Op::Insert, {}, {std::string("1"), std::string("0101"), Null{}}));
    ASSERT_TRUE(values.ok());
    EXPECT_EQ(values.value(), (std::vector<std::optional<std::string>>{"1", "5", std::nullopt}));
    auto upd = build_row_statement(t, change(schema, Op::Update, {std::string("1"), Null{}, Null{}},
                                             {std::string("2"), std::string("1"), Unchanged{}}));
    EXPECT_EQ(upd.sql, "UPDATE `app`.`t` SET `id` = ?, `b` = CAST(? AS UNSIGNED) WHERE `id` = ?");
    EXPECT_TRUE(upd.must_match);
    auto del = build_row_statement(t, change(schema, Op::Delete, {std::string("2"), Null{}, Null{}}, {}));
    EXPECT_EQ(del.sql, "DELETE FROM `app`.`t` WHERE `id` = ?");
    EXPECT_FALSE(del.must_match);
}

TEST(MysqlStatements, KeylessRowsAreFoundByEveryColumnNullSafeOneAtATime) {
    auto t = translate_table(pg_table({{"a", "integer"}, {"f", "real"}}, {}), {}, {}).value();
    auto schema = std::make_shared<TableSchema>(t.table);
    auto ins = build_row_statement(t, change(schema, Op::Insert, {}, {std::string("1"), Null{}}));
    EXPECT_EQ(ins.sql, "INSERT INTO `app`.`t` (`a`, `f`) VALUES (?, ?)");
    auto del = build_row_statement(t, change(schema, Op::Delete, {std::string("1"), std::string("0.1")}, {}));
    EXPECT_EQ(del.sql, "DELETE FROM `app`.`t` WHERE `a` <=> ? AND `f` <=> CAST(? AS FLOAT) LIMIT 1");
    EXPECT_EQ(build_create_table(t.table),
              "CREATE TABLE IF NOT EXISTS `app`.`t` (`a` INT NULL, `f` FLOAT NULL) ENGINE=InnoDB DEFAULT "
              "CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
}

TEST(MysqlStatements, ValueErrorsNameTableAndColumn) {
    auto t = translate_table(pg_table({{"id", "integer"}, {"n", "numeric(4,1)"}}, {"id"}), {}, {}).value();
    auto schema = std::make_shared<TableSchema>(t.table);
    auto c = change(schema, Op::Insert, {}, {std::string("1"), std::string("NaN")});
    auto values = statement_values(t, build_row_statement(t, c), c);
    ASSERT_FALSE(values.ok());
    EXPECT_NE(values.status().message().find("app.t column n"), std::string::npos) << values.status().message();
}

}  // namespace
}  // namespace ferry::apply::mysql
