// A table copy interrupted by kill -9 resumes after the target's last checkpoint, in a new snapshot,
// while the source keeps changing rows, deleting them and moving their keys across the key ranges
// already copied and not yet copied; the changes between the snapshots converge, and the target
// ends equal to the source row by row. Each kill lands right after a checkpoint: the test holds a
// lock on the target table, which the loader's next transaction waits for.
#include <gtest/gtest.h>

#include <regex>

#include "bank_workload.hpp"
#include "ferry/pq/connection.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

// 16 key ranges of 50k rows: after the first checkpoint the copy runs for seconds, so the lock the
// test takes next is granted mid-copy even on a loaded machine.
constexpr int kAccounts = 800000;

// Moves random seeded rows to ids past the end of the table and moved rows back into the middle,
// one transaction each.
SourceLoop::Round key_mover(const std::string& db) {
    auto moved = std::make_shared<std::vector<int>>();
    auto rng = std::make_shared<std::mt19937>(11);
    return [db, moved, rng](my::Connection& conn, int) {
        const std::string t = my::quote_ident(db) + ".accounts";
        if (!moved->empty() && (*rng)() % 2 == 0) {
            const int id = moved->back();
            moved->pop_back();
            return conn.run("UPDATE " + t + " SET id = " + std::to_string(id) + ", note = 'back' WHERE id = "
                                + std::to_string(id + 5000000),
                            "mover")
                .ok();
        }
        const int id = static_cast<int>((*rng)() % kAccounts);
        moved->push_back(id);
        return conn.run("UPDATE " + t + " SET id = id + 5000000 WHERE id = " + std::to_string(id), "mover").ok();
    };
}

struct ResumeTarget {
    std::string url;
    std::function<std::uint64_t()> checkpoint_rows;  // 0 without a checkpoint
    // Locks the target table against the loader once its open transaction commits (at a checkpoint);
    // the returned function releases it.
    std::function<std::function<void()>()> lock_table;
    std::function<std::vector<std::string>()> accounts;
};

// A count a query printed; 0 for "" (no such row or table yet).
std::uint64_t count(const std::string& text) { return text.empty() ? 0 : std::stoull(text); }

std::uint64_t resumed_after(const std::string& log) {
    std::smatch m;
    static const std::regex kResumed("resuming the copy of \\S+ after (\\d+) rows");
    return std::regex_search(log, m, kResumed) ? std::stoull(m[1]) : 0;
}

void resume_test(MysqlDb& source, const std::string& db, const ResumeTarget& target) {
    ScratchDir dir;
    seed_accounts(source, db, kAccounts);
    const std::string cfg = config(dir, db, source.url(), target.url, db + ".accounts", "info",
                                   "snapshot_jobs: 1\nsnapshot_checkpoint_seconds: 0\n");
    BankWriter writes(db);
    SourceLoop moves(key_mover(db));
    std::uint64_t checkpoint = 0;
    for (int round = 0; round < 3; ++round) {
        FerryProcess ferry({"run", "-c", cfg}, dir.path("run" + std::to_string(round) + ".log"));
        if (round > 0) {
            ASSERT_TRUE(eventually([&] { return resumed_after(ferry.log()) != 0; }, 60s)) << ferry.log();
            EXPECT_EQ(resumed_after(ferry.log()), checkpoint);
        }
        if (round == 2) {
            ASSERT_TRUE(eventually([&] { return ferry.log().find("snapshot done") != std::string::npos; }, 120s))
                << ferry.log();
            ASSERT_TRUE(eventually([&] { return moves.rounds() > 100 && writes.transactions() > 100; }, 60s));
            writes.stop();
            moves.stop();
            const auto want = dump_accounts(source.connection(), db);
            ASSERT_TRUE(eventually([&] { return target.accounts() == want; }, 120s)) << ferry.log();
            ferry.terminate();
            EXPECT_EQ(ferry.wait(20s), 0) << ferry.log();
            return;
        }
        ASSERT_TRUE(eventually([&] { return target.checkpoint_rows() > checkpoint; }, 120s)) << ferry.log();
        const auto unlock = target.lock_table();  // granted at the loader's next checkpoint
        checkpoint = target.checkpoint_rows();
        ferry.kill_hard();
        ferry.wait(10s);
        unlock();
        EXPECT_GT(checkpoint, 0U);
        EXPECT_LT(checkpoint, static_cast<std::uint64_t>(kAccounts));
    }
}

TEST(ResumedCopy, MysqlToMysqlConvergesToTheSource) {
    const std::string name = "m2m_resume";
    MysqlDb source(name);
    const std::string target_server = env("FERRY_TEST_MYSQL_TARGET");
    MysqlDb target(name, target_server);
    auto locker = my::Connection::connect(my::parse_url(target_server).value(), "lock");
    ASSERT_TRUE(locker.ok()) << locker.status().message();
    const std::string checkpoint_sql =
        "SELECT `rows` FROM `_ferry`.`snapshot_checkpoint` WHERE pipeline = '" + name + "'";
    resume_test(source, name,
                {target_server, [&] { return count(my_scalar(target, checkpoint_sql)); },
                 [&]() -> std::function<void()> {
                     EXPECT_TRUE(locker.value().run("LOCK TABLES " + name + ".accounts READ", "lock").ok());
                     return [&] { EXPECT_TRUE(locker.value().run("UNLOCK TABLES", "unlock").ok()); };
                 },
                 [&] { return dump_accounts(target.connection(), name); }});
}

TEST(ResumedCopy, MysqlToPostgresConvergesToTheSource) {
    const std::string name = "m2p_resume";
    MysqlDb source(name);
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    auto lock_conn = pq::Connection::connect(target.dsn(), pq::Mode::Normal, "lock");
    ASSERT_TRUE(lock_conn.ok()) << lock_conn.status().message();
    const std::string checkpoint_sql =
        "SELECT max(rows) FROM _ferry.snapshot_checkpoint WHERE pipeline = '" + name + "'";
    auto accounts = [&] { return pg_accounts(target, name); };
    resume_test(source, name,
                {target.dsn(), [&] { return count(scalar_or_empty(target, checkpoint_sql)); },
                 [&]() -> std::function<void()> {
                     auto& c = lock_conn.value();
                     EXPECT_TRUE(c.run("BEGIN; LOCK TABLE " + name + ".accounts IN SHARE MODE", "lock").ok());
                     return [&] { EXPECT_TRUE(lock_conn.value().run("ROLLBACK", "unlock").ok()); };
                 },
                 accounts});
}

}  // namespace
}  // namespace ferry::test
