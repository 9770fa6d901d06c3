// `ferry cutover` with MariaDB ends: MariaDB -> PostgreSQL under a steady write load with the
// source frozen (the server's read_only), AUTO_INCREMENT carried to the target as an identity; the
// source writable again when cutover fails; PostgreSQL -> MariaDB with a serial column; the reverse
// both ways between the engines, without loops.
#include <gtest/gtest.h>

#include <fstream>

#include "bank_workload.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

// The application's user: no READ_ONLY ADMIN, so read_only stops its writes (the ferry user of the
// test servers has every privilege).
std::string app_server(MysqlDb& source, const std::string& db) {
    source.run("DROP USER IF EXISTS app_" + db);
    source.run("CREATE USER app_" + db + "@'%' IDENTIFIED BY 'app'");
    source.run("GRANT SELECT, INSERT, UPDATE, DELETE ON " + db + ".* TO app_" + db + "@'%'");
    const std::string server = env("FERRY_TEST_MYSQL_SOURCE");
    return "mysql://app_" + db + ":app@" + server.substr(server.find('@') + 1);
}

std::string read_only(MysqlDb& source) { return my_scalar(source, "SELECT @@GLOBAL.read_only"); }

std::vector<std::string> my_orders(MysqlDb& db, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& r : my_rows(db.connection(), "SELECT CONCAT_WS('|', id, account, amount) FROM " + name + ".orders ORDER BY id")) {
        out.push_back(my::field(r, 0));
    }
    return out;
}

std::vector<std::string> pg_orders(TestDb& db, const std::string& name) {
    std::vector<std::string> out;
    try {
        for (const auto& r : db.query("SELECT concat_ws('|', id, account, amount) FROM " + name + ".orders ORDER BY id")) {
            out.push_back(r[0].value_or(""));
        }
    } catch (const std::exception&) {
    }
    return out;
}

// `name`.orders (id AUTO_INCREMENT) at the MariaDB source with `rows` rows, and the config of a
// pipeline that carries it to the PostgreSQL target.
std::string orders_to_postgres(MysqlDb& source, const TestDb& target, const ScratchDir& dir, const std::string& name, int rows) {
    source.run("CREATE TABLE " + name + ".orders (id bigint AUTO_INCREMENT PRIMARY KEY, account int NOT NULL, "
               "amount decimal(10,2) NOT NULL)");
    source.run("INSERT INTO " + name + ".orders (account, amount) SELECT seq % 100, seq / 100 FROM " + name + ".seq_1_to_"
               + std::to_string(rows));
    return config(dir, name, source.url(), target.dsn(), name + ".orders", "info");
}

TEST(MysqlCutover, UnderSteadyWritesEndsVerifiedWithAutoIncrementCarriedAndTheSourceWritableAgain) {
    const std::string name = "cut_m2p";
    MysqlDb source(name);
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    ScratchDir dir;
    const std::string cfg = orders_to_postgres(source, target, dir, name, 20000);
    FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
    ASSERT_TRUE(eventually([&] { return ferry.log().find("reading the binlog") != std::string::npos; }, 120s)) << ferry.log();
    // The application: new orders and changed ones, as a user read_only applies to.
    std::atomic<int> refused{0};
    SourceLoop writes([&](my::Connection& c, int i) {
        const std::string t = name + ".orders";
        const bool ok = c.run("START TRANSACTION; INSERT INTO " + t + " (account, amount) VALUES (" + std::to_string(i % 100)
                                  + ", 1.5); UPDATE " + t + " SET amount = amount + 1 WHERE id = " + std::to_string(1 + i % 20000)
                                  + "; COMMIT",
                              "app").ok();
        if (!ok) {
            ++refused;
            c.run("ROLLBACK", "app").ignore();
        }
        return ok;
    }, app_server(source, name));
    ASSERT_TRUE(eventually([&] { return writes.rounds() > 100; }, 60s));
    // Verified again while frozen: the pause lasts a scan, long enough for the writer to be refused.
    auto [code, out] = run_ferry({"cutover", "-c", cfg, "--freeze-source", "--verify-frozen", "--timeout", "120"},
                                 dir.path("cutover.log"), 300s);
    EXPECT_EQ(code, 0) << out << ferry.log();
    for (const char* line : {"verified: 1 tables equal", "frozen       the source server is read-only", "end point    ",
                             "(the source's binlog now)", "caught up    the pipeline applied up to",
                             "sequence     cut_m2p.orders_id_seq (cut_m2p.orders.id) at the target: next ", "(created)",
                             "thawed       writes were paused for", "verified equal — safe to switch"}) {
        EXPECT_NE(out.find(line), std::string::npos) << line << " in " << out;
    }
    EXPECT_EQ(read_only(source), "0");
    EXPECT_GT(refused.load(), 0) << "the freeze stopped no write";
    const int before = writes.rounds();
    ASSERT_TRUE(eventually([&] { return writes.rounds() > before + 20; }, 30s)) << "writes did not resume";
    writes.stop();
    // Everything written reaches the target. Writes went on after the thaw, so the counter is
    // carried again by a second cutover (the writes stopped now): the target's identity then
    // continues where the source's AUTO_INCREMENT would.
    const auto want = my_orders(source, name);
    ASSERT_TRUE(eventually([&] { return pg_orders(target, name) == want; }, 60s)) << ferry.log();
    auto [again_code, again] = run_ferry({"cutover", "-c", cfg, "--timeout", "60"}, dir.path("again.log"), 300s);
    EXPECT_EQ(again_code, 0) << again;
    const std::string next = my_scalar(source, "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE "
                                                "TABLE_SCHEMA = '" + name + "' AND TABLE_NAME = 'orders'");
    EXPECT_NE(again.find("sequence     cut_m2p.orders_id_seq (cut_m2p.orders.id) at the target: next " + next + "\n"),
              std::string::npos) << again;
    EXPECT_EQ(target.scalar("INSERT INTO " + name + ".orders (account, amount) VALUES (1, 1) RETURNING id"), next);
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

TEST(MysqlCutover, AFailedCutoverLeavesTheSourceWritable) {
    const std::string name = "cut_fail";
    MysqlDb source(name);
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    ScratchDir dir;
    source.run("CREATE TABLE " + name + ".t (id int PRIMARY KEY)");
    source.run("CREATE TABLE " + name + ".uncaptured (id int PRIMARY KEY)");
    source.run("INSERT INTO " + name + ".t VALUES (1), (2)");
    const std::string cfg = config(dir, name, source.url(), target.dsn(), name + ".t", "info");
    {
        FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
        ASSERT_TRUE(eventually([&] { return ferry.log().find("reading the binlog") != std::string::npos; }, 120s)) << ferry.log();
        ferry.terminate();
        EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
    }
    // Not running, and the binlog moved on: the tables verify equal, the catch-up cannot happen.
    source.run("INSERT INTO " + name + ".uncaptured VALUES (1)");
    auto [code, out] = run_ferry({"cutover", "-c", cfg, "--freeze-source", "--timeout", "3"}, dir.path("cutover.log"), 120s);
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("frozen       the source server is read-only"), std::string::npos) << out;
    EXPECT_NE(out.find("did not apply up to"), std::string::npos) << out;
    EXPECT_NE(out.find("thawed       the source is writable again"), std::string::npos) << out;
    EXPECT_EQ(read_only(source), "0");
}

