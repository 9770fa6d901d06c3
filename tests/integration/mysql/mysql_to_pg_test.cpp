// MariaDB -> PostgreSQL against real servers: every common type by snapshot and by stream (the same
// value must arrive the same way both ways), and kill -9 under concurrent multi-statement
// transactions across binlog rotations, then a row-by-row comparison.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "ferry/my/connection.hpp"
#include "pg_harness.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

std::string env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr) {
        throw std::runtime_error(std::string(name) + " is not set: run the tests through scripts/test.sh");
    }
    return v;
}

// A fresh MariaDB database for one test, dropped afterwards.
class MysqlDb {
public:
    explicit MysqlDb(std::string name) : name_(std::move(name)), url_(env("FERRY_TEST_MYSQL_SOURCE") + name_) {
        run("DROP DATABASE IF EXISTS " + my::quote_ident(name_));
        run("CREATE DATABASE " + my::quote_ident(name_) + " CHARACTER SET utf8mb4");
    }
    ~MysqlDb() { connection().run("DROP DATABASE IF EXISTS " + my::quote_ident(name_), "test cleanup").ignore(); }
    const std::string& url() const { return url_; }
    void run(const std::string& sql) {
        if (Status st = connection().run(sql, "test statement"); !st.ok()) {
            throw std::runtime_error(st.message() + " in: " + sql.substr(0, 200));
        }
    }
    my::Connection& connection() {
        if (!conn_) {
            auto url = my::parse_url(env("FERRY_TEST_MYSQL_SOURCE"));
            auto c = my::Connection::connect(url.value(), "test", {0, true});
            if (!c.ok()) {
                throw std::runtime_error(c.status().message());
            }
            conn_.emplace(std::move(c).value());
        }
        return *conn_;
    }

private:
    std::string name_;
    std::string url_;
    std::optional<my::Connection> conn_;
};

// The target's answer, or "" while the table does not exist yet.
std::string scalar_or_empty(TestDb& db, const std::string& sql) {
    try {
        return db.scalar(sql);
    } catch (const std::exception&) {
        return {};
    }
}

std::string config(const ScratchDir& dir, const std::string& name, const std::string& source_url,
                   const std::string& target_dsn, const std::string& tables) {
    return dir.write("ferry.yaml", "name: " + name + "\nsource:\n  type: mysql\n  url: " + source_url
                                        + "\n  tables: [" + tables + "]\ntarget:\n  type: postgres\n  url: " + target_dsn
                                        + "\nstate_dir: " + dir.path("state") + "\nlog_level: warn\n");
}

constexpr char kEveryType[] = R"(CREATE TABLE every_type (
  id int PRIMARY KEY, flag tinyint(1), ti tinyint, tu tinyint unsigned, si smallint, su smallint unsigned,
  mi mediumint, iu int unsigned, bi bigint, bu bigint unsigned, d1 decimal(65,30), d2 decimal(10,2),
  f float, dbl double, c char(10), vc varchar(300), t text, lt longtext, b binary(4), vb varbinary(10), bl blob,
  dt date, tm time(6), dtm datetime(3), ts timestamp(6) NULL, y year, e enum('red','green','blue'),
  s set('a','b','c'), bt bit(10), j json, l1 varchar(20) CHARACTER SET latin1
))";

constexpr char kValues[] = R"((1, 1, -128, 255, -32768, 65535, -8388608, 4294967295, -9223372036854775808,
  18446744073709551615, -12345678901234567890123456789012345.123456789012345678901234567891, -0.05,
  16777217, 0.1, 'pad  ', 'v', 'ünïcødé ✓ 😀', '', x'000102', x'ff', x'deadbeef', '2024-02-29',
  '-12:34:56.5', '2024-02-29 23:59:59.999', '2038-01-19 03:14:07.999999', 2024, 'blue', 'a,c',
  b'1000000001', '{"k": [1, 2.5, "x"]}', 'café'))";

