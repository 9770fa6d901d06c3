// Shared pieces of the PostgreSQL integration tests: the per-test fixture and a concurrent write
// workload whose invariant (the sum of balances never changes) exposes a partly applied transaction.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "pg_harness.hpp"

namespace ferry::test {

class PipelineTest : public ::testing::Test {
protected:
    void SetUp() override;
    std::string write_config(const std::vector<std::string>& tables, const std::string& extra = "");
    std::unique_ptr<FerryProcess> start_ferry(const std::string& log_name = "ferry.log");
    // Waits until every table is equal at source and target, row by row; false on timeout.
    bool wait_equal(const std::vector<std::string>& quoted_tables, std::chrono::milliseconds limit);
    void expect_equal(const std::string& quoted_table);

    std::string name_;
    ScratchDir scratch_;
    std::unique_ptr<TestDb> src_;
    std::unique_ptr<TestDb> tgt_;
    std::string config_path_;
};

// Bank workload: accounts(id, balance) with a constant total, a ledger with one row per transfer,
// and notes (no key, REPLICA IDENTITY FULL). Each transfer is one multi-statement transaction.
class BankWorkload {
public:
    static constexpr int kAccounts = 50;
    static constexpr long kTotal = kAccounts * 1000L;
    static void create(TestDb& db, int ledger_rows);
    // Runs transfers on its own connection until stop(); at most `per_second` of them (0: as fast as
    // the server takes them).
    explicit BankWorkload(const std::string& dsn, int per_second = 0);
    ~BankWorkload();
    void stop();
    long transactions() const { return done_.load(); }

private:
    std::atomic<bool> stop_{false};
    std::atomic<long> done_{0};
    std::thread thread_;
};

// The target's balances sum to the constant total: no partly applied transfer is visible.
void expect_whole_transactions(TestDb& target);

}  // namespace ferry::test
