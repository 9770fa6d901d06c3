#include "workload.hpp"

#include <random>

namespace ferry::test {

void PipelineTest::SetUp() {
    name_ = unique_name("p");
    src_ = std::make_unique<TestDb>(server_dsn("FERRY_TEST_PG_SOURCE"), name_);
    tgt_ = std::make_unique<TestDb>(server_dsn("FERRY_TEST_PG_TARGET"), name_);
}

std::string PipelineTest::write_config(const std::vector<std::string>& tables, const std::string& extra) {
    config_path_ = scratch_.write("ferry.yaml",
                                  pipeline_config(name_, src_->dsn(), tgt_->dsn(), tables, scratch_.path("state"), extra));
    return config_path_;
}

std::unique_ptr<FerryProcess> PipelineTest::start_ferry(const std::string& log_name) {
    return std::make_unique<FerryProcess>(std::vector<std::string>{"run", "-c", config_path_}, scratch_.path(log_name));
}

bool PipelineTest::wait_equal(const std::vector<std::string>& quoted_tables, std::chrono::milliseconds limit) {
    return eventually(
        [&] {
            for (const auto& t : quoted_tables) {
                try {
                    if (src_->dump(t) != tgt_->dump(t)) {
                        return false;
                    }
                } catch (const std::exception&) {
                    return false;  // the target table may not exist yet
                }
            }
            return true;
        },
        limit);
}

void PipelineTest::expect_equal(const std::string& quoted_table) {
    const auto source = src_->dump(quoted_table);
    const auto target = tgt_->dump(quoted_table);
    ASSERT_EQ(source.size(), target.size()) << quoted_table;
    for (std::size_t i = 0; i < source.size(); ++i) {
        ASSERT_EQ(source[i], target[i]) << quoted_table << " row " << i;
    }
}

void BankWorkload::create(TestDb& db, int ledger_rows) {
    db.exec("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
    db.exec("INSERT INTO accounts SELECT g, 1000 FROM generate_series(1, " + std::to_string(kAccounts) + ") g");
    db.exec("CREATE TABLE ledger (id bigserial PRIMARY KEY, from_id int, to_id int, amount bigint, note text)");
    db.exec("INSERT INTO ledger (from_id, to_id, amount, note) SELECT g % 50 + 1, (g + 1) % 50 + 1, 0, md5(g::text) "
            "FROM generate_series(1, " + std::to_string(ledger_rows) + ") g");
    db.exec("CREATE TABLE notes (account int, note text)");
    db.exec("ALTER TABLE notes REPLICA IDENTITY FULL");
}

BankWorkload::BankWorkload(const std::string& dsn, int per_second) {
    thread_ = std::thread([this, dsn, per_second] {
        auto conn = pq::Connection::connect(dsn, pq::Mode::Normal, "workload");
        if (!conn.ok()) {
            ADD_FAILURE() << conn.status().message();
            return;
        }
        std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>()(dsn)));
        std::uniform_int_distribution<int> account(1, kAccounts);
        std::uniform_int_distribution<int> amount(1, 50);
        auto next = std::chrono::steady_clock::now();
        while (!stop_.load()) {
            if (per_second > 0) {  // pacing a load generator, not waiting for a result
                next += std::chrono::microseconds(1000000 / per_second);
                std::this_thread::sleep_until(next);
            }
            const int from = account(rng);
            const int to = account(rng);
            const std::string a = std::to_string(amount(rng));
            std::string sql = "BEGIN; UPDATE accounts SET balance = balance - " + a + " WHERE id = " + std::to_string(from)
                              + "; UPDATE accounts SET balance = balance + " + a + " WHERE id = " + std::to_string(to)
                              + "; INSERT INTO ledger (from_id, to_id, amount, note) VALUES (" + std::to_string(from) + ", "
                              + std::to_string(to) + ", " + a + ", 'transfer');";
            const long n = done_.load();
            if (n % 7 == 0) {
                sql += "INSERT INTO notes VALUES (" + std::to_string(from) + ", 'dup'), (" + std::to_string(from) + ", 'dup');";
            }
            if (n % 11 == 0) {
                sql += "DELETE FROM notes WHERE ctid = (SELECT ctid FROM notes LIMIT 1);";
                sql += "DELETE FROM ledger WHERE id = (SELECT min(id) FROM ledger);";
            }
            if (n % 50 == 0) {  // a large transaction: many change batches, and a kill may land inside it
                sql += "INSERT INTO ledger (from_id, to_id, amount, note) SELECT g % 50 + 1, g % 50 + 1, 0, 'bulk' "
                       "FROM generate_series(1, 5000) g;";
            }
            if (n % 13 == 0) {
                sql += "UPDATE notes SET note = 'seen' WHERE ctid = (SELECT ctid FROM notes WHERE note = 'dup' LIMIT 1);";
            }
            sql += "COMMIT;";
            if (Status st = conn.value().run(sql, "workload"); !st.ok()) {
                ADD_FAILURE() << st.message();
                return;
            }
            ++done_;
        }
    });
}

BankWorkload::~BankWorkload() { stop(); }

void BankWorkload::stop() {
    stop_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
}

void expect_whole_transactions(TestDb& target) {
    const std::string sum = target.scalar("SELECT sum(balance) FROM accounts");
    if (!sum.empty()) {
        EXPECT_EQ(sum, std::to_string(BankWorkload::kTotal)) << "a partly applied transaction is visible at the target";
    }
}

}  // namespace ferry::test