TEST(MysqlToPostgres, EveryTypeArrivesTheSameBySnapshotAndStream) {
    const std::string name = "m2p_types";
    MysqlDb source(name);
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    ScratchDir dir;
    source.run(std::string("USE ") + name + "; " + kEveryType);
    // TIME -12:34:56 does not fit PostgreSQL's time: keep it positive for the PostgreSQL target.
    std::string values = kValues;
    values.replace(values.find("'-12:34:56.5'"), 13, "'12:34:56.5'");
    source.run("INSERT INTO " + name + ".every_type VALUES " + values);
    source.run("INSERT INTO " + name + ".every_type (id) VALUES (2)");
    FerryProcess ferry({"run", "-c", config(dir, name, source.url(), target.dsn(), name + ".every_type")},
                       dir.path("ferry.log"));
    ASSERT_TRUE(eventually([&] { return scalar_or_empty(target, "SELECT count(*) FROM " + name + ".every_type") == "2"; }, 30s))
        << ferry.log();
    values.replace(values.find("(1,"), 3, "(3,");
    source.run("INSERT INTO " + name + ".every_type VALUES " + values);
    source.run("INSERT INTO " + name + ".every_type (id) VALUES (4)");
    ASSERT_TRUE(eventually([&] { return scalar_or_empty(target, "SELECT count(*) FROM " + name + ".every_type") == "4"; }, 30s))
        << ferry.log();
    // Whole rows as PostgreSQL prints them, "(id,...)", ordered by id.
    const auto dumped = target.query("SELECT x::text FROM " + name + ".every_type x ORDER BY id");
    std::vector<std::string> rows;
    for (const auto& r : dumped) {
        rows.push_back(r[0].value_or(""));
    }
    ASSERT_EQ(rows.size(), 4U);
    auto without_id = [](const std::string& row) { return row.substr(row.find(',')); };
    EXPECT_EQ(without_id(rows[0]), without_id(rows[2])) << "snapshot and stream disagree";
    EXPECT_EQ(without_id(rows[1]), without_id(rows[3]));
    const auto r = target.query("SELECT flag::text, tu::text, bu::text, d1::text, f::text, dbl::text, c, t, b::text, "
                                "dt::text, tm::text, ts::text, y::text, e::text, s, bt::text, j->>'k', l1 FROM "
                                + name + ".every_type WHERE id = 1");
    const std::vector<std::string> want = {"true", "255", "18446744073709551615",
                                           "-12345678901234567890123456789012345.123456789012345678901234567891",
                                           "1.6777216e+07", "0.1", "pad", "ünïcødé ✓ 😀", "\\x00010200",
                                           "2024-02-29", "12:34:56.5", "2038-01-19 03:14:07.999999+00", "2024", "blue",
                                           "a,c", "1000000001", "[1, 2.5, \"x\"]", "café"};
    ASSERT_EQ(r.size(), 1U);
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(r[0][i].value_or("<null>"), want[i]) << "column " << i;
    }
    ferry.terminate();
    EXPECT_EQ(ferry.wait(20s), 0) << ferry.log();
}

// Concurrent multi-statement transactions, FLUSH BINARY LOGS and kill -9 at random moments; after
// the last restart the target equals the source row by row and the balance invariant holds.
TEST(MysqlToPostgres, KillNineAcrossRotationsLosesAndDuplicatesNothing) {
    const std::string name = "m2p_crash";
    MysqlDb source(name);
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    ScratchDir dir;
    source.run("CREATE TABLE " + name + ".accounts (id int PRIMARY KEY, balance bigint NOT NULL, note varchar(40))");
    std::string seed = "INSERT INTO " + name + ".accounts VALUES ";
    for (int i = 0; i < 2000; ++i) {
        seed += (i == 0 ? "(" : ",(") + std::to_string(i) + ", 1000, 'seed')";
    }
    source.run(seed);
    std::atomic<bool> stop{false};
    std::atomic<int> transactions{0};
    std::thread writer([&] {
        auto url = my::parse_url(env("FERRY_TEST_MYSQL_SOURCE"));
        auto conn = my::Connection::connect(url.value(), "writer", {0, true});
        std::mt19937 rng(7);
        int next_id = 100000;
        while (!stop && conn.ok()) {
            const int a = static_cast<int>(rng() % 2000);
            const int b = static_cast<int>(rng() % 2000);
            std::string txn = "START TRANSACTION; UPDATE " + name + ".accounts SET balance = balance - 5 WHERE id = "
                              + std::to_string(a) + "; UPDATE " + name
                              + ".accounts SET balance = balance + 5, note = 'moved' WHERE id = " + std::to_string(b)
                              + "; INSERT INTO " + name + ".accounts VALUES (" + std::to_string(next_id++) + ", 0, 'new');";
            if (rng() % 10 == 0) {
                txn += " DELETE FROM " + name + ".accounts WHERE id = " + std::to_string(next_id - 5) + ";";
            }
            txn += " COMMIT;";
            if (conn.value().run(txn, "writer").ok()) {
                ++transactions;
            }
            if (rng() % 200 == 0) {
                conn.value().run("FLUSH BINARY LOGS", "rotate").ignore();
            }
        }
    });
    const std::string cfg = config(dir, name, source.url(), target.dsn(), name + ".accounts");
    std::mt19937 rng(11);
    for (int kill = 0; kill < 4; ++kill) {
        FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
        std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 1200));  // a random moment to kill at
        ferry.kill_hard();
        ferry.wait(10s);
    }
    stop = true;
    writer.join();
    EXPECT_GT(transactions.load(), 50);
    FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
    const std::string count = [&] {
        auto rows = source.connection().query("SELECT count(*), sum(balance) FROM " + name + ".accounts", "count");
        return *rows.value()[0][0] + "|" + *rows.value()[0][1];
    }();
    ASSERT_TRUE(eventually(
        [&] { return scalar_or_empty(target, "SELECT count(*) || '|' || sum(balance) FROM " + name + ".accounts") == count; }, 60s))
        << ferry.log();
    auto src_rows = source.connection().query(
        "SELECT CONCAT_WS('|', id, balance, IFNULL(note, '<null>')) FROM " + name + ".accounts ORDER BY id", "dump");
    const auto tgt_rows = target.query("SELECT concat_ws('|', id, balance, coalesce(note, '<null>')) FROM " + name
                                       + ".accounts ORDER BY id");
    ASSERT_EQ(src_rows.value().size(), tgt_rows.size());
    for (std::size_t i = 0; i < tgt_rows.size(); ++i) {
        ASSERT_EQ(*src_rows.value()[i][0], tgt_rows[i][0].value_or("")) << "row " << i;
    }
    ferry.terminate();
    EXPECT_EQ(ferry.wait(20s), 0) << ferry.log();
}

}  // namespace
}  // namespace ferry::test
