// `ferry verify` across engines (values in the canonical form), beside a running MariaDB ->
// PostgreSQL pipeline.
#include <gtest/gtest.h>

#include "bank_workload.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

TEST(MysqlVerify, FindsAChangedValueAMissingRowAndAnExtraRowInAMillionRowsAcrossEngines) {
    const std::string name = "vfy_big";
    MysqlDb source(name);
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    ScratchDir dir;
    source.run("CREATE TABLE " + name + ".big (id bigint PRIMARY KEY, account int NOT NULL, amount decimal(12,2), "
               "ratio float, note varchar(40), created datetime(3) NOT NULL, flag tinyint(1))");
    source.run("INSERT INTO " + name + ".big SELECT seq, seq % 1000, (seq % 100000) / 100, seq / 7, CONCAT('row ', seq), "
               "'2026-01-01 10:00:00.5', seq % 2 FROM " + name + ".seq_1_to_1000000");
    const std::string cfg = config(dir, name, source.url(), target.dsn(), name + ".big", "info");
    FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
    ASSERT_TRUE(eventually([&] { return ferry.log().find("reading the binlog") != std::string::npos; }, 180s)) << ferry.log();
    source.run("UPDATE " + name + ".big SET note = 'streamed' WHERE id = 7");
    ASSERT_TRUE(eventually([&] { return scalar_or_empty(target, "SELECT note FROM " + name + ".big WHERE id = 7") == "streamed"; }, 60s));
    {
        auto [code, out] = verify_pipeline(dir, cfg);
        ASSERT_EQ(code, 0) << out;
        EXPECT_NE(out.find("\"source_rows\":1000000"), std::string::npos) << out;
        EXPECT_NE(out.find("\"chunks\":101"), std::string::npos) << out;
    }
    // Three differences made behind the pipeline's back, at the target.
    target.exec("UPDATE " + name + ".big SET amount = amount + 0.01 WHERE id = 500000");
    target.exec("DELETE FROM " + name + ".big WHERE id = 777777");
    target.exec("INSERT INTO " + name + ".big VALUES (1000001, 1, 1, 1, 'extra', '2026-01-01', true)");
    auto [code, out] = verify_pipeline(dir, cfg);
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("\"rows_different\":3"), std::string::npos) << out;
    for (const char* key : {"\"500000\"", "\"777777\"", "\"1000001\""}) {
        EXPECT_NE(out.find(key), std::string::npos) << key << " in " << out;
    }
    EXPECT_NE(out.find("\"rows_unsettled\":0"), std::string::npos) << out;
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

TEST(MysqlVerify, ReportsEqualTablesAsEqualWhileThePipelineStreamsUnderLoad) {
    const std::string name = "vfy_load";
    MysqlDb source(name);
    TestDb target(env("FERRY_TEST_PG_TARGET"), name);
    ScratchDir dir;
    seed_accounts(source, name, 20000);
    // Text keys in a case-insensitive collation: both sides order them byte-wise.
    source.run("CREATE TABLE " + name + ".texts (k varchar(20) COLLATE utf8mb4_general_ci PRIMARY KEY, v int)");
    source.run("INSERT INTO " + name + ".texts SELECT CONCAT(IF(seq % 2, 'Key ', 'key '), seq), seq FROM " + name
               + ".seq_1_to_5000");
    const std::string cfg = config(dir, name, source.url(), target.dsn(), name + ".accounts, " + name + ".texts", "info");
    FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
    ASSERT_TRUE(eventually([&] { return ferry.log().find("reading the binlog") != std::string::npos; }, 180s)) << ferry.log();
    BankWriter writes(name);
    ASSERT_TRUE(eventually([&] { return writes.transactions() > 200; }, 60s));
    auto [code, out] = verify_pipeline(dir, cfg, {"--chunk-rows", "1000"});
    EXPECT_EQ(code, 0) << out << ferry.log();
    EXPECT_NE(out.find("\"equal\":true"), std::string::npos) << out;
    EXPECT_NE(out.find("\"source_rows\":5000"), std::string::npos) << out;  // texts: nothing lost between chunks
    writes.stop();
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

}  // namespace
}  // namespace ferry::test
