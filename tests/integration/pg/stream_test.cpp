// Snapshot + stream between two real PostgreSQL servers.
#include <regex>

#include "workload.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kBankTables{"accounts", "ledger", "notes"};

bool slot_exists(TestDb& db, const std::string& slot) {
    return db.scalar("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'") == "1";
}

TEST_F(PipelineTest, SnapshotThenStreamUnderConcurrentWrites) {
    BankWorkload::create(*src_, 20000);
    // A transaction open while the slot is created, committed after it: neither lost nor doubled.
    auto open_txn = pq::Connection::connect(src_->dsn(), pq::Mode::Normal, "open transaction");
    ASSERT_TRUE(open_txn.ok());
    ASSERT_TRUE(open_txn.value().run("BEGIN; INSERT INTO ledger (note) VALUES ('open during slot creation'); "
                                     "UPDATE accounts SET balance = balance - 7 WHERE id = 1; "
                                     "UPDATE accounts SET balance = balance + 7 WHERE id = 2",
                                     "open txn")
                    .ok());
    BankWorkload writes(src_->dsn());
    write_config({"public.accounts", "public.ledger", "public.notes"});
    auto ferry = start_ferry();
    // The slot waits for the open transaction to finish before it is consistent; commit it once
    // ferry is creating the slot.
    ASSERT_TRUE(eventually([&] {
        return src_->scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ferry snapshot export'") != "0";
    }, 20s)) << ferry->log();
    ASSERT_TRUE(open_txn.value().run("COMMIT", "commit").ok());
    ASSERT_TRUE(eventually([&] { return ferry->log().find("streaming from slot") != std::string::npos; }, 60s))
        << ferry->log();
    const long at_stream_start = writes.transactions();  // writes that must arrive through the stream
    ASSERT_TRUE(eventually([&] { return writes.transactions() > at_stream_start + 300; }, 60s));
    writes.stop();
    ASSERT_TRUE(wait_equal({"accounts", "ledger", "notes"}, 60s)) << ferry->log();
    for (const auto& t : kBankTables) {
        expect_equal(t);
    }
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM ledger WHERE note = 'open during slot creation'"), "1");
    expect_whole_transactions(*tgt_);
    ferry->terminate();
    EXPECT_EQ(ferry->wait(30s), 0) << ferry->log();
    // The slot was acknowledged no further than the stored position (which is the target's, or a
    // heartbeat's past it with nothing captured in between), and the target has every row.
    const std::string confirmed = src_->scalar("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'ferry_" + name_ + "'");
    auto [code, status] = run_ferry({"status", "-c", config_path_, "--json"}, scratch_.path("status.log"), 20s);
    const std::regex durable_field("\"durable_position\":\"([0-9A-F]+/[0-9A-F]+)\"");
    std::smatch durable;
    ASSERT_TRUE(std::regex_search(status, durable, durable_field)) << status;
    EXPECT_EQ(src_->scalar("SELECT '" + confirmed + "'::pg_lsn <= '" + durable[1].str() + "'::pg_lsn"), "t") << status;
    const std::string applied = tgt_->scalar("SELECT position FROM _ferry.applied_position");
    EXPECT_EQ(src_->scalar("SELECT '" + applied + "'::pg_lsn <= '" + durable[1].str() + "'::pg_lsn"), "t") << status;
}

