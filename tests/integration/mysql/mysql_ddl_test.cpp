// DDL in the binlog, followed: columns added (anywhere), dropped, renamed and retyped while ferry
// streams, and while it is stopped (the binlog from the stored position has the old shape, the
// server's catalog already the new one); into MariaDB and into PostgreSQL; and with
// binlog_row_metadata=MINIMAL, where only Ferry's schema history names the binlog's columns.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "ferry/capture/mysql_capture.hpp"
#include "mysql_harness.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

// Runs statements one by one with `db` as the current database.
void run_in(MysqlDb& source, const std::string& db, std::initializer_list<std::string> statements) {
    for (const auto& sql : statements) {
        source.run("USE " + db);
        source.run(sql);
    }
}

// The source table's columns, in order.
std::vector<std::string> source_columns(MysqlDb& source, const std::string& db) {
    std::vector<std::string> out;
    for (const auto& r : my_rows(source.connection(), "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                                                      "TABLE_SCHEMA = '" + db + "' AND TABLE_NAME = 't' ORDER BY "
                                                      "ORDINAL_POSITION")) {
        out.push_back(my::field(r, 0));
    }
    return out;
}

// Every row as "col=value|..." over `columns`, by id: the same text on both engines for the
// values these tests use.
std::string row_sql(const std::vector<std::string>& columns, bool postgres, const std::string& table) {
    std::string fields;
    for (const auto& c : columns) {
        fields += (fields.empty() ? "" : ", ") + std::string(postgres ? "'" + c + "=' || coalesce(\"" + c + "\"::text, 'null')"
                                                                      : "CONCAT('" + c + "=', IFNULL(`" + c + "`, 'null'))");
    }
    return postgres ? "SELECT concat_ws('|', " + fields + ") FROM " + table + " ORDER BY id"
                    : "SELECT CONCAT_WS('|', " + fields + ") FROM " + table + " ORDER BY id";
}

std::vector<std::string> mysql_dump(my::Connection& conn, const std::vector<std::string>& columns, const std::string& db) {
    std::vector<std::string> out;
    for (const auto& r : my_rows(conn, row_sql(columns, false, db + ".t"))) {
        out.push_back(my::field(r, 0));
    }
    return out;
}

struct DdlTarget {
    std::string url;
    std::function<std::vector<std::string>(const std::vector<std::string>&)> dump;  // rows over these columns
};

