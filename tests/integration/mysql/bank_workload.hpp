// The crash workload of the MySQL/MariaDB source tests: whole transactions that move balance
// between accounts (the sum never changes), add rows and delete some, with binlog rotations; and
// the kill -9 rounds that check, after every kill, that the target holds whole transactions only.
#pragma once

#include <gtest/gtest.h>

#include <random>

#include "mysql_harness.hpp"

namespace ferry::test {

// Every test table and value kind of the type tests, in MariaDB's own spelling.
inline constexpr char kEveryType[] = R"(CREATE TABLE every_type (
  id int PRIMARY KEY, flag tinyint(1), ti tinyint, tu tinyint unsigned, si smallint, su smallint unsigned,
  mi mediumint, iu int unsigned, bi bigint, bu bigint unsigned, d1 decimal(65,30), d2 decimal(10,2),
  f float, dbl double, c char(10), vc varchar(300), t text, lt longtext, b binary(4), vb varbinary(10), bl blob,
  dt date, tm time(6), dtm datetime(3), ts timestamp(6) NULL, y year, e enum('red','green','blue'),
  s set('a','b','c'), bt bit(10), j json, l1 varchar(20) CHARACTER SET latin1
))";

inline constexpr char kEveryTypeValues[] = R"((1, 1, -128, 255, -32768, 65535, -8388608, 4294967295, -9223372036854775808,
  18446744073709551615, -12345678901234567890123456789012345.123456789012345678901234567891, -0.05,
  16777217, 0.1, 'pad  ', 'v', 'ünïcødé ✓ 😀', '', x'000102', x'ff', x'deadbeef', '2024-02-29',
  '-12:34:56.5', '2024-02-29 23:59:59.999', '2038-01-19 03:14:07.999999', 2024, 'blue', 'a,c',
  b'1000000001', '{"k": [1, 2.5, "x"]}', 'café'))";

// Transactions that move balance between accounts, add a row and sometimes delete one, with a
// binlog rotation now and then.
class BankWriter {
public:
    explicit BankWriter(std::string db) : db_(std::move(db)), loop_([this](my::Connection& c, int) { return round(c); }) {}
    void stop() { loop_.stop(); }
    int transactions() const { return loop_.rounds(); }
    int rotations() const { return rotations_.load(); }

private:
    bool round(my::Connection& conn) {
        const auto a = std::to_string(rng_() % 2000);
        const auto b = std::to_string(rng_() % 2000);
        const std::string t = my::quote_ident(db_) + ".accounts";
        std::string txn = "START TRANSACTION; UPDATE " + t + " SET balance = balance - 5 WHERE id = " + a + "; UPDATE " + t
                          + " SET balance = balance + 5, note = 'moved' WHERE id = " + b + "; INSERT INTO " + t
                          + " VALUES (" + std::to_string(next_id_++) + ", 0, 'new');";
        if (rng_() % 10 == 0) {
            txn += " DELETE FROM " + t + " WHERE id = " + std::to_string(next_id_ - 5) + ";";
        }
        txn += " COMMIT;";
        const bool ok = conn.run(txn, "writer").ok();
        if (rng_() % 200 == 0 && conn.run("FLUSH BINARY LOGS", "rotate").ok()) {
            ++rotations_;
        }
        return ok;
    }

    std::string db_;
    std::mt19937 rng_{7};
    int next_id_ = 1000000;
    std::atomic<int> rotations_{0};
    SourceLoop loop_;  // declared last: runs on the members above
};

// Creates `db`.accounts with `accounts` rows of balance 1000.
inline void seed_accounts(MysqlDb& source, const std::string& db, int accounts) {
    source.run("CREATE TABLE " + db + ".accounts (id int PRIMARY KEY, balance bigint NOT NULL, note varchar(40))");
    source.run("INSERT INTO " + db + ".accounts SELECT seq, 1000, 'seed' FROM " + db + ".seq_0_to_"
               + std::to_string(accounts - 1));
}

// The source's accounts, one "id|balance|note" line per row in id order.
inline std::vector<std::string> dump_accounts(my::Connection& conn, const std::string& db) {
    auto rows = conn.query("SELECT CONCAT_WS('|', id, balance, IFNULL(note, '<null>')) FROM " + my::quote_ident(db)
                               + ".accounts ORDER BY id",
                           "dump");
    std::vector<std::string> out;
    if (rows.ok()) {
        for (const auto& r : rows.value()) {
            out.push_back(my::field(r, 0));
        }
    }
    return out;
}

