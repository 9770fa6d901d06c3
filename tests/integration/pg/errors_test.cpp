// Startup errors: each gives its clear one-line error and a non-zero exit, and writes nothing.
#include <cstdio>
#include <filesystem>

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

// A slot that lost its WAL (max_slot_wal_keep_size) on a server of its own, since the setting is
// server-wide and would endanger the slots of tests running beside this one.
TEST_F(StartupErrors, SlotThatLostItsWal) {
    const std::string servers = scratch_.path("servers");
    namespace fs = std::filesystem;  // the server runs as the postgres user: it must reach its directory
    fs::permissions(scratch_.path("."), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec
                                            | fs::perms::others_read | fs::perms::others_exec);
    std::string dsn;
    {
        const std::string cmd = std::string(FERRY_SERVERS_SCRIPT) + " single " + servers
                                + " 'max_slot_wal_keep_size = 1MB' 'max_wal_size = 64MB' 2>&1";
        FILE* out = popen(cmd.c_str(), "r");
        ASSERT_NE(out, nullptr);
        char line[512];
        while (std::fgets(line, sizeof line, out) != nullptr) {
            dsn = line;
        }
        ASSERT_EQ(pclose(out), 0) << dsn;
        dsn.erase(dsn.find_last_not_of('\n') + 1);
    }
    struct Down {
        std::string dir;
        ~Down() { std::system((std::string(FERRY_SERVERS_SCRIPT) + " down " + dir).c_str()); }  // NOLINT(concurrency-mt-unsafe)
    } down{servers};
    TestDb source(dsn, name_);
    source.exec("CREATE TABLE t (id int PRIMARY KEY)");
    config_path_ = scratch_.write("ferry.yaml", pipeline_config(name_, source.dsn(), tgt_->dsn(), {"public.t"},
                                                                scratch_.path("state")));
    {
        FerryProcess ferry({"run", "-c", config_path_}, scratch_.path("first.log"));
        source.exec("INSERT INTO t VALUES (1)");
        ASSERT_TRUE(eventually([&] {
            try {
                return tgt_->dump("t") == source.dump("t") && source.dump("t").size() == 1;
            } catch (const std::exception&) {
                return false;  // the target table does not exist yet
            }
        }, 30s)) << ferry.log();
        ferry.terminate();
        ASSERT_EQ(ferry.wait(30s), 0) << ferry.log();
    }
    // Changes ferry has not seen, then enough WAL that the slot's share is removed.
    source.exec("INSERT INTO t VALUES (2)");
    ASSERT_TRUE(eventually([&] {
        source.exec("CREATE TABLE IF NOT EXISTS filler (x text); INSERT INTO filler SELECT repeat('x', 1000) "
                    "FROM generate_series(1, 5000); SELECT pg_switch_wal(); CHECKPOINT");
        return source.scalar("SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'ferry_" + name_ + "'") == "lost";
    }, 60s));
    auto [code, log] = run_once("lost.log");
    EXPECT_EQ(code, 1) << log;
    EXPECT_NE(last_line(log).find("lost the WAL it needed"), std::string::npos) << log;
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM t"), "1");
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