// `name`.items (id serial) at the PostgreSQL source with `rows` rows, and the config of a pipeline
// that carries it to the MariaDB target.
std::string items_to_mariadb(TestDb& source, const ScratchDir& dir, const std::string& name, int rows) {
    source.exec("CREATE SCHEMA " + name + "; CREATE TABLE " + name + ".items (id serial PRIMARY KEY, label text NOT NULL)");
    source.exec("INSERT INTO " + name + ".items (label) SELECT 'item ' || g FROM generate_series(1, " + std::to_string(rows)
                + ") g");
    return config(dir, name, source.dsn(), env("FERRY_TEST_MYSQL_TARGET"), name + ".items", "info");
}

TEST(MysqlCutover, PostgresToMariaDbCarriesASerialAsAutoIncrement) {
    const std::string name = "cut_p2m";
    TestDb source(env("FERRY_TEST_PG_SOURCE"), name);
    MysqlDb target(name, env("FERRY_TEST_MYSQL_TARGET"));
    ScratchDir dir;
    const std::string cfg = items_to_mariadb(source, dir, name, 500);
    FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
    ASSERT_TRUE(eventually([&] { return ferry.log().find("streaming from slot") != std::string::npos; }, 120s)) << ferry.log();
    source.exec("INSERT INTO " + name + ".items (label) VALUES ('streamed')");  // 501
    auto [code, out] = run_ferry({"cutover", "-c", cfg, "--timeout", "60"}, dir.path("cutover.log"), 300s);
    EXPECT_EQ(code, 0) << out << ferry.log();
    EXPECT_NE(out.find("sequence     AUTO_INCREMENT (cut_p2m.items.id) at the target: next 502 (created)"), std::string::npos) << out;
    target.run("INSERT INTO " + name + ".items (label) VALUES ('after the switch')");
    EXPECT_EQ(my_scalar(target, "SELECT id FROM " + name + ".items WHERE label = 'after the switch'"), "502");
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

// MariaDB -> PostgreSQL, then back: after the switch the application writes to PostgreSQL; the
// reverse carries that to the MariaDB source, which stays read-only for applications, and the
// forward pipeline passes the reverse's binlog events over (they carry the reverse's server_id).
TEST(MysqlCutover, ReverseCarriesWritesBackToTheFrozenMariaDb) {
    const std::string name = "cut_rev";
    MysqlDb source(name);
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    ScratchDir dir;
    const std::string cfg = orders_to_postgres(source, target, dir, name, 1000);
    FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
    ASSERT_TRUE(eventually([&] { return ferry.log().find("reading the binlog") != std::string::npos; }, 120s)) << ferry.log();
    struct Thaw {  // the shared server is writable again however the test ends
        MysqlDb& db;
        ~Thaw() { db.run("SET GLOBAL read_only = OFF"); }
    } thaw{source};
    auto [code, out] = run_ferry({"cutover", "-c", cfg, "--freeze-source", "--reverse", "--timeout", "60"},
                                 dir.path("cutover.log"), 300s);
    ASSERT_EQ(code, 0) << out << ferry.log();
    EXPECT_NE(out.find("reverse      replication back from the target runs (pid "), std::string::npos) << out;
    const StartedReverse reverse(out);
    EXPECT_EQ(read_only(source), "1");  // for applications, until a rollback
    // The application at PostgreSQL now.
    const std::string id = target.scalar("INSERT INTO " + name + ".orders (account, amount) VALUES (7, 1) RETURNING id");
    const std::string xmin = target.scalar("UPDATE " + name + ".orders SET amount = 99 WHERE id = 5 RETURNING xmin");
    target.exec("DELETE FROM " + name + ".orders WHERE id = 10");
    const std::string reverse_log = dir.path(name + "_reverse.log");
    ASSERT_TRUE(eventually([&] {
        return my_scalar(source, "SELECT CONCAT(account, '|', amount) FROM " + name + ".orders WHERE id = " + id) == "7|1.00"
               && my_scalar(source, "SELECT amount FROM " + name + ".orders WHERE id = 5") == "99.00"
               && my_scalar(source, "SELECT COUNT(*) FROM " + name + ".orders WHERE id = 10") == "0";
    }, 60s)) << std::ifstream(reverse_log).rdbuf();
    // The forward pipeline reads past the reverse's events without applying them again.
    ASSERT_TRUE(eventually([&] {
        auto [status_code, status] = run_ferry({"status", "-c", cfg, "--json"}, dir.path("status.log"), 60s);
        return status.find("\"lag_bytes\":0,") != std::string::npos;
    }, 60s)) << ferry.log();
    EXPECT_EQ(target.scalar("SELECT xmin FROM " + name + ".orders WHERE id = 5"), xmin);
    EXPECT_EQ(pg_orders(target, name), my_orders(source, name));
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

// PostgreSQL -> MariaDB, then back: the reverse reads MariaDB's binlog and writes into the frozen
// PostgreSQL source under its replication origin, which the forward capture passes over (a trigger
// at MariaDB counts the writes each row gets: the application's update, once).
TEST(MysqlCutover, ReverseFromMariaDbIntoTheFrozenPostgresSource) {
    const std::string name = "cut_prev";
    TestDb source(env("FERRY_TEST_PG_SOURCE"), name);
    MysqlDb target(name, env("FERRY_TEST_MYSQL_TARGET"));
    ScratchDir dir;
    const std::string cfg = items_to_mariadb(source, dir, name, 300);
    FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
    ASSERT_TRUE(eventually([&] { return ferry.log().find("streaming from slot") != std::string::npos; }, 120s)) << ferry.log();
    ASSERT_TRUE(eventually([&] { return my_scalar(target, "SELECT COUNT(*) FROM " + name + ".items") == "300"; }, 60s));
    target.run("CREATE TABLE " + name + ".writes (id int PRIMARY KEY, n int NOT NULL)");
    target.run("CREATE TRIGGER " + name + ".count_writes AFTER UPDATE ON " + name + ".items FOR EACH ROW INSERT INTO " + name
               + ".writes VALUES (NEW.id, 1) ON DUPLICATE KEY UPDATE n = n + 1");
    auto [code, out] = run_ferry({"cutover", "-c", cfg, "--freeze-source", "--reverse", "--timeout", "60"},
                                 dir.path("cutover.log"), 300s);
    ASSERT_EQ(code, 0) << out << ferry.log();
    const StartedReverse reverse(out);
    EXPECT_EQ(source.scalar("SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting WHERE setrole = 0 AND "
                            "setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())"),
              "default_transaction_read_only=on");  // for applications' new sessions
    // The application at MariaDB now.
    target.run("INSERT INTO " + name + ".items (label) VALUES ('at the new primary')");
    target.run("UPDATE " + name + ".items SET label = 'changed at the new primary' WHERE id = 5");
    target.run("DELETE FROM " + name + ".items WHERE id = 10");
    const std::string reverse_log = dir.path(name + "_reverse.log");
    ASSERT_TRUE(eventually([&] {
        return source.scalar("SELECT count(*) FROM " + name + ".items WHERE id = 301 AND label = 'at the new primary'") == "1"
               && source.scalar("SELECT label FROM " + name + ".items WHERE id = 5") == "changed at the new primary"
               && source.scalar("SELECT count(*) FROM " + name + ".items WHERE id = 10") == "0";
    }, 60s)) << std::ifstream(reverse_log).rdbuf();
    const std::string after = source.scalar("SELECT pg_current_wal_lsn()");
    ASSERT_TRUE(eventually([&] {
        return source.scalar("SELECT confirmed_flush_lsn >= '" + after + "'::pg_lsn FROM pg_replication_slots WHERE "
                             "slot_name = 'ferry_" + name + "'") == "t";
    }, 60s)) << ferry.log();
    EXPECT_EQ(my_scalar(target, "SELECT n FROM " + name + ".writes WHERE id = 5"), "1");  // not written back again
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

}  // namespace
}  // namespace ferry::test