// The accounts of schema `db` at a PostgreSQL target, as dump_accounts prints them (empty while the
// table does not exist).
inline std::vector<std::string> pg_accounts(TestDb& target, const std::string& db) {
    std::vector<std::string> out;
    try {
        for (const auto& r : target.query("SELECT concat_ws('|', id, balance, coalesce(note, '<null>')) FROM " + db
                                          + ".accounts ORDER BY id")) {
            out.push_back(r[0].value_or(""));
        }
    } catch (const std::exception&) {
    }
    return out;
}

// Five runs of ferry killed with SIGKILL: the first two once the copy began, the others once the
// binlog is being read, each at a random moment after that. `target_sum` returns the balance sum at
// the target ("" or "none" before the table exists or fills); after every kill it must be the total.
inline void kill_nine_rounds(const ScratchDir& dir, const std::string& cfg, const std::string& total,
                             const std::function<std::string()>& target_sum) {
    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> early_ms(0, 300);
    std::uniform_int_distribution<int> delay_ms(0, 1200);
    int snapshot_kills = 0;
    int streaming_kills = 0;
    for (int round = 0; round < 5; ++round) {
        FerryProcess ferry({"run", "-c", cfg}, dir.path("run" + std::to_string(round) + ".log"));
        ASSERT_TRUE(eventually([&] {
            const auto log = ferry.log();
            return (round < 2 && log.find("copying") != std::string::npos)
                   || log.find("reading the binlog") != std::string::npos;
        }, std::chrono::seconds(120))) << ferry.log();
        // Waits the random delay, failing fast if ferry exits on its own.
        eventually([&] { return !ferry.running(); }, std::chrono::milliseconds(round < 2 ? early_ms(rng) : delay_ms(rng)));
        ASSERT_TRUE(ferry.running()) << ferry.log();
        ferry.kill_hard();
        ferry.wait(std::chrono::seconds(10));
        const auto log = ferry.log();
        const bool in_copy = log.find("copying") != std::string::npos && log.find("snapshot done") == std::string::npos;
        (in_copy ? snapshot_kills : streaming_kills) += 1;
        const std::string sum = target_sum();
        EXPECT_TRUE(sum.empty() || sum == "none" || sum == total) << "partial transaction visible: " << sum;
    }
    EXPECT_GE(snapshot_kills, 1);
    EXPECT_GE(streaming_kills, 1);
}

// What the bank crash test needs from a target: its URL, the balance sum (see kill_nine_rounds) and
// the accounts as dump_accounts prints them (empty while the table does not exist).
struct BankTarget {
    std::string url;
    std::function<std::string()> balance_sum;
    std::function<std::vector<std::string>()> accounts;
};

// The whole crash test: `accounts` rows, the writer running through five kill -9 rounds and at
// least one binlog rotation, then a last run until the target equals the source row by row.
inline void bank_crash_test(MysqlDb& source, const std::string& db, int accounts, const BankTarget& target) {
    ScratchDir dir;
    seed_accounts(source, db, accounts);
    const std::string total = std::to_string(1000LL * accounts);
    const std::string cfg = config(dir, db, source.url(), target.url, db + ".accounts", "info");
    BankWriter writes(db);
    ASSERT_NO_FATAL_FAILURE(kill_nine_rounds(dir, cfg, total, target.balance_sum));
    ASSERT_TRUE(eventually([&] { return writes.rotations() >= 1; }, std::chrono::seconds(60)));
    writes.stop();
    EXPECT_GT(writes.transactions(), 50);
    FerryProcess ferry({"run", "-c", cfg}, dir.path("final.log"));
    const auto want = dump_accounts(source.connection(), db);
    ASSERT_TRUE(eventually([&] { return target.accounts() == want; }, std::chrono::seconds(120))) << ferry.log();
    EXPECT_EQ(target.balance_sum(), total);
    ferry.terminate();
    EXPECT_EQ(ferry.wait(std::chrono::seconds(20)), 0) << ferry.log();
}

}  // namespace ferry::test
