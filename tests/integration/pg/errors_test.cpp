// Startup errors: each gives its clear one-line error and a non-zero exit, and writes nothing.
#include "workload.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

class StartupErrors : public PipelineTest {
protected:
    std::pair<int, std::string> run_once(const std::string& log) {
        return run_ferry({"run", "-c", config_path_}, scratch_.path(log), 60s);
    }
    // A pipeline on table t that has streamed one change and stopped gracefully.
    void stream_one_row_and_stop() {
        src_->exec("CREATE TABLE t (id int PRIMARY KEY)");
        write_config({"public.t"});
        auto ferry = start_ferry();
        src_->exec("INSERT INTO t VALUES (1)");
        ASSERT_TRUE(wait_equal({"t"}, 30s)) << ferry->log();
        ferry->terminate();
        ASSERT_EQ(ferry->wait(30s), 0) << ferry->log();
    }
    std::string last_line(const std::string& text) {
        auto end = text.find_last_not_of('\n');
        auto start = text.rfind('\n', end);
        return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
    }
};

TEST_F(StartupErrors, SlotDroppedWhileStopped) {
    ASSERT_NO_FATAL_FAILURE(stream_one_row_and_stop());
    src_->exec("SELECT pg_drop_replication_slot('ferry_" + name_ + "')");
    src_->exec("INSERT INTO t VALUES (2)");
    auto [code, log] = run_once("again.log");
    EXPECT_EQ(code, 1) << log;
    EXPECT_NE(last_line(log).find("replication slot ferry_" + name_ + " is gone"), std::string::npos) << log;
    EXPECT_NE(last_line(log).find("state_dir"), std::string::npos) << log;
    // Never silently recreated.
    EXPECT_EQ(src_->scalar("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'ferry_" + name_ + "'"), "0");
}

TEST_F(StartupErrors, WalLevelReplica) {
    TestDb replica_level(server_dsn("FERRY_TEST_PG_REPLICA_LEVEL"), name_);
    replica_level.exec("CREATE TABLE t (id int PRIMARY KEY)");
    config_path_ = scratch_.write("ferry.yaml", pipeline_config(name_, replica_level.dsn(), tgt_->dsn(), {"public.t"},
                                                                scratch_.path("state")));
    auto [code, log] = run_once("wal.log");
    EXPECT_EQ(code, 1) << log;
    EXPECT_NE(last_line(log).find("wal_level"), std::string::npos) << log;
    EXPECT_NE(last_line(log).find("ALTER SYSTEM SET wal_level = logical"), std::string::npos) << log;
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM pg_tables WHERE tablename = 't'"), "0");
}

TEST_F(StartupErrors, UnknownTableAndTableWithoutIdentity) {
    src_->exec("CREATE TABLE keyless (a int)");
    write_config({"public.missing", "public.keyless"});
    auto [code, log] = run_once("unknown.log");
    EXPECT_EQ(code, 2) << log;
    const std::string line = last_line(log);
    EXPECT_NE(line.find("unknown source tables: public.missing"), std::string::npos) << log;
    EXPECT_NE(line.find("public.keyless"), std::string::npos) << log;
    EXPECT_NE(line.find("REPLICA IDENTITY FULL"), std::string::npos) << log;
    EXPECT_EQ(src_->scalar("SELECT count(*) FROM pg_replication_slots WHERE database = '" + name_ + "'"), "0");
}

TEST_F(StartupErrors, BadConfigIsReportedAllAtOnceBeforeConnecting) {
    config_path_ = scratch_.write("bad.yaml", "name: x\nsource: {type: postgres, url: 'postgresql://[nope', tables: []}\n"
                                              "target: {type: postgres}\ncolour: red\n");
    auto [code, log] = run_once("bad.log");
    EXPECT_EQ(code, 2) << log;
    EXPECT_NE(log.find("source.url"), std::string::npos) << log;
    EXPECT_NE(log.find("source.tables"), std::string::npos) << log;
    EXPECT_NE(log.find("target.url"), std::string::npos) << log;
    EXPECT_NE(log.find("unknown key colour"), std::string::npos) << log;
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
}

TEST_F(StartupErrors, SlotAheadOfStoredPosition) {
    ASSERT_NO_FATAL_FAILURE(stream_one_row_and_stop());
    src_->exec("INSERT INTO t VALUES (2)");
    // Someone else consumed the slot: the change above would be lost.
    src_->exec("SELECT pg_replication_slot_advance('ferry_" + name_ + "', pg_current_wal_lsn())");
    auto [code, log] = run_once("ahead.log");
    EXPECT_EQ(code, 1) << log;
    EXPECT_NE(last_line(log).find("beyond the stored position"), std::string::npos) << log;
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM t"), "1");
}

TEST_F(StartupErrors, UserWithoutReplicationPrivilege) {
    src_->exec("DO $$ BEGIN CREATE ROLE ferry_no_repl LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    src_->exec("CREATE TABLE t (id int PRIMARY KEY)");
    std::string url = src_->dsn();
    url.replace(url.find("postgres@"), 9, "ferry_no_repl@");
    config_path_ = scratch_.write("ferry.yaml", pipeline_config(name_, url, tgt_->dsn(), {"public.t"}, scratch_.path("state")));
    auto [code, log] = run_once("priv.log");
    EXPECT_EQ(code, 1) << log;
    EXPECT_NE(last_line(log).find("ALTER ROLE"), std::string::npos) << log;
    EXPECT_NE(last_line(log).find("REPLICATION"), std::string::npos) << log;
}

TEST_F(StartupErrors, SecondInstanceOnSameStateDirIsRefused) {
    src_->exec("CREATE TABLE t (id int PRIMARY KEY)");
    write_config({"public.t"});
    auto ferry = start_ferry();
    ASSERT_TRUE(eventually([&] { return tgt_->scalar("SELECT count(*) FROM pg_tables WHERE tablename = 't'") == "1"; },
                           30s)) << ferry->log();
    auto [code, log] = run_once("second.log");
    EXPECT_EQ(code, 1) << log;
    EXPECT_NE(log.find("in use by another ferry process"), std::string::npos) << log;
}

}  // namespace
}  // namespace ferry::test
