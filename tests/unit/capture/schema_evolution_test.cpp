// A table's schema after ALTER TABLE statements, as the schema history follows them.
#include "schema_evolution.hpp"

#include <gtest/gtest.h>

namespace ferry::capture::mysql {
namespace {

TableSchema orders() {
    TableSchema t;
    t.id = {"shop", "orders"};
    t.engine = Engine::MySql;
    t.columns = {{"id", "int(11)", 0, true, false}, {"amount", "decimal(10,2)", 0, false, true},
                 {"note", "varchar(20)", 0, false, true}};
    t.primary_key = {"id"};
    return t;
}

Result<Evolution> alter(const TableSchema& t, std::string_view sql) {
    auto ops = parse_alter_table(sql, "shop");
    EXPECT_TRUE(ops.ok());
    return apply_alter(t, ops.value());
}

std::vector<std::string> names(const TableSchema& t) {
    std::vector<std::string> out;
    for (const auto& c : t.columns) {
        out.push_back(c.name + (c.is_key ? "*" : "") + " " + c.type_name);
    }
    return out;
}

TEST(SchemaEvolution, ColumnsMoveRenameRetypeAndDrop) {
    auto e = alter(orders(), "ALTER TABLE orders ADD flag bool FIRST, ADD tag varchar(5) AFTER id, DROP note, "
                             "CHANGE amount total decimal(12,2) NOT NULL AFTER flag, RENAME COLUMN tag TO label");
    ASSERT_TRUE(e.ok()) << e.status().message();
    EXPECT_EQ(names(e.value().table),
              (std::vector<std::string>{"flag tinyint(1)", "total decimal(12,2)", "id* int(11)", "label varchar(5)"}));
    EXPECT_FALSE(e.value().table.columns[1].is_nullable);
    using K = ColumnChange::Kind;
    EXPECT_EQ(e.value().changes, (std::vector<ColumnChange>{{K::Add, "flag", ""},
                                                            {K::Add, "tag", ""},
                                                            {K::Drop, "note", ""},
                                                            {K::Rename, "amount", "total"},
                                                            {K::Retype, "total", ""},
                                                            {K::Rename, "tag", "label"}}));
}

TEST(SchemaEvolution, PrimaryKeyFollowsItsColumns) {
    auto e = alter(orders(), "ALTER TABLE orders CHANGE id order_id bigint");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.value().table.primary_key, (std::vector<std::string>{"order_id"}));
    EXPECT_FALSE(e.value().table.columns[0].is_nullable);  // a key column stays NOT NULL
    e = alter(orders(), "ALTER TABLE orders DROP PRIMARY KEY");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.value().table.identity, Identity::FullRow);
    EXPECT_EQ(names(e.value().table),
              (std::vector<std::string>{"id* int(11)", "amount* decimal(10,2)", "note* varchar(20)"}));
    e = alter(e.value().table, "ALTER TABLE orders ADD PRIMARY KEY (note, id), ADD x int");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.value().table.identity, Identity::Key);
    EXPECT_EQ(names(e.value().table), (std::vector<std::string>{"id* int(11)", "amount decimal(10,2)",
                                                                "note* varchar(20)", "x int"}));
}

TEST(SchemaEvolution, AddedColumnsCarryWhatTheRowsAlreadyThereGet) {
    auto e = alter(orders(), "ALTER TABLE orders ADD a int NOT NULL, ADD b decimal(6,2) DEFAULT -1.5, "
                             "ADD c varchar(9) DEFAULT NULL, ADD d enum('x','y') NOT NULL");
    ASSERT_TRUE(e.ok()) << e.status().message();
    using K = ColumnChange::Kind;
    EXPECT_EQ(e.value().changes, (std::vector<ColumnChange>{{K::Add, "a", "", std::string("0")},
                                                            {K::Add, "b", "", std::string("-1.50")},
                                                            {K::Add, "c", "", Null{}},
                                                            {K::Add, "d", "", std::string("x")}}));
    EXPECT_FALSE(e.value().table.columns[3].is_nullable);
}

TEST(SchemaEvolution, WhatCannotBeFollowedSaysWhy) {
    for (const char* sql : {"ALTER TABLE orders DROP nope", "ALTER TABLE orders ADD id int",
                            "ALTER TABLE orders RENAME TO archive", "ALTER TABLE orders CONVERT TO CHARACTER SET latin1",
                            "ALTER TABLE orders ADD x int AFTER nope", "ALTER TABLE orders CHANGE note amount int",
                            // existing rows get values the statement does not state:
                            "ALTER TABLE orders ADD x datetime DEFAULT CURRENT_TIMESTAMP",
                            "ALTER TABLE orders ADD x int AUTO_INCREMENT",
                            "ALTER TABLE orders ADD x int AS (id + 1) VIRTUAL"}) {
        auto e = alter(orders(), sql);
        ASSERT_FALSE(e.ok()) << sql;
        EXPECT_EQ(e.status().code(), Errc::Unsupported);
    }
    auto nullable = alter(orders(), "ALTER TABLE orders ADD x int DEFAULT NULL COMMENT 'not null'");
    ASSERT_TRUE(nullable.ok()) << nullable.status().message();
    auto none = alter(orders(), "ALTER TABLE orders ADD INDEX (note), ALGORITHM=INSTANT");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none.value().changes.empty());
}

}  // namespace
}  // namespace ferry::capture::mysql