TEST_F(PipelineTest, ReconnectsWhenConnectionsDrop) {
    BankWorkload::create(*src_, 100);
    BankWorkload writes(src_->dsn());
    write_config({"public.accounts", "public.ledger", "public.notes"});
    auto ferry = start_ferry();
    ASSERT_TRUE(eventually([&] { return ferry->log().find("streaming from slot") != std::string::npos; }, 60s))
        << ferry->log();
    const auto retries = [&] {
        const std::string log = ferry->log();
        std::size_t n = 0;
        for (auto at = log.find("retrying in"); at != std::string::npos; at = log.find("retrying in", at + 1)) {
            ++n;
        }
        return n;
    };
    std::size_t expected_retries = 0;
    for (auto* db : {src_.get(), tgt_.get(), src_.get()}) {
        const long before = writes.transactions();
        ASSERT_TRUE(eventually([&] { return writes.transactions() > before + 50; }, 30s));
        // Only this test's database: other tests' ferry processes share the servers.
        db->exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'ferry %' "
                 "AND application_name NOT IN ('ferry test', 'ferry workload', 'ferry open transaction') "
                 "AND datname = current_database()");
        ++expected_retries;
        ASSERT_TRUE(eventually([&] { return retries() >= expected_retries; }, 30s)) << ferry->log();
        ASSERT_TRUE(eventually([&] { return ferry->log().rfind("streaming from slot") > ferry->log().rfind("retrying in"); },
                               60s))
            << ferry->log();
    }
    writes.stop();
    ASSERT_TRUE(wait_equal({"accounts", "ledger", "notes"}, 90s)) << ferry->log();
    EXPECT_TRUE(ferry->running());
    expect_whole_transactions(*tgt_);
}

TEST_F(PipelineTest, BulkInsertsKeepTheirPlaceAmongOtherChanges) {
    src_->exec("CREATE TABLE items (id int PRIMARY KEY, label text, qty int)");
    write_config({"public.items"});
    auto ferry = start_ferry();
    ASSERT_TRUE(eventually([&] { return ferry->log().find("streaming from slot") != std::string::npos; }, 30s))
        << ferry->log();
    // Inserts long enough to go in with COPY, with values that need escaping, then changes to the
    // same rows in the same transaction, then more inserts.
    src_->exec("BEGIN;"
               "INSERT INTO items SELECT g, CASE g % 4 WHEN 0 THEN NULL WHEN 1 THEN E'tab\\there\\nnew\\\\line' "
               "  WHEN 2 THEN '\\N' ELSE 'plain ' || g END, g FROM generate_series(1, 5000) g;"
               "UPDATE items SET qty = -1 WHERE id % 100 = 0;"
               "DELETE FROM items WHERE id % 250 = 0;"
               "INSERT INTO items SELECT g, 'second run', 0 FROM generate_series(5001, 5100) g;"
               "COMMIT");
    ASSERT_TRUE(wait_equal({"items"}, 60s)) << ferry->log();
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM items WHERE label = '\\N'"), "1240");  // 1250, minus 10 deleted
}

TEST_F(PipelineTest, ColumnsAddedAtTheSourceAreAddedAtTheTarget) {
    src_->exec("CREATE TABLE t (id int PRIMARY KEY, v text)");
    src_->exec("INSERT INTO t VALUES (1, 'a')");
    write_config({"public.t"});
    auto ferry = start_ferry();
    ASSERT_TRUE(wait_equal({"t"}, 30s)) << ferry->log();
    src_->exec("BEGIN; ALTER TABLE t ADD COLUMN price numeric(10,2), ADD COLUMN \"Note s\" text[]; "
               "INSERT INTO t VALUES (2, 'b', 9.99, '{x,y}'); UPDATE t SET price = 1 WHERE id = 1; COMMIT");
    ASSERT_TRUE(wait_equal({"t"}, 30s)) << ferry->log();
    EXPECT_EQ(tgt_->scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass "
                           "AND attname = 'price'"),
              "numeric(10,2)");
}

TEST_F(PipelineTest, UnchangedToastKeepsTargetValue) {
    src_->exec("CREATE TABLE docs (id int PRIMARY KEY, title text, body text)");
    src_->exec("ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL");
    src_->exec("INSERT INTO docs SELECT g, 't' || g, repeat(md5(g::text), 400) FROM generate_series(1, 20) g");
    write_config({"public.docs"});
    auto ferry = start_ferry();
    ASSERT_TRUE(wait_equal({"docs"}, 30s)) << ferry->log();
    src_->exec("UPDATE docs SET title = 'changed' WHERE id <= 10");  // body travels as 'unchanged'
    src_->exec("INSERT INTO docs VALUES (100, 'new', repeat('y', 5000))");
    src_->exec("UPDATE docs SET title = 'again' WHERE id = 100");
    ASSERT_TRUE(wait_equal({"docs"}, 30s)) << ferry->log();
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM docs WHERE body IS NULL OR length(body) < 5000"), "0");
}

