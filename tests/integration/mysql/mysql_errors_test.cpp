// MySQL/MariaDB source errors: each gives its clear one-line error, a non-zero exit, and applies
// nothing past the point where the problem is. Server-wide settings are changed on a MariaDB server
// of the test's own, never on the shared one.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "mysql_harness.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

std::string last_line(const std::string& text) {
    const auto end = text.find_last_not_of('\n');
    const auto start = text.rfind('\n', end);
    const auto from = start == std::string::npos ? 0 : start + 1;
    return text.substr(from, end - from + 1);
}

struct Pipeline {
    std::string name;
    MysqlDb source;
    TestDb target;
    ScratchDir scratch;
    std::string config_path;

    Pipeline(const std::string& n, const std::string& server)
        : name(n), source(n, server), target(env("FERRY_TEST_PG_TARGET"), n) {
        source.run("CREATE TABLE " + name + ".t (id int PRIMARY KEY, v varchar(20))");
        config_path = config(scratch, name, source.url(), target.dsn(), name + ".t");
    }
    std::pair<int, std::string> run_once(const std::string& log) {
        return run_ferry({"run", "-c", config_path}, scratch.path(log), 60s);
    }
    std::string target_count() { return scalar_or_empty(target, "SELECT count(*) FROM " + name + ".t"); }
    // Streams one inserted row to the target and stops gracefully.
    void stream_one_row_and_stop() {
        FerryProcess ferry({"run", "-c", config_path}, scratch.path("first.log"));
        source.run("INSERT INTO " + name + ".t VALUES (1, 'one')");
        ASSERT_TRUE(eventually([&] { return target_count() == "1"; }, 30s)) << ferry.log();
        ferry.terminate();
        ASSERT_EQ(ferry.wait(30s), 0) << ferry.log();
    }
};

TEST(MysqlSourceErrors, StatementBinlogFormatIsRefused) {
    ScratchDir servers;
    PrivateMariaDb server(servers, "--binlog-format=STATEMENT");
    Pipeline p("my_err_stmt", server.url());
    auto [code, log] = p.run_once("run.log");
    EXPECT_EQ(code, 1) << log;
    EXPECT_NE(last_line(log).find("binlog_format is STATEMENT, Ferry needs ROW"), std::string::npos) << log;
    EXPECT_EQ(p.target_count(), "");  // nothing created
}

TEST(MysqlSourceErrors, MinimalRowImageIsRefused) {
    ScratchDir servers;
    PrivateMariaDb server(servers, "--binlog-row-image=MINIMAL");
    Pipeline p("my_err_minimal", server.url());
    auto [code, log] = p.run_once("run.log");
    EXPECT_EQ(code, 1) << log;
    EXPECT_NE(last_line(log).find("binlog_row_image is MINIMAL, Ferry needs FULL"), std::string::npos) << log;
}

TEST(MysqlSourceErrors, BinlogPurgedWhileStoppedStopsInsteadOfJumping) {
    ScratchDir servers;
    PrivateMariaDb server(servers, "");
    Pipeline p("my_err_purged", server.url());
    ASSERT_NO_FATAL_FAILURE(p.stream_one_row_and_stop());
    p.source.run("INSERT INTO " + p.name + ".t VALUES (2, 'unseen'); FLUSH BINARY LOGS");
    auto status = p.source.connection().query_row("SHOW MASTER STATUS", "test");
    const std::string current = my::field(*status.value(), 0);
    // The server keeps a file while a (just disconnected) dump thread still reads it: purge until gone.
    ASSERT_TRUE(eventually([&] {
        p.source.run("PURGE BINARY LOGS TO '" + current + "'");
        return p.source.connection().query("SHOW BINARY LOGS", "test").value().size() == 1;
    }, 30s));
    auto [code, log] = p.run_once("purged.log");
    EXPECT_EQ(code, 1) << log;
    EXPECT_NE(last_line(log).find("is no longer on the source (purged)"), std::string::npos) << log;
    EXPECT_EQ(p.target_count(), "1");
}

