// Reading what an ALTER TABLE does to a table's columns, from the statement's text.
#include "alter_table.hpp"

#include <gtest/gtest.h>

namespace ferry::capture::mysql {
namespace {

using Kind = AlterOp::Kind;
using Place = AlterOp::Place;

std::vector<AlterOp> ops(std::string_view sql) {
    auto parsed = parse_alter_table(sql, "shop");
    EXPECT_TRUE(parsed.ok()) << sql;
    return parsed.ok() ? parsed.value() : std::vector<AlterOp>{};
}

TEST(AlterTable, ColumnTypesInColumnTypeSpelling) {
    EXPECT_EQ(column_type_from_ddl("INT"), "int");
    EXPECT_EQ(column_type_from_ddl("INTEGER(11) UNSIGNED"), "int(11) unsigned");
    EXPECT_EQ(column_type_from_ddl("int zerofill"), "int unsigned zerofill");
    EXPECT_EQ(column_type_from_ddl("BOOL"), "tinyint(1)");
    EXPECT_EQ(column_type_from_ddl("DECIMAL"), "decimal(10,0)");
    EXPECT_EQ(column_type_from_ddl("NUMERIC(7)"), "decimal(7,0)");
    EXPECT_EQ(column_type_from_ddl("dec(65, 30)"), "decimal(65,30)");
    EXPECT_EQ(column_type_from_ddl("FLOAT(30)"), "double");
    EXPECT_EQ(column_type_from_ddl("DOUBLE PRECISION"), "double");
    EXPECT_EQ(column_type_from_ddl("CHAR"), "char(1)");
    EXPECT_EQ(column_type_from_ddl("CHARACTER VARYING(20) CHARACTER SET latin1 COLLATE latin1_bin"), "varchar(20)");
    EXPECT_EQ(column_type_from_ddl("DATETIME(6)"), "datetime(6)");
    EXPECT_EQ(column_type_from_ddl("BLOB(1000)"), "blob");
    EXPECT_EQ(column_type_from_ddl("LONG VARCHAR"), "mediumtext");
    EXPECT_EQ(column_type_from_ddl("ENUM('a', 'it''s', \"b,c\")"), "enum('a','it''s','b,c')");
}

TEST(AlterTable, AddDropModifyChangeRename) {
    const auto got = ops(
        "ALTER TABLE `shop`.`orders` ADD COLUMN `note` varchar(40) NOT NULL DEFAULT 'not null' AFTER id, "
        "ADD flag BOOL FIRST, DROP COLUMN IF EXISTS legacy, MODIFY amount DECIMAL(12,2) NULL COMMENT 'after', "
        "CHANGE `old` `new` ENUM('x','y') NOT NULL, RENAME COLUMN a TO b, ADD INDEX (note), ALGORITHM=INPLACE, "
        "LOCK = NONE");
    ASSERT_EQ(got.size(), 6U);
    EXPECT_EQ(got[0].kind, Kind::AddColumn);
    EXPECT_EQ(got[0].definition.name, "note");
    EXPECT_EQ(got[0].definition.type_name, "varchar(40)");
    EXPECT_FALSE(got[0].definition.nullable);
    EXPECT_EQ(got[0].place, Place::After);
    EXPECT_EQ(got[0].after, "id");
    EXPECT_EQ(got[1].definition.type_name, "tinyint(1)");
    EXPECT_EQ(got[1].place, Place::First);
    EXPECT_EQ(got[2].kind, Kind::DropColumn);
    EXPECT_EQ(got[2].column, "legacy");
    EXPECT_EQ(got[3].kind, Kind::ModifyColumn);
    EXPECT_EQ(got[3].column, "amount");
    EXPECT_EQ(got[3].definition.name, "amount");
    EXPECT_TRUE(got[3].definition.nullable);
    EXPECT_EQ(got[3].place, Place::Keep);
    EXPECT_EQ(got[4].column, "old");
    EXPECT_EQ(got[4].definition.name, "new");
    EXPECT_EQ(got[4].definition.type_name, "enum('x','y')");
    EXPECT_EQ(got[5].kind, Kind::RenameColumn);
    EXPECT_EQ(got[5].column, "a");
    EXPECT_EQ(got[5].new_name, "b");
}

TEST(AlterTable, KeysTablesAndExecutableComments) {
    auto got = ops("alter online table orders /*!50100 DROP PRIMARY KEY */, ADD CONSTRAINT pk PRIMARY KEY (`a`, b(10) DESC)"
                   ", ADD (c int KEY, d text), RENAME TO archive.orders_old");
    ASSERT_EQ(got.size(), 5U);
    EXPECT_EQ(got[0].kind, Kind::DropPrimaryKey);
    EXPECT_EQ(got[1].kind, Kind::AddPrimaryKey);
    EXPECT_EQ(got[1].key, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(got[2].definition.name, "c");
    EXPECT_TRUE(got[2].definition.primary_key);
    EXPECT_EQ(got[3].definition.type_name, "text");
    EXPECT_EQ(got[4].kind, Kind::RenameTable);
    EXPECT_EQ(got[4].new_table, (TableId{"archive", "orders_old"}));
    got = ops("ALTER TABLE t ALTER COLUMN a SET DEFAULT 5, ENGINE=InnoDB, DEFAULT CHARSET=utf8mb4, ADD UNIQUE KEY u (a)");
    EXPECT_TRUE(got.empty());
}

TEST(AlterTable, ClausesThatChangeDataOrCharsetsAreUnsupported) {
    auto got = ops("ALTER TABLE t CONVERT TO CHARACTER SET latin1, DROP PARTITION p1, TRUNCATE PARTITION p2");
    ASSERT_EQ(got.size(), 3U);
    for (const auto& op : got) {
        EXPECT_EQ(op.kind, Kind::Unsupported);
    }
    EXPECT_EQ(got[0].clause, "CONVERT TO CHARACTER");
    EXPECT_FALSE(parse_alter_table("ALTER VIEW v AS SELECT 1", "shop").ok());
}

}  // namespace
}  // namespace ferry::capture::mysql