TEST_F(PipelineTest, TruncateIsAppliedInOrder) {
    src_->exec("CREATE TABLE a (id int PRIMARY KEY, v text)");
    src_->exec("CREATE TABLE b (id int PRIMARY KEY, v text)");
    src_->exec("INSERT INTO a SELECT g, 'x' FROM generate_series(1, 100) g");
    src_->exec("INSERT INTO b SELECT g, 'y' FROM generate_series(1, 100) g");
    write_config({"public.*"});
    auto ferry = start_ferry();
    ASSERT_TRUE(wait_equal({"a", "b"}, 30s)) << ferry->log();
    src_->exec("BEGIN; INSERT INTO a VALUES (1000, 'before'); TRUNCATE a, b; INSERT INTO a VALUES (1, 'after'); COMMIT");
    src_->exec("INSERT INTO b VALUES (5, 'later')");
    ASSERT_TRUE(wait_equal({"a", "b"}, 30s)) << ferry->log();
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM a"), "1");
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM b"), "1");
}

TEST_F(PipelineTest, ReplicaIdentityFullWithoutKeyDeletesExactlyOneRow) {
    src_->exec("CREATE TABLE events (kind text, payload json, n float8)");
    src_->exec("ALTER TABLE events REPLICA IDENTITY FULL");
    src_->exec("INSERT INTO events VALUES ('a', '{\"x\": 1}', -0.0), ('a', '{\"x\": 1}', -0.0), ('b', NULL, 'NaN')");
    write_config({"public.events"});
    auto ferry = start_ferry();
    ASSERT_TRUE(wait_equal({"events"}, 30s)) << ferry->log();
    src_->exec("DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE kind = 'a' LIMIT 1)");
    src_->exec("UPDATE events SET kind = 'c' WHERE kind = 'b'");
    src_->exec("INSERT INTO events VALUES ('d', '[]', 0.0)");
    src_->exec("UPDATE events SET n = 1 WHERE n = 0.0 AND kind = 'd'");  // 0.0 vs -0.0 rows stay distinct
    ASSERT_TRUE(wait_equal({"events"}, 30s)) << ferry->log();
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM events WHERE kind = 'a'"), "1");
}

TEST_F(PipelineTest, SnapshotNeverStreamsOnlyNewChanges) {
    src_->exec("CREATE TABLE t (id int PRIMARY KEY, v text)");
    src_->exec("INSERT INTO t VALUES (1, 'old')");
    write_config({"public.t"}, "snapshot: never\n");
    auto ferry = start_ferry();
    ASSERT_TRUE(eventually([&] { return slot_exists(*src_, "ferry_" + name_); }, 20s)) << ferry->log();
    src_->exec("INSERT INTO t VALUES (2, 'new')");
    // (the slot is created before the target's tables)
    ASSERT_TRUE(eventually([&] { return tgt_->scalar("SELECT to_regclass('t') IS NOT NULL") == "t"
                                        && tgt_->scalar("SELECT count(*) FROM t") == "1"; }, 30s)) << ferry->log();
    EXPECT_EQ(tgt_->scalar("SELECT v FROM t"), "new");
    // The table was created with its primary key, since no copy will add it.
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass AND indisprimary"), "1");
}

TEST_F(PipelineTest, SnapshotOnlyCopiesAndExitsWithoutSlot) {
    src_->exec("CREATE TABLE t (id int PRIMARY KEY, v text)");
    src_->exec("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 5000) g");
    write_config({"public.t"}, "snapshot: only\n");
    auto [code, log] = run_ferry({"run", "-c", config_path_}, scratch_.path("only.log"), 60s);
    ASSERT_EQ(code, 0) << log;
    expect_equal("t");
    EXPECT_FALSE(slot_exists(*src_, "ferry_" + name_));
}

