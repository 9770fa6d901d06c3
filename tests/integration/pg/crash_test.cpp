// Crash safety, shown by SIGKILL at random moments and a row-by-row comparison afterwards.
#include <random>

#include "workload.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kTables{"accounts", "ledger", "notes", "big"};

class CrashTest : public PipelineTest {
protected:
    void create_data() {
        BankWorkload::create(*src_, 20000);
        // A table large enough that kills land inside its copy.
        src_->exec("CREATE TABLE big (id int PRIMARY KEY, payload text)");
        src_->exec("INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 300000) g");
        write_config({"public.accounts", "public.ledger", "public.notes", "public.big"}, "snapshot_jobs: 2\n");
    }
    void check_final_state(FerryProcess& ferry) {
        ASSERT_TRUE(wait_equal(kTables, 120s)) << ferry.log();
        for (const auto& t : kTables) {
            expect_equal(t);
        }
        expect_whole_transactions(*tgt_);
    }
};

TEST_F(CrashTest, KillNineDuringSnapshotAndStreamingThenRestart) {
    create_data();
    BankWorkload writes(src_->dsn());
    std::mt19937 rng(std::random_device{}());
    // The copy of `big` takes about a second here: the first two kills land well inside it.
    std::uniform_int_distribution<int> early_ms(0, 300);
    std::uniform_int_distribution<int> delay_ms(0, 1200);
    int snapshot_kills = 0;
    int streaming_kills = 0;
    for (int round = 0; round < 6; ++round) {
        auto ferry = start_ferry("run" + std::to_string(round) + ".log");
        // The first rounds kill at any moment after work began (mostly inside the copy), the later ones
        // once streaming; then at a random moment (failing fast if ferry exits on its own).
        ASSERT_TRUE(eventually([&] {
            const auto log = ferry->log();
            return (round < 3 && log.find("copying") != std::string::npos)
                   || log.find("streaming from slot") != std::string::npos;
        }, 120s)) << ferry->log();
        eventually([&] { return !ferry->running(); }, std::chrono::milliseconds(round < 2 ? early_ms(rng) : delay_ms(rng)));
        ASSERT_TRUE(ferry->running()) << ferry->log();
        ferry->kill_hard();
        const auto log = ferry->log();
        if (log.find("copying") != std::string::npos && log.find("snapshot done") == std::string::npos) {
            ++snapshot_kills;
        } else {
            ++streaming_kills;
        }
        expect_whole_transactions(*tgt_);
    }
    EXPECT_GE(snapshot_kills, 1);
    EXPECT_GE(streaming_kills, 1);
    writes.stop();
    auto ferry = start_ferry("final.log");
    check_final_state(*ferry);
    ferry->terminate();
    EXPECT_EQ(ferry->wait(30s), 0) << ferry->log();
}

TEST_F(CrashTest, SigtermUnderLoadStopsCleanlyAndResumes) {
    create_data();
    BankWorkload writes(src_->dsn());
    auto ferry = start_ferry("first.log");
    ASSERT_TRUE(eventually([&] {
        return tgt_->scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'big'") == "1"
               && tgt_->scalar("SELECT count(*) FROM _ferry.applied_position") == "1";
    }, 120s)) << ferry->log();
    ferry->terminate();
    ASSERT_EQ(ferry->wait(60s), 0) << ferry->log();
    expect_whole_transactions(*tgt_);
    ASSERT_TRUE(eventually([&] { return writes.transactions() > 200; }, 30s));
    auto second = start_ferry("second.log");
    writes.stop();
    check_final_state(*second);
    second->terminate();
    EXPECT_EQ(second->wait(30s), 0) << second->log();
}

}  // namespace
}  // namespace ferry::test