// The source server restarts (cleanly, and by a crash) while ferry streams, and again while it is
// stopped (a restart starts a new binlog file): ferry reconnects and resumes, losing and repeating
// nothing.
TEST(MysqlSourceRestarts, ServerRestartsWhileStreamingAndWhileStoppedLoseNothing) {
    ScratchDir servers;
    PrivateMariaDb server(servers, "");
    Pipeline p("my_restarts", server.url());
    int next_id = 1;
    auto write_rows = [&](int count) {  // one transaction of `count` rows, each with v = 2 * id
        std::string sql = "INSERT INTO " + p.name + ".t VALUES ";
        for (int i = 0; i < count; ++i, ++next_id) {
            sql += (i == 0 ? "(" : ", (") + std::to_string(next_id) + ", '" + std::to_string(2 * next_id) + "')";
        }
        p.source.run(sql);
    };
    const std::string sum = "SELECT count(*) || ' ' || sum(v::int) FROM " + p.name + ".t";
    auto target_has = [&](int rows) {
        const long long ids = rows;
        return scalar_or_empty(p.target, sum) == std::to_string(rows) + " " + std::to_string(ids * (ids + 1));
    };
    write_rows(50);
    FerryProcess ferry({"run", "-c", p.config_path}, p.scratch.path("run.log"));
    ASSERT_TRUE(eventually([&] { return target_has(50); }, 30s)) << ferry.log();
    for (const bool crash : {false, true}) {
        server.restart(crash);
        p.source.reconnect();
        write_rows(50);
        write_rows(1);
        ASSERT_TRUE(eventually([&] { return target_has(next_id - 1); }, 60s)) << ferry.log();
    }
    ferry.terminate();
    ASSERT_EQ(ferry.wait(30s), 0) << ferry.log();
    write_rows(10);  // before the restart: in the file the stored position points into
    server.restart(false);
    p.source.reconnect();
    write_rows(10);
    FerryProcess again({"run", "-c", p.config_path}, p.scratch.path("again.log"));
    ASSERT_TRUE(eventually([&] { return target_has(next_id - 1); }, 60s)) << again.log();
    again.terminate();
    EXPECT_EQ(again.wait(30s), 0) << again.log();
}

TEST(MysqlSourceErrors, ATableEntryMatchingNothingIsAConfigurationErrorForANewPipeline) {
    Pipeline p("my_err_none", env("FERRY_TEST_MYSQL_SOURCE"));
    const std::string cfg = config(p.scratch, p.name, p.source.url(), p.target.dsn(), p.name + ".t, " + p.name + ".nosuch");
    auto [code, log] = run_ferry({"run", "-c", cfg}, p.scratch.path("none.log"), 60s);
    EXPECT_EQ(code, 2) << log;
    EXPECT_NE(last_line(log).find("no table my_err_none.nosuch on the source"), std::string::npos) << log;
}

TEST(MysqlSourceErrors, DdlTheAgentCannotApplyStopsWithTheStatement) {
    Pipeline p("my_err_ddl", env("FERRY_TEST_MYSQL_SOURCE"));
    ASSERT_NO_FATAL_FAILURE(p.stream_one_row_and_stop());
    // Changes every text column's character set (and possibly its type): not followed.
    p.source.run("ALTER TABLE " + p.name + ".t CONVERT TO CHARACTER SET latin1");
    p.source.run("INSERT INTO " + p.name + ".t VALUES (2, 'two')");
    auto [code, log] = p.run_once("ddl.log");
    EXPECT_EQ(code, 1) << log;
    const std::string line = last_line(log);
    EXPECT_NE(line.find("DDL on captured table my_err_ddl.t"), std::string::npos) << log;
    EXPECT_NE(line.find("CONVERT TO CHARACTER SET latin1"), std::string::npos) << log;
    EXPECT_EQ(p.target_count(), "1");  // nothing after the DDL was applied
}

}  // namespace
}  // namespace ferry::test
