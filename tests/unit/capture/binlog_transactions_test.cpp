// The recorded binlog (tests/fixtures/binlog) assembled into transactions the way the change source does.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>

#include "binlog_fixture.hpp"
#include "binlog_transactions.hpp"
#include "ddl_statement.hpp"

namespace ferry::capture::mysql {
namespace {

TableSchema table(std::string name, std::vector<std::pair<std::string, std::string>> cols) {
    TableSchema t;
    t.id = {"fixture", std::move(name)};
    t.engine = Engine::MySql;
    for (auto& [n, type] : cols) {
        t.columns.push_back({n, type, 0, n == "id", n != "id"});
    }
    t.primary_key = {"id"};
    return t;
}

std::vector<TableSchema> fixture_tables() {
    return {table("every_type", {{"id", "int(11)"}, {"ti", "tinyint(4)"}, {"tu", "tinyint(3) unsigned"},
                                 {"si", "smallint(6)"}, {"mi", "mediumint(9)"}, {"mu", "mediumint(8) unsigned"},
                                 {"bi", "bigint(20)"}, {"bu", "bigint(20) unsigned"}, {"d1", "decimal(65,30)"},
                                 {"d2", "decimal(10,2)"}, {"d3", "decimal(5,0)"}, {"f", "float"}, {"dbl", "double"},
                                 {"c", "char(10)"}, {"vc", "varchar(300)"}, {"t", "text"}, {"lt", "longtext"},
                                 {"b", "binary(4)"}, {"vb", "varbinary(10)"}, {"bl", "blob"}, {"dt", "date"},
                                 {"tm", "time(6)"}, {"tm0", "time"}, {"dtm", "datetime(3)"}, {"dtm6", "datetime(6)"},
                                 {"ts", "timestamp(6)"}, {"y", "year(4)"}, {"e", "enum('red','green','blue')"},
                                 {"s", "set('a','b','c','d')"}, {"bt", "bit(10)"}, {"b64", "bit(64)"}, {"j", "json"}}),
            table("latin", {{"id", "int(11)"}, {"name", "varchar(20)"}})};
}

std::vector<Event> assemble(std::vector<TableSchema> tables, Status* error = nullptr) {
    TransactionAssembler a(tables, fixture::recorded_charsets(), BinlogPosition{"binlog.000001", 4, ""}, 2);
    std::deque<Event> out;
    for (const auto& e : fixture::recorded_events()) {
        Status st = a.feed(e, out);
        if (!st.ok()) {
            if (error != nullptr) {
                *error = st;
            }
            return {out.begin(), out.end()};
        }
    }
    EXPECT_FALSE(a.in_transaction());
    return {out.begin(), out.end()};
}

TEST(TransactionAssembler, WholeTransactionsWithPositionsAfterEach) {
    Status error;
    const auto events = assemble(fixture_tables(), &error);
    ASSERT_TRUE(error.ok()) << error.message();
    std::vector<std::string> shape;
    std::vector<TxnCommit> commits;
    const SchemaChange* alter = nullptr;
    for (const auto& e : events) {
        if (std::holds_alternative<TxnBegin>(e)) {
            shape.push_back("B");
        } else if (const auto* sc = std::get_if<SchemaChange>(&e)) {
            shape.push_back("S");
            alter = sc;
        } else if (const auto* b = std::get_if<ChangeBatch>(&e)) {
            shape.push_back(std::to_string(b->changes.size()));
        } else if (const auto* c = std::get_if<TxnCommit>(&e)) {
            shape.push_back("C");
            commits.push_back(*c);
        }
    }
    // 3 inserts (batches of at most 2); update+delete+latin insert; ALTER TABLE latin ADD COLUMN (its own
    // transaction); the compressed insert after it.
    EXPECT_EQ(shape, (std::vector<std::string>{"B", "2", "1", "C", "B", "2", "1", "C", "B", "S", "C", "B", "1", "C"}));
    ASSERT_EQ(commits.size(), 4U);
    ASSERT_NE(alter, nullptr);
    EXPECT_EQ(alter->before->columns.size(), 2U);
    EXPECT_EQ(alter->after->columns.size(), 3U);
    EXPECT_EQ(alter->changes, (std::vector<ColumnChange>{{ColumnChange::Kind::Add, "extra", ""}}));
    for (std::size_t i = 0; i < commits.size(); ++i) {
        const auto& end = std::get<BinlogPosition>(commits[i].end_position);
        const auto& start = std::get<BinlogPosition>(commits[i].commit_position);
        EXPECT_LT(start, end);
        EXPECT_FALSE(end.gtid.empty());
        if (i > 0) {
            EXPECT_LE(std::get<BinlogPosition>(commits[i - 1].end_position), start);
        }
    }
    // The insert after ALTER TABLE latin ADD COLUMN carries the grown schema: the same one.
    const auto& last = std::get<ChangeBatch>(events[events.size() - 2]);
    EXPECT_EQ(last.changes[0].table, alter->after);
    ASSERT_EQ(last.changes[0].table->columns.size(), 3U);
    EXPECT_EQ(last.changes[0].table->columns[2].name, "extra");
    EXPECT_EQ(last.changes[0].table->columns[2].type_name, "int");
}

// The server's position after a rotation is past the new file's preamble (format description, GTID
// list, checkpoint): so is the resume point before the first transaction, or a heartbeat's position
// would stay behind SHOW MASTER STATUS on an idle server.
TEST(TransactionAssembler, ThePositionPassesTheFilesPreamble) {
    TransactionAssembler a(fixture_tables(), fixture::recorded_charsets(), BinlogPosition{"binlog.000001", 4, ""}, 2);
    std::deque<Event> out;
    std::uint64_t preamble_end = 0;
    for (const auto& e : fixture::recorded_events()) {
        const auto type = static_cast<std::uint8_t>(e[4]);
        if (type == kMariaGtidEvent) {
            break;
        }
        ASSERT_TRUE(a.feed(e, out).ok());
        preamble_end = static_cast<std::uint8_t>(e[13]) | static_cast<std::uint64_t>(static_cast<std::uint8_t>(e[14])) << 8
                       | static_cast<std::uint64_t>(static_cast<std::uint8_t>(e[15])) << 16;
    }
    EXPECT_GT(preamble_end, 4U);
    EXPECT_EQ(a.position().offset, preamble_end);
    EXPECT_TRUE(out.empty());
}

TEST(TransactionAssembler, OnlyCapturedTablesAndUnsupportedDdlStops) {
    auto only_latin = fixture_tables();
    only_latin.erase(only_latin.begin());
    Status error;
    const auto events = assemble(only_latin, &error);
    ASSERT_TRUE(error.ok()) << error.message();
    std::size_t changes = 0;
    for (const auto& e : events) {
        if (const auto* b = std::get_if<ChangeBatch>(&e)) {
            changes += b->changes.size();
        }
    }
    EXPECT_EQ(changes, 2U);

    auto retyped = fixture_tables();
    retyped[1].columns[1].type_name = "int(11)";  // the binlog says varchar
    assemble(retyped, &error);
    EXPECT_EQ(error.code(), Errc::Unsupported);
    EXPECT_NE(error.message().find("latin"), std::string::npos);
}

struct Scope {
    std::optional<BinlogPosition> catalog_read_after;
    std::map<TableId, BinlogPosition> valid_from;
};

std::vector<Event> assemble_scoped(std::vector<TableSchema> tables, const Scope& scope, Status& error) {
    TransactionAssembler a(tables, fixture::recorded_charsets(), BinlogPosition{"binlog.000001", 4, ""}, 100);
    a.set_scope({parse_table_pattern("fixture.*").value()}, scope.catalog_read_after, scope.valid_from);
    std::deque<Event> out;
    for (const auto& e : fixture::recorded_events()) {
        error = a.feed(e, out);
        if (!error.ok()) {
            break;
        }
    }
    return {out.begin(), out.end()};
}

std::size_t changes_of(const std::vector<Event>& events, const std::string& table) {
    std::size_t n = 0;
    for (const auto& e : events) {
        if (const auto* b = std::get_if<ChangeBatch>(&e)) {
            n += static_cast<std::size_t>(std::count_if(b->changes.begin(), b->changes.end(),
                                                        [&](const RowChange& c) { return c.table->id.name == table; }));
        }
    }
    return n;
}

// (A table created after the catalog was read, which the recording has no case of, is tested
// against a server: FollowedDdl.TablesCreatedLaterThatMatchThePatternAreCopiedAndStreamed.)
TEST(TransactionAssembler, TablesAreLeftOutBeforeTheirSchemaApplies) {
    Status error;
    const auto events = assemble_scoped(fixture_tables(), {std::nullopt, {{{"fixture", "latin"}, {"binlog.999999", 4, ""}}}},
                                        error);
    ASSERT_TRUE(error.ok()) << error.message();
    EXPECT_EQ(changes_of(events, "latin"), 0U);
    EXPECT_GT(changes_of(events, "every_type"), 0U);
    for (const auto& e : events) {
        EXPECT_FALSE(std::holds_alternative<SchemaChange>(e));  // latin's ALTER too
    }
}

TEST(GtidState, MariaDbAndMySqlForms) {
    auto g = GtidState::parse("1-2-7,0-1-42");
    g.add_mariadb(0, 3, 43);
    EXPECT_EQ(g.format(), "0-3-43,1-2-7");
    auto m = GtidState::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7");
    m.add_mysql("3e11fa47-71ca-11e1-9e33-c80aa9429562", 6);
    EXPECT_EQ(m.format(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-6:7");
}

TEST(DdlStatement, Classifies) {
    auto d = classify_statement("ALTER TABLE `shop`.`o``rders` ADD COLUMN x int, ADD INDEX (x)", "db");
    EXPECT_EQ(d.kind, DdlStatement::Kind::AlterTable);
    ASSERT_EQ(d.tables.size(), 1U);
    EXPECT_EQ(d.tables[0].schema, "shop");
    EXPECT_EQ(d.tables[0].name, "o`rders");
    d = classify_statement("alter table t drop column x", "db");
    EXPECT_EQ(d.tables[0].schema, "db");
    d = classify_statement("/* c */ TRUNCATE TABLE t", "db");
    EXPECT_EQ(d.kind, DdlStatement::Kind::Truncate);
    d = classify_statement("RENAME TABLE a TO b, c TO d", "db");
    EXPECT_EQ(d.kind, DdlStatement::Kind::RenameTable);
    EXPECT_EQ(d.tables.size(), 4U);
    d = classify_statement("DROP TABLE IF EXISTS a, `b`", "db");
    EXPECT_EQ(d.kind, DdlStatement::Kind::DropTable);
    EXPECT_EQ(d.tables.size(), 2U);
    EXPECT_FALSE(d.temporary);
    EXPECT_TRUE(classify_statement("DROP TEMPORARY TABLE IF EXISTS a", "db").temporary);
    EXPECT_TRUE(classify_statement("CREATE TEMPORARY TABLE a (x int)", "db").temporary);
    d = classify_statement("DROP DATABASE IF EXISTS `shop`", "db");
    EXPECT_EQ(d.kind, DdlStatement::Kind::DropDatabase);
    EXPECT_EQ(d.database, "shop");
    EXPECT_EQ(classify_statement("INSERT INTO t VALUES (1)", "db").kind, DdlStatement::Kind::NotDdl);
}

}  // namespace
}  // namespace ferry::capture::mysql