TEST_F(PipelineTest, TablesAddedToConfigAreCopiedLater) {
    src_->exec("CREATE TABLE first (id int PRIMARY KEY)");
    src_->exec("CREATE TABLE second (id int PRIMARY KEY, v text)");
    src_->exec("INSERT INTO second SELECT g, 'v' FROM generate_series(1, 100) g");
    write_config({"public.first"});
    {
        auto ferry = start_ferry();
        src_->exec("INSERT INTO first VALUES (1)");
        ASSERT_TRUE(wait_equal({"first"}, 30s)) << ferry->log();
        src_->exec("INSERT INTO second VALUES (500, 'while not captured')");
        ferry->terminate();
        ASSERT_EQ(ferry->wait(30s), 0) << ferry->log();
    }
    write_config({"public.first", "public.second"});
    auto ferry = start_ferry("second.log");
    src_->exec("UPDATE second SET v = 'w' WHERE id <= 10");
    ASSERT_TRUE(wait_equal({"first", "second"}, 30s)) << ferry->log();
}

TEST_F(PipelineTest, StatusReportsPhaseAndPositions) {
    src_->exec("CREATE TABLE t (id int PRIMARY KEY)");
    write_config({"public.t"});
    auto ferry = start_ferry();
    src_->exec("INSERT INTO t VALUES (1)");
    ASSERT_TRUE(wait_equal({"t"}, 30s)) << ferry->log();
    std::string out;
    ASSERT_TRUE(eventually([&] {
        auto [code, text] = run_ferry({"status", "-c", config_path_, "--json"}, scratch_.path("status.log"), 20s);
        out = text;
        return code == 0 && text.find("\"phase\":\"streaming\"") != std::string::npos;
    }, 20s)) << out;
    EXPECT_NE(out.find("\"durable_position\":\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"state\":\"done\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"lag_bytes\":"), std::string::npos) << out;
}

// Only another database on the source's server is written while the captured tables are idle: the
// slot still confirms past that WAL and lets it go (heartbeats), and the stored position keeps up
// with what was confirmed, so a run after a kill -9 starts where the slot is.
TEST_F(PipelineTest, IdleTablesDoNotMakeTheSlotRetainWalOtherDatabasesWrite) {
    src_->exec("CREATE TABLE quiet (id int PRIMARY KEY, note text)");
    write_config({"public.quiet"});
    auto ferry = start_ferry();
    ASSERT_TRUE(eventually([&] { return ferry->log().find("streaming from slot") != std::string::npos; }, 60s))
        << ferry->log();
    src_->exec("INSERT INTO quiet VALUES (1, 'before')");
    ASSERT_TRUE(wait_equal({"quiet"}, 30s)) << ferry->log();

    TestDb other(server_dsn("FERRY_TEST_PG_SOURCE"), name_ + "_other");
    other.exec("CREATE TABLE filler (id int, pad text)");
    for (int i = 0; i < 4; ++i) {  // ~100 MB of WAL that the slot's database does not write
        other.exec("INSERT INTO filler SELECT g, repeat('x', 200) FROM generate_series(1, 100000) g");
    }
    const std::string written = other.scalar("SELECT pg_current_wal_lsn()");
    const std::string slot_where = " FROM pg_replication_slots WHERE slot_name = 'ferry_" + name_ + "'";
    ASSERT_TRUE(eventually([&] { return src_->scalar("SELECT confirmed_flush_lsn >= '" + written + "'" + slot_where) == "t"; },
                           60s))
        << ferry->log();
    // The restart point follows at the next record of running transactions, which a checkpoint logs.
    ASSERT_TRUE(eventually(
        [&] {
            other.exec("CHECKPOINT");
            return src_->scalar("SELECT restart_lsn >= '" + written + "'" + slot_where) == "t";
        },
        60s))
        << ferry->log() << src_->scalar("SELECT restart_lsn || ' ' || confirmed_flush_lsn" + slot_where);

    ferry->kill_hard();
    ferry->wait(10s);
    src_->exec("INSERT INTO quiet VALUES (2, 'after')");
    auto again = start_ferry("ferry-again.log");
    ASSERT_TRUE(wait_equal({"quiet"}, 60s)) << again->log();
    EXPECT_EQ(again->log().find("beyond the stored position"), std::string::npos) << again->log();
    again->terminate();
    EXPECT_EQ(again->wait(30s), 0) << again->log();
}

}  // namespace
}  // namespace ferry::test
