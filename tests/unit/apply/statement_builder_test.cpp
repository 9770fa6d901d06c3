#include "statement_builder.hpp"

#include <gtest/gtest.h>

namespace ferry::apply::pg {
namespace {

SchemaPtr keyed() {
    auto t = std::make_shared<TableSchema>();
    t->id = {"My Schema", "Order \"Items\""};
    t->columns = {{"id", "bigint", 20, true, false}, {"select", "text", 25, false, true}, {"big", "text", 25, false, true}};
    t->primary_key = {"id"};
    return t;
}

SchemaPtr full_row() {
    auto t = std::make_shared<TableSchema>();
    t->id = {"public", "log"};
    t->identity = Identity::FullRow;
    t->columns = {{"a", "integer", 23, true, true}, {"b", "json", 114, true, true}};
    return t;
}

TEST(StatementBuilder, InsertQuotesEveryIdentifierAndBindsValues) {
    RowChange c{Op::Insert, keyed(), {}, {std::string("1"), Null{}, std::string("x")}};
    auto s = build_row_statement(c);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value().sql,
              R"(INSERT INTO "My Schema"."Order ""Items""" ("id", "select", "big") VALUES ($1, $2, $3))");
    ASSERT_EQ(s.value().params.size(), 3U);
    EXPECT_EQ(s.value().params[0], "1");
    EXPECT_FALSE(s.value().params[1].has_value());
    EXPECT_FALSE(s.value().expects_one_row);
}

TEST(StatementBuilder, UpdateLeavesUnchangedToastAlone) {
    RowChange c{Op::Update, keyed(), {}, {std::string("1"), std::string("new"), Unchanged{}}};
    auto s = build_row_statement(c);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value().sql, R"(UPDATE "My Schema"."Order ""Items""" SET "id" = $1, "select" = $2 WHERE "id" = $3)");
    EXPECT_TRUE(s.value().expects_one_row);
    RowChange all{Op::Update, keyed(), {}, {std::string("1"), std::string("new"), std::string("b")}};
    EXPECT_NE(build_row_statement(all).value().cache_key, s.value().cache_key);
}

TEST(StatementBuilder, KeyChangeFindsRowByOldKey) {
    RowChange c{Op::Update, keyed(), {std::string("2"), Null{}, Null{}}, {std::string("3"), Null{}, Null{}}};
    auto s = build_row_statement(c);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value().params.back(), "2");
}

TEST(StatementBuilder, FullRowDeleteRemovesExactlyOneRow) {
    RowChange c{Op::Delete, full_row(), {std::string("1"), Null{}}, {}};
    auto s = build_row_statement(c);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value().sql,
              R"(DELETE FROM "public"."log" WHERE ctid = (SELECT ctid FROM "public"."log" WHERE "a"::text IS NOT DISTINCT FROM $1::text AND "b"::text IS NOT DISTINCT FROM $2::text LIMIT 1))");
    EXPECT_TRUE(s.value().expects_one_row);
}

TEST(StatementBuilder, FullRowUpdateNeedsOldRow) {
    RowChange c{Op::Update, full_row(), {}, {std::string("1"), Null{}}};
    EXPECT_FALSE(build_row_statement(c).ok());
}

TEST(StatementBuilder, TruncateListsAllTables) {
    RowChange a{Op::Truncate, keyed(), {}, {}};
    RowChange b{Op::Truncate, full_row(), {}, {}};
    b.truncate_restart_identity = true;
    EXPECT_EQ(build_truncate({&a, &b}), R"(TRUNCATE "My Schema"."Order ""Items""", "public"."log" RESTART IDENTITY)");
}

TEST(StatementBuilder, CopyRunsTakeWholeInsertsOfOneTable) {
    auto t = keyed();
    RowChange row{Op::Insert, t, {}, {std::string("1"), Null{}, std::string("tab\there")}};
    EXPECT_TRUE(is_copyable_insert(row, t.get()));
    EXPECT_FALSE(is_copyable_insert(row, full_row().get()));
    RowChange partial{Op::Insert, t, {}, {std::string("1"), Unchanged{}, Null{}}};
    EXPECT_FALSE(is_copyable_insert(partial, t.get()));
    EXPECT_EQ(build_copy_in(*t), R"(COPY "My Schema"."Order ""Items""" ("id", "select", "big") FROM STDIN)");
    std::string out;
    ASSERT_TRUE(append_copy_row(out, row).ok());
    EXPECT_EQ(out, "1\t\\N\ttab\\there\n");
}

TEST(StatementBuilder, ValueText) {
    EXPECT_EQ(value_text(Value{true}).value(), "t");
    EXPECT_EQ(value_text(Value{std::int64_t{-5}}).value(), "-5");
    EXPECT_EQ(value_text(Value{std::uint64_t{18446744073709551615ULL}}).value(), "18446744073709551615");
    EXPECT_EQ(value_text(Value{Bytes{std::byte{0xde}, std::byte{0x01}}}).value(), "\\xde01");
    EXPECT_FALSE(value_text(Value{Unchanged{}}).ok());
}

TEST(StatementBuilder, ConvergingChangesReplaceByKeyAndTolerateMissingRows) {
    RowChange insert{Op::Insert, keyed(), {}, {std::string("1"), Null{}, std::string("x")}};
    insert.converging = true;
    auto s = build_row_statement(insert);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value().sql, R"(INSERT INTO "My Schema"."Order ""Items""" ("id", "select", "big") VALUES ($1, $2, $3))"
                             R"( ON CONFLICT ("id") DO UPDATE SET "select" = EXCLUDED."select", "big" = EXCLUDED."big")");
    RowChange plain = insert;
    plain.converging = false;
    EXPECT_NE(s.value().cache_key, build_row_statement(plain).value().cache_key);
    EXPECT_FALSE(is_copyable_insert(insert, insert.table.get()));

    RowChange del{Op::Delete, keyed(), {std::string("1"), Null{}, Null{}}, {}};
    del.converging = true;
    auto d = build_row_statement(del);
    ASSERT_TRUE(d.ok());
    EXPECT_FALSE(d.value().expects_one_row);

    RowChange update{Op::Update, keyed(), {}, {std::string("1"), Null{}, std::string("x")}};
    update.converging = true;
    EXPECT_FALSE(build_row_statement(update).ok());
    RowChange keyless{Op::Insert, full_row(), {}, {std::string("1"), Null{}}};
    keyless.converging = true;
    EXPECT_FALSE(build_row_statement(keyless).ok());
}

}  // namespace
}  // namespace ferry::apply::pg
