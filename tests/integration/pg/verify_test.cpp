// `ferry verify` beside a running pipeline between two real PostgreSQL servers.
#include <future>

#include "workload.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

class VerifyTest : public PipelineTest {
protected:
    std::pair<int, std::string> verify(const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args{"verify", "-c", config_path_, "--json", "--settle-timeout", "30"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_ferry(args, scratch_.path("verify.log"), 300s);
    }
    std::unique_ptr<FerryProcess> start_streaming(const std::vector<std::string>& tables) {
        write_config(tables);
        auto ferry = start_ferry();
        EXPECT_TRUE(eventually([&] { return ferry->log().find("streaming from slot") != std::string::npos; }, 180s))
            << ferry->log();
        return ferry;
    }
};

TEST_F(VerifyTest, FindsAChangedValueAMissingRowAndAnExtraRowInAMillionRows) {
    src_->exec("CREATE TABLE big (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(12,2), note text, "
               "created timestamptz NOT NULL DEFAULT '2026-01-01')");
    src_->exec("INSERT INTO big (id, account, amount, note) SELECT g, g % 1000, (g % 100000) / 100.0, 'row ' || g "
               "FROM generate_series(1, 1000000) g");
    auto ferry = start_streaming({"public.big"});
    src_->exec("UPDATE big SET note = 'streamed' WHERE id = 7");
    ASSERT_TRUE(eventually([&] { return tgt_->scalar("SELECT note FROM big WHERE id = 7") == "streamed"; }, 60s));
    {
        auto [code, out] = verify();
        ASSERT_EQ(code, 0) << out;
        EXPECT_NE(out.find("\"equal\":true"), std::string::npos) << out;
        EXPECT_NE(out.find("\"source_rows\":1000000"), std::string::npos) << out;
        EXPECT_NE(out.find("\"chunks\":101"), std::string::npos) << out;  // 100 of 10000 rows, and the open end
    }
    // Three differences made behind the pipeline's back, at the target.
    tgt_->exec("UPDATE big SET amount = amount + 0.01 WHERE id = 500000");
    tgt_->exec("DELETE FROM big WHERE id = 777777");
    tgt_->exec("INSERT INTO big VALUES (1000001, 1, 1, 'extra', '2026-01-01')");
    auto [code, out] = verify();
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("\"equal\":false"), std::string::npos) << out;
    EXPECT_NE(out.find("\"rows_different\":3"), std::string::npos) << out;
    for (const char* key : {"\"500000\"", "\"777777\"", "\"1000001\""}) {
        EXPECT_NE(out.find(key), std::string::npos) << key << " in " << out;
    }
    EXPECT_NE(out.find("\"rows_unsettled\":0"), std::string::npos) << out;
    // The text form says the same for people.
    auto [text_code, text] = run_ferry({"verify", "-c", config_path_, "--table", "public.big"}, scratch_.path("text.log"), 300s);
    EXPECT_EQ(text_code, 1) << text;
    EXPECT_NE(text.find("DIFFERENT"), std::string::npos) << text;
    EXPECT_NE(text.find("NOT EQUAL: 1 of 1 tables differ"), std::string::npos) << text;
    ferry->terminate();
    EXPECT_EQ(ferry->wait(30s), 0) << ferry->log();
}

TEST_F(VerifyTest, ReportsEqualTablesAsEqualWhileThePipelineStreamsUnderLoad) {
    BankWorkload::create(*src_, 50000);
    src_->exec("CREATE TABLE \"Texts\" (k text PRIMARY KEY, v int)");
    src_->exec("INSERT INTO \"Texts\" SELECT 'key ' || g, g FROM generate_series(1, 30000) g");
    auto ferry = start_streaming({"public.accounts", "public.ledger", "public.notes", "public.\"Texts\""});
    BankWorkload writes(src_->dsn(), 200);  // a steady load the pipeline keeps up with
    ASSERT_TRUE(eventually([&] { return writes.transactions() > 200; }, 60s));
    // Small chunks: the hot accounts may differ in flight, and are settled, not reported.
    auto [code, out] = verify({"--chunk-rows", "1000"});
    EXPECT_EQ(code, 0) << out << ferry->log();
    EXPECT_NE(out.find("\"equal\":true"), std::string::npos) << out;
    for (const char* table : {"public.accounts", "public.ledger", "public.notes", "public.Texts"}) {
        EXPECT_NE(out.find(std::string("\"table\":\"") + table + "\""), std::string::npos) << table << " in " << out;
    }
    // The target held back (its accounts locked against the pipeline's writes, not against reads):
    // the first look differs for sure, and the tables are equal once the pipeline caught up.
    auto locker = pq::Connection::connect(tgt_->dsn(), pq::Mode::Normal, "lock");
    ASSERT_TRUE(locker.ok());
    ASSERT_TRUE(locker.value().run("BEGIN; LOCK TABLE accounts IN SHARE MODE", "lock").ok());
    const long locked_at = writes.transactions();
    ASSERT_TRUE(eventually([&] { return writes.transactions() > locked_at + 20; }, 30s));
    auto held_back = std::async(std::launch::async, [&] { return verify({"--table", "public.accounts"}); });
    ASSERT_TRUE(eventually([&] { return writes.transactions() > locked_at + 200; }, 30s));
    ASSERT_TRUE(locker.value().run("COMMIT", "unlock").ok());
    auto [held_code, held_out] = held_back.get();
    EXPECT_EQ(held_code, 0) << held_out;
    EXPECT_NE(held_out.find("\"chunks_rechecked\":1"), std::string::npos) << held_out;
    EXPECT_NE(held_out.find("\"equal\":true"), std::string::npos) << held_out;
    writes.stop();
    ferry->terminate();
    EXPECT_EQ(ferry->wait(30s), 0) << ferry->log();
}

TEST_F(VerifyTest, WhatCannotBeComparedIsAUsageError) {
    src_->exec("CREATE TABLE t (id int PRIMARY KEY)");
    write_config({"public.t"});
    auto [code, out] = run_ferry({"verify", "-c", config_path_, "--table", "public.other"}, scratch_.path("v.log"), 60s);
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find("--table public.other is not one of the pipeline's tables"), std::string::npos) << out;
    const std::string kafka = scratch_.write(
        "kafka.yaml", "name: " + name_ + "\nsource: {type: postgres, url: '" + src_->dsn()
                          + "', tables: [public.t]}\ntarget: {type: kafka, brokers: '127.0.0.1:1'}\nstate_dir: "
                          + scratch_.path("kstate") + "\n");
    auto [kafka_code, kafka_out] = run_ferry({"verify", "-c", kafka}, scratch_.path("k.log"), 60s);
    EXPECT_EQ(kafka_code, 2) << kafka_out;
    EXPECT_NE(kafka_out.find("a kafka target has none"), std::string::npos) << kafka_out;
}

}  // namespace
}  // namespace ferry::test