void follows_ddl(MysqlDb& source, const std::string& db, const DdlTarget& target) {
    ScratchDir dir;
    source.run("CREATE TABLE " + db + ".t (id int PRIMARY KEY, a varchar(20), b int, c decimal(10,2), "
               "e enum('x','y'))");
    source.run("INSERT INTO " + db + ".t VALUES (1, 'one', 10, 1.50, 'x'), (2, 'two', 20, 2.50, 'y')");
    const std::string cfg = config(dir, db, source.url(), target.url, db + ".t", "info");
    const auto equal = [&] {
        const auto columns = source_columns(source, db);
        return target.dump(columns) == mysql_dump(source.connection(), columns, db);
    };
    {
        FerryProcess ferry({"run", "-c", cfg}, dir.path("run1.log"));
        ASSERT_TRUE(eventually(equal, 60s)) << ferry.log();
        run_in(source, db, {
                 "ALTER TABLE t ADD COLUMN d datetime(3) AFTER a",
                 "INSERT INTO t VALUES (3, 'three', '2024-01-02 03:04:05.678', 30, 3.50, 'x')",
                 "ALTER TABLE t DROP COLUMN b",
                 "UPDATE t SET a = 'uno', d = '2025-05-05 05:05:05.555' WHERE id = 1",
                 "ALTER TABLE t CHANGE c amount decimal(12,3) NOT NULL",
                 "INSERT INTO t VALUES (4, 'four', NULL, 4.125, 'y')",
                 "ALTER TABLE t RENAME COLUMN a TO title, ADD INDEX (title)",
                 "DELETE FROM t WHERE id = 2",
                 // the rows already there get the defaults without row events
                 "ALTER TABLE t ADD COLUMN price decimal(8,2) NOT NULL DEFAULT 9.5 AFTER id",
                 "UPDATE t SET price = 1 WHERE id = 3"});
        ASSERT_TRUE(eventually(equal, 60s)) << ferry.log();
        ferry.terminate();
        ASSERT_EQ(ferry.wait(30s), 0) << ferry.log();
    }
    // While ferry is stopped: rows in the old shape, then DDL, then rows in the new shape.
    run_in(source, db, {"INSERT INTO t (id, title, d, amount, e) VALUES (5, 'five', NULL, 5, 'x')",
                             "ALTER TABLE t ADD COLUMN z int FIRST",
                             "INSERT INTO t (z, id, title, d, amount, e) VALUES (6, 60, 'six', NULL, 6, 'y')",
                             "ALTER TABLE t MODIFY e enum('x','y','w')", "UPDATE t SET e = 'w', z = 7 WHERE id = 5",
                             "ALTER TABLE t ADD COLUMN qty int NOT NULL, ADD COLUMN size enum('s','m') NOT NULL, "
                             "ADD COLUMN since date DEFAULT '2024-01-01', ADD COLUMN note varchar(10) NOT NULL DEFAULT 'it''s'",
                             "UPDATE t SET qty = 8, size = 'm' WHERE id = 60"});
    FerryProcess ferry({"run", "-c", cfg}, dir.path("run2.log"));
    ASSERT_TRUE(eventually(equal, 60s)) << ferry.log();
    EXPECT_EQ(target.dump(source_columns(source, db)).size(), 5U);
    // `ferry status` beside the running pipeline: the binlog's end, the lag, the durable file kept.
    const auto [code, status] = run_ferry({"status", "-c", cfg, "--json"}, dir.path("status.log"), 30s);
    EXPECT_EQ(code, 0) << status;
    for (const char* field : {"\"source_position\":\"binlog.", "\"lag_bytes\":", "\"durable_binlog_present\":true"}) {
        EXPECT_NE(status.find(field), std::string::npos) << status;
    }
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

DdlTarget postgres_target(TestDb& target, const std::string& db) {
    return {target.dsn(), [&target, db](const std::vector<std::string>& columns) {
                std::vector<std::string> out;
                try {
                    for (const auto& r : target.query(row_sql(columns, true, db + ".t"))) {
                        out.push_back(r[0].value_or(""));
                    }
                } catch (const std::exception&) {
                }
                return out;
            }};
}

TEST(FollowedDdl, IntoMariaDb) {
    const std::string name = "ddl_m2m";
    MysqlDb source(name);
    MysqlDb target(name, env("FERRY_TEST_MYSQL_TARGET"));
    follows_ddl(source, name, {env("FERRY_TEST_MYSQL_TARGET"), [&](const std::vector<std::string>& columns) {
                                   return mysql_dump(target.connection(), columns, name);
                               }});
}

TEST(FollowedDdl, IntoPostgres) {
    const std::string name = "ddl_m2p";
    MysqlDb source(name);
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    follows_ddl(source, name, postgres_target(target, name));
}

TEST(FollowedDdl, WithMinimalRowMetadataTheHistoryNamesTheColumns) {
    ScratchDir servers;
    PrivateMariaDb server(servers, "--binlog-row-metadata=MINIMAL");
    const std::string name = "ddl_minimal";
    MysqlDb source(name, server.url());
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    follows_ddl(source, name, postgres_target(target, name));
}

// A copy interrupted by kill -9, then DDL on its table while ferry is stopped: the rows already at
// the target have the old columns, so the copy starts over in the new shape (the target gains the
// new column) instead of resuming after its checkpoint; the stream skips the statement for it.
TEST(FollowedDdl, CopyInterruptedByDdlStartsOver) {
    const std::string name = "ddl_restart";
    MysqlDb source(name);
    const std::string target_url = env("FERRY_TEST_MYSQL_TARGET");
    MysqlDb target(name, target_url);
    ScratchDir dir;
    source.run("CREATE TABLE " + name + ".t (id int PRIMARY KEY, v varchar(30), gone int)");
    source.run("INSERT INTO " + name + ".t SELECT seq, 'seed', seq FROM " + name + ".seq_1_to_400000");
    const std::string cfg = config(dir, name, source.url(), target_url, name + ".t", "info",
                                   "snapshot_jobs: 1\nsnapshot_checkpoint_seconds: 0\n");
    auto locker = my::Connection::connect(my::parse_url(target_url).value(), "lock");
    ASSERT_TRUE(locker.ok()) << locker.status().message();
    const std::string checkpoint_sql = "SELECT `rows` FROM `_ferry`.`snapshot_checkpoint` WHERE pipeline = '" + name + "'";
    {
        FerryProcess ferry({"run", "-c", cfg}, dir.path("copy.log"));
        ASSERT_TRUE(eventually([&] { return !my_scalar(target, checkpoint_sql).empty(); }, 60s)) << ferry.log();
        // Granted at the loader's next checkpoint, which then waits: the kill lands mid-copy.
        ASSERT_TRUE(locker.value().run("LOCK TABLES " + name + ".t READ", "lock").ok());
        ferry.kill_hard();
        ferry.wait(10s);
        ASSERT_TRUE(locker.value().run("UNLOCK TABLES", "unlock").ok());
    }
    run_in(source, name, {"ALTER TABLE t ADD COLUMN extra int NOT NULL DEFAULT 3 AFTER id, DROP COLUMN gone",
                                   "UPDATE t SET extra = 4 WHERE id % 1000 = 0", "DELETE FROM t WHERE id % 999 = 0"});
    FerryProcess ferry({"run", "-c", cfg}, dir.path("restart.log"));
    const auto columns = source_columns(source, name);
    const auto want = mysql_dump(source.connection(), columns, name);
    ASSERT_TRUE(eventually([&] { return mysql_dump(target.connection(), columns, name) == want; }, 120s)) << ferry.log();
    EXPECT_NE(ferry.log().find("changed (DDL) since its copy began"), std::string::npos) << ferry.log();
    EXPECT_EQ(ferry.log().find("resuming the copy"), std::string::npos) << ferry.log();
    source.run("INSERT INTO " + name + ".t (id, v) VALUES (900000, 'after')");
    const auto after = mysql_dump(source.connection(), columns, name);
    ASSERT_TRUE(eventually([&] { return mysql_dump(target.connection(), columns, name) == after; }, 60s)) << ferry.log();
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

// Adds (every other one with a default that fills the rows already there), fills and drops columns and renames one back and forth, each statement its own transaction.
bool ddl_round(my::Connection& conn, const std::string& db, int i) {
    const std::string t = my::quote_ident(db) + ".t";
    const std::string col = "c" + std::to_string(i);
    std::vector<std::string> sql{
        "ALTER TABLE " + t + " ADD COLUMN " + col + " int" + (i % 2 == 0 ? " NOT NULL DEFAULT " + std::to_string(i) : "")
            + (i % 3 == 0 ? " FIRST" : ""),
        "INSERT INTO " + t + " (id, v, " + col + ") VALUES (" + std::to_string(1000 + i) + ", 'row', " + std::to_string(i) + ")",
        "UPDATE " + t + " SET " + col + " = id WHERE id % 7 = " + std::to_string(i % 7),
        "ALTER TABLE " + t + " CHANGE v w varchar(30)", "UPDATE " + t + " SET w = 'renamed' WHERE id = 1",
        "ALTER TABLE " + t + " RENAME COLUMN w TO v"};
    if (i > 2) {
        sql.push_back("ALTER TABLE " + t + " DROP COLUMN c" + std::to_string(i - 2));
    }
    bool ok = true;
    for (const auto& s : sql) {
        ok = conn.run(s, "ddl writer").ok() && ok;
    }
    return ok;
}

// kill -9 at random moments while columns come and go: the schema history and the target's
// columns stay in step with the position, and the target ends equal to the source.
TEST(FollowedDdl, KillNineWhileColumnsComeAndGo) {
    const std::string name = "ddl_crash";
    MysqlDb source(name);
    MysqlDb target(name, env("FERRY_TEST_MYSQL_TARGET"));
    ScratchDir dir;
    source.run("CREATE TABLE " + name + ".t (id int PRIMARY KEY, v varchar(30))");
    source.run("INSERT INTO " + name + ".t SELECT seq, 'seed' FROM " + name + ".seq_1_to_200");
    const std::string cfg = config(dir, name, source.url(), env("FERRY_TEST_MYSQL_TARGET"), name + ".t", "info");
    {  // the copy first: DDL while a table is being copied is not what this test is about
        FerryProcess ferry({"run", "-c", cfg}, dir.path("copy.log"));
        ASSERT_TRUE(eventually([&] { return ferry.log().find("reading the binlog") != std::string::npos; }, 60s))
            << ferry.log();
        ferry.kill_hard();
        ferry.wait(10s);
    }
    SourceLoop writer([&name](my::Connection& conn, int i) { return ddl_round(conn, name, i); });
    std::mt19937 rng(std::random_device{}());
    for (int round = 0; round < 4; ++round) {
        FerryProcess ferry({"run", "-c", cfg}, dir.path("run" + std::to_string(round) + ".log"));
        ASSERT_TRUE(eventually([&] { return ferry.log().find("reading the binlog") != std::string::npos; }, 60s))
            << ferry.log();
        eventually([&] { return !ferry.running(); }, std::chrono::milliseconds(200 + rng() % 1500));
        ASSERT_TRUE(ferry.running()) << ferry.log();
        ferry.kill_hard();
        ferry.wait(10s);
    }
    ASSERT_TRUE(eventually([&] { return writer.rounds() > 8; }, 60s));
    writer.stop();
    FerryProcess ferry({"run", "-c", cfg}, dir.path("final.log"));
    const auto columns = source_columns(source, name);
    const auto want = mysql_dump(source.connection(), columns, name);
    ASSERT_TRUE(eventually([&] { return mysql_dump(target.connection(), columns, name) == want; }, 120s)) << ferry.log();
    auto sorted = columns;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> target_columns;
    // The rows can be equal before the writer's last statement, a DROP COLUMN, is applied.
    EXPECT_TRUE(eventually([&] {
        target_columns.clear();
        for (const auto& r : my_rows(target.connection(), "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                                                          "TABLE_SCHEMA = '" + name + "' AND TABLE_NAME = 't' ORDER BY "
                                                          "COLUMN_NAME")) {
            target_columns.push_back(my::field(r, 0));
        }
        return target_columns == sorted;
    }, 60s)) << ::testing::PrintToString(target_columns) << " vs " << ::testing::PrintToString(sorted) << ferry.log();
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

// DDL between the read of the catalog and a snapshot's read of the table: the reader notices that
// the snapshot's columns are not the ones it was given, and the error is one to retry (with the
// catalog read again), never a copy without the new column's values.
TEST(FollowedDdl, SnapshotReaderRefusesColumnsThatChangedSinceTheCatalog) {
    const std::string name = "ddl_reader";
    MysqlDb source(name);
    source.run("CREATE TABLE " + name + ".t (id int PRIMARY KEY, v varchar(30))");
    source.run("INSERT INTO " + name + ".t VALUES (1, 'one'), (2, 'two')");
    capture::MysqlSourceConfig config{source.url(), 77, {parse_table_pattern(name + ".t").value()}};
    auto catalog = capture::MysqlCatalog::connect(config, spdlog::null_logger_mt("ddl_reader"));
    ASSERT_TRUE(catalog.ok()) << catalog.status().message();
    auto tables = catalog.value()->resolve_tables();
    ASSERT_TRUE(tables.ok()) << tables.status().message();
    ASSERT_EQ(tables.value().tables.size(), 1U);
    const TableSchema table = tables.value().tables.front();
    std::size_t rows = 0;
    const auto count = [&](SnapshotChunk&& chunk) {
        rows += chunk.rows;
        return Status();
    };
    {  // closed before the ALTER, which would wait for its metadata lock
        auto unchanged = capture::open_mysql_snapshot(config);
        ASSERT_TRUE(unchanged.ok()) << unchanged.status().message();
        ASSERT_TRUE(unchanged.value().reader->read_table(table, CopyFormat::Text, "", count).ok());
        EXPECT_EQ(rows, 2U);
    }
    source.run("ALTER TABLE " + name + ".t ADD COLUMN n int NOT NULL DEFAULT 5");
    auto snapshot = capture::open_mysql_snapshot(config);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
    const Status read = snapshot.value().reader->read_table(table, CopyFormat::Text, "", count);
    EXPECT_EQ(read.code(), Errc::Transient) << read.message();
    EXPECT_NE(read.message().find("changed (DDL)"), std::string::npos) << read.message();
}

// Into PostgreSQL: a dropped table goes at the target in the target transaction, the rest streams on.
TEST(FollowedDdl, DropTableIntoPostgres) {
    const std::string name = "ddl_drop_pg";
    MysqlDb source(name);
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    ScratchDir dir;
    source.run("CREATE TABLE " + name + ".a (id int PRIMARY KEY, v varchar(20))");
    source.run("CREATE TABLE " + name + ".b (id int PRIMARY KEY, v varchar(20))");
    source.run("INSERT INTO " + name + ".a VALUES (1, 'a1')");
    source.run("INSERT INTO " + name + ".b VALUES (1, 'b1')");
    const std::string cfg = config(dir, name, source.url(), target.dsn(), name + ".*", "info");
    FerryProcess ferry({"run", "-c", cfg}, dir.path("run.log"));
    const std::string b_exists = "SELECT to_regclass('" + name + ".b') IS NOT NULL";
    ASSERT_TRUE(eventually([&] { return scalar_or_empty(target, b_exists) == "t"
                                        && scalar_or_empty(target, "SELECT count(*) FROM " + name + ".b") == "1"; }, 60s))
        << ferry.log();
    source.run("DROP TABLE " + name + ".b");
    source.run("INSERT INTO " + name + ".a VALUES (2, 'a2')");
    ASSERT_TRUE(eventually([&] { return scalar_or_empty(target, b_exists) == "f"
                                        && scalar_or_empty(target, "SELECT count(*) FROM " + name + ".a") == "2"; }, 60s))
        << ferry.log();
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
    // Changed, then dropped while ferry is stopped: gone from the catalog, still followed up to its
    // DROP TABLE in the binlog.
    source.run("CREATE TABLE " + name + ".c (id int PRIMARY KEY)");
    source.run("INSERT INTO " + name + ".c VALUES (1)");
    FerryProcess again({"run", "-c", cfg}, dir.path("again.log"));
    const std::string c_rows = "SELECT count(*) FROM " + name + ".c";
    ASSERT_TRUE(eventually([&] { return scalar_or_empty(target, c_rows) == "1"; }, 60s)) << again.log();
    again.terminate();
    EXPECT_EQ(again.wait(30s), 0) << again.log();
    source.run("INSERT INTO " + name + ".a VALUES (3, 'a3')");
    source.run("DROP TABLE " + name + ".c");
    FerryProcess last({"run", "-c", cfg}, dir.path("last.log"));
    const std::string c_exists = "SELECT to_regclass('" + name + ".c') IS NOT NULL";
    ASSERT_TRUE(eventually([&] { return scalar_or_empty(target, c_exists) == "f"
                                        && scalar_or_empty(target, "SELECT count(*) FROM " + name + ".a") == "3"; }, 60s))
        << last.log();
    last.terminate();
    EXPECT_EQ(last.wait(30s), 0) << last.log();
}

// A copy does not hold its table's metadata lock for long (each key range is read in a snapshot of
// its own): an ALTER TABLE issued mid-copy completes while the copy goes on, instead of waiting for
// the whole table and stalling every write to it behind the ALTER.
TEST(FollowedDdl, AlterTableDoesNotWaitForTheWholeCopy) {
    const std::string name = "ddl_mdl";
    MysqlDb source(name);
    const std::string target_url = env("FERRY_TEST_MYSQL_TARGET");
    MysqlDb target(name, target_url);
    ScratchDir dir;
    source.run("CREATE TABLE " + name + ".t (id int PRIMARY KEY, v varchar(200))");
    source.run("INSERT INTO " + name + ".t SELECT seq, REPEAT('x', 150) FROM " + name + ".seq_1_to_400000");
    const std::string cfg = config(dir, name, source.url(), target_url, name + ".t", "info",
                                   "snapshot_jobs: 1\nsnapshot_checkpoint_seconds: 0\n");
    const std::string checkpoint_sql = "SELECT `rows` FROM `_ferry`.`snapshot_checkpoint` WHERE pipeline = '" + name + "'";
    FerryProcess ferry({"run", "-c", cfg}, dir.path("run.log"));
    ASSERT_TRUE(eventually([&] { return !my_scalar(target, checkpoint_sql).empty(); }, 60s)) << ferry.log();
    source.run("ALTER TABLE " + name + ".t COMMENT 'altered mid-copy'");  // instant, once it has the lock
    EXPECT_EQ(ferry.log().find("snapshot done"), std::string::npos) << "the ALTER waited for the copy";
    source.run("UPDATE " + name + ".t SET v = 'changed' WHERE id % 5000 = 0");
    const std::vector<std::string> columns{"id", "v"};
    const auto want = mysql_dump(source.connection(), columns, name);
    ASSERT_TRUE(eventually([&] { return mysql_dump(target.connection(), columns, name) == want; }, 120s)) << ferry.log();
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

// Rows as "id|value" of one table of `db`, by id.
std::vector<std::string> rows_of(my::Connection& conn, const std::string& db, const std::string& table) {
    std::vector<std::string> out;
    try {
        for (const auto& r : my_rows(conn, "SELECT CONCAT_WS('|', id, v) FROM " + db + "." + table + " ORDER BY id")) {
            out.push_back(my::field(r, 0));
        }
    } catch (const std::exception&) {  // not there (yet)
    }
    return out;
}

// With "db.*" configured, a table created while ferry streams is not left out: once its CREATE
// TABLE is applied the run starts again, reads the catalog, copies the table and streams it. A table created and dropped again in the meantime is gone from the catalog, and its
// statements in the binlog are passed over instead of asking again and again. DROP TABLE drops the
// target table, and a new table of the same name is copied afresh; a RENAME TABLE swap copies the
// new table; DROP DATABASE drops them all.
TEST(FollowedDdl, TablesCreatedLaterThatMatchThePatternAreCopiedAndStreamed) {
    const std::string name = "ddl_new";
    MysqlDb source(name);
    MysqlDb target(name, env("FERRY_TEST_MYSQL_TARGET"));
    ScratchDir dir;
    source.run("CREATE TABLE " + name + ".t (id int PRIMARY KEY, v varchar(20))");
    source.run("INSERT INTO " + name + ".t VALUES (1, 'one')");
    const std::string cfg = config(dir, name, source.url(), env("FERRY_TEST_MYSQL_TARGET"), name + ".*", "info");
    FerryProcess ferry({"run", "-c", cfg}, dir.path("run.log"));
    ASSERT_TRUE(eventually([&] { return rows_of(target.connection(), name, "t") == rows_of(source.connection(), name, "t"); },
                           60s)) << ferry.log();
    run_in(source, name, {"CREATE TABLE tmp (id int PRIMARY KEY, v int)", "INSERT INTO tmp VALUES (1, 1)",
                             "DROP TABLE tmp", "CREATE TABLE n (id int PRIMARY KEY, v varchar(20))",
                             "INSERT INTO n VALUES (1, 'a'), (2, 'b')", "INSERT INTO t VALUES (2, 'two')"});
    ASSERT_TRUE(eventually([&] { return rows_of(target.connection(), name, "n") == rows_of(source.connection(), name, "n"); },
                           60s)) << ferry.log();
    run_in(source, name, {"UPDATE n SET v = 'c' WHERE id = 2", "INSERT INTO n VALUES (3, 'd')", "DELETE FROM t WHERE id = 1"});
    for (const char* table : {"t", "n"}) {
        const auto want = rows_of(source.connection(), name, table);
        ASSERT_TRUE(eventually([&] { return rows_of(target.connection(), name, table) == want; }, 60s)) << ferry.log();
    }
    // Dropped: at the target too, and forgotten, so that a new table of that name is copied afresh.
    source.run("DROP TABLE " + name + ".n");
    const std::string n_exists = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + name
                                 + "' AND TABLE_NAME = 'n'";
    ASSERT_TRUE(eventually([&] { return my_scalar(target, n_exists) == "0"; }, 60s)) << ferry.log();
    source.run("CREATE TABLE " + name + ".n (id int PRIMARY KEY, extra int NOT NULL DEFAULT 7, v varchar(20))");
    source.run("INSERT INTO " + name + ".n (id, v) VALUES (10, 'again')");
    source.run("UPDATE " + name + ".n SET extra = 8, v = 'again2' WHERE id = 10");
    const auto again = rows_of(source.connection(), name, "n");
    ASSERT_TRUE(eventually([&] { return rows_of(target.connection(), name, "n") == again; }, 60s)) << ferry.log();
    EXPECT_EQ(my_scalar(target, "SELECT extra FROM " + name + ".n WHERE id = 10"), "8");
    EXPECT_NE(ferry.log().find("reading the catalog again"), std::string::npos) << ferry.log();
    // An online schema change's swap (gh-ost, pt-online-schema-change): the new t is copied afresh,
    // the old one lives on under its new name.
    run_in(source, name, {"CREATE TABLE t_new LIKE t", "ALTER TABLE t_new ADD COLUMN w int NOT NULL DEFAULT 5",
                             "INSERT INTO t_new (id, v) SELECT id, v FROM t", "RENAME TABLE t TO t_old, t_new TO t",
                             "INSERT INTO t (id, v, w) VALUES (3, 'three', 6)", "UPDATE t_old SET v = 'old' WHERE id = 2"});
    for (const char* table : {"t", "t_old"}) {
        const auto want = rows_of(source.connection(), name, table);
        ASSERT_TRUE(eventually([&] { return rows_of(target.connection(), name, table) == want; }, 60s)) << ferry.log();
    }
    EXPECT_EQ(my_scalar(target, "SELECT SUM(w) FROM " + name + ".t"), my_scalar(source, "SELECT SUM(w) FROM " + name + ".t"));
    // ALTER TABLE ... RENAME TO, also together with other changes: the old name goes, the new one is
    // copied as the source has it.
    run_in(source, name, {"ALTER TABLE t_old RENAME TO t_older", "ALTER TABLE t ADD COLUMN z int DEFAULT 9, RENAME AS t2",
                          "INSERT INTO t2 (id, v, w) VALUES (4, 'four', 7)", "UPDATE t_older SET v = 'older' WHERE id = 2"});
    for (const char* table : {"t2", "t_older"}) {
        const auto want = rows_of(source.connection(), name, table);
        ASSERT_TRUE(eventually([&] { return rows_of(target.connection(), name, table) == want; }, 60s)) << ferry.log();
    }
    const std::string old_names = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + name
                                  + "' AND TABLE_NAME IN ('t', 't_old')";
    ASSERT_TRUE(eventually([&] { return my_scalar(target, old_names) == "0"; }, 60s)) << ferry.log();
    // DROP DATABASE drops its captured tables (at the target: the tables, not the database), also
    // when it ran while ferry was stopped and `name.*` matches nothing any more when it starts.
    ferry.terminate();
    ASSERT_EQ(ferry.wait(30s), 0) << ferry.log();
    source.run("DROP DATABASE " + name);
    FerryProcess restarted({"run", "-c", cfg}, dir.path("restarted.log"));
    const std::string tables_left = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + name + "'";
    ASSERT_TRUE(eventually([&] { return my_scalar(target, tables_left) == "0"; }, 60s)) << restarted.log();
    EXPECT_TRUE(restarted.running()) << restarted.log();
    restarted.terminate();
    EXPECT_EQ(restarted.wait(30s), 0) << restarted.log();
}

// Columns come and go from before the copy starts until it is done (ALTERs wait for the copy's
// metadata lock, or run between its snapshots): the target ends equal to the source.
TEST(FollowedDdl, ColumnsComeAndGoDuringTheCopy) {
    const std::string name = "ddl_copy";
    MysqlDb source(name);
    MysqlDb target(name, env("FERRY_TEST_MYSQL_TARGET"));
    ScratchDir dir;
    source.run("CREATE TABLE " + name + ".t (id int PRIMARY KEY, v varchar(30))");
    source.run("INSERT INTO " + name + ".t SELECT seq + 100000, 'seed' FROM " + name + ".seq_1_to_150000");
    const std::string cfg = config(dir, name, source.url(), env("FERRY_TEST_MYSQL_TARGET"), name + ".t", "info",
                                   "snapshot_checkpoint_seconds: 0\n");
    SourceLoop writer([&name](my::Connection& conn, int i) { return ddl_round(conn, name, i); });
    FerryProcess ferry({"run", "-c", cfg}, dir.path("run.log"));
    ASSERT_TRUE(eventually([&] { return writer.rounds() > 6; }, 60s));
    writer.stop();
    const auto columns = source_columns(source, name);
    const auto want = mysql_dump(source.connection(), columns, name);
    ASSERT_TRUE(eventually([&] { return mysql_dump(target.connection(), columns, name) == want; }, 150s)) << ferry.log();
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

}  // namespace
}  // namespace ferry::test
