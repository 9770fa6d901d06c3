// What the PostgreSQL -> Kafka tests share: a source database, the dev broker and a `ferry`
// configured for it; a counters workload whose every change a consumer can check for order and gaps.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "kafka_harness.hpp"
#include "pg_harness.hpp"

namespace ferry::test {

using namespace std::chrono_literals;
using nlohmann::json;

class PgToKafka : public ::testing::Test {
protected:
    void SetUp() override {
        name_ = unique_name("k");
        src_ = std::make_unique<TestDb>(server_dsn("FERRY_TEST_PG_SOURCE"), name_);
    }

    std::string topic(const std::string& table) const { return name_ + ".public." + table; }

    // Topics made up front (3 partitions, 3 replicas), so that the test's consumer finds them.
    void make_topics(const std::vector<std::string>& tables) {
        for (const auto& t : tables) {
            ASSERT_EQ(broker_.command("topic " + topic(t) + " 3 3"), "ok");
        }
    }

    void write_config(const std::vector<std::string>& tables, const std::string& target_extra = "",
                      const std::string& extra = "") {
        std::string list;
        for (const auto& t : tables) {
            list += (list.empty() ? "public." : ", public.") + t;
        }
        config_path_ = scratch_.write("ferry.yaml", "name: " + name_ + "\nsource:\n  type: postgres\n  url: " + src_->dsn()
                                                        + "\n  tables: [" + list + "]\ntarget:\n  type: kafka\n  brokers: "
                                                        + broker_.bootstrap() + "\n" + target_extra
                                                        + "state_dir: " + scratch_.path("state") + "\n" + extra);
    }

    std::unique_ptr<FerryProcess> start_ferry(const std::string& log_name = "ferry.log") {
        return std::make_unique<FerryProcess>(std::vector<std::string>{"run", "-c", config_path_}, scratch_.path(log_name));
    }

    // Every record of these tables' topics, once `count` of them are there (or the deadline passed).
    std::vector<KafkaRecord> records(const std::vector<std::string>& tables, std::size_t count,
                                     std::chrono::milliseconds limit = 30s) {
        std::vector<std::string> topics;
        for (const auto& t : tables) {
            topics.push_back(topic(t));
        }
        return consume_until(broker_.bootstrap(), topics,
                             [count](const std::vector<KafkaRecord>& r) { return r.size() >= count; }, limit);
    }

    std::string name_;
    ScratchDir scratch_;
    DevBroker broker_;
    std::unique_ptr<TestDb> src_;
    std::string config_path_;
};

inline json value_of(const KafkaRecord& r) { return r.value ? json::parse(*r.value) : json(); }

// Transactions that each add 1 to the counters of 3 distinct keys (in key order: no deadlocks
// between writers), on a connection of their own, as many as allowed so far. The dev broker keeps
// only about 5 MB per partition, so the test lets the writers go step by step.
class CounterWorkload {
public:
    static constexpr int kKeys = 20;
    CounterWorkload(const std::string& dsn, unsigned seed) {
        thread_ = std::thread([this, dsn, seed] { run(dsn, seed); });
    }
    ~CounterWorkload() { stop(); }
    CounterWorkload(const CounterWorkload&) = delete;
    CounterWorkload& operator=(const CounterWorkload&) = delete;
    void allow_more(long n) {
        {
            std::lock_guard lock(mu_);
            allowed_ += n;
        }
        cv_.notify_all();
    }
    bool caught_up() const { return done_.load() >= allowed_value(); }
    void stop() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    long transactions() const { return done_.load(); }

private:
    long allowed_value() const {
        std::lock_guard lock(mu_);
        return allowed_;
    }
    void run(const std::string& dsn, unsigned seed) {
        auto conn = pq::Connection::connect(dsn, pq::Mode::Normal, "workload");
        if (!conn.ok()) {
            ADD_FAILURE() << conn.status().message();
            return;
        }
        std::mt19937 rng(seed);
        std::vector<int> keys(kKeys);
        std::iota(keys.begin(), keys.end(), 1);
        for (;;) {
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [&] { return stop_ || done_.load() < allowed_; });
                if (stop_) {
                    return;
                }
            }
            std::shuffle(keys.begin(), keys.end(), rng);
            std::vector<int> chosen(keys.begin(), keys.begin() + 3);
            std::sort(chosen.begin(), chosen.end());
            std::string sql = "BEGIN;";
            for (int k : chosen) {
                sql += "UPDATE counters SET n = n + 1 WHERE id = " + std::to_string(k) + ";";
            }
            if (Status st = conn.value().run(sql + "COMMIT;", "workload"); !st.ok()) {
                ADD_FAILURE() << st.message();
                return;
            }
            ++done_;
        }
    }

    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    long allowed_ = 0;
    std::atomic<long> done_{0};
    std::thread thread_;
};

// What a consumer of the counters topic saw, record by record.
struct CounterHistory {
    struct Seen {
        std::int64_t n = 0;
        std::uint64_t lsn = 0;
        std::string op;
    };
    std::map<std::string, std::vector<Seen>> by_key;
    std::map<std::string, std::set<std::uint64_t>> orders_by_transaction;  // total_order values per id
    std::size_t parsed = 0;

    void add(const std::vector<KafkaRecord>& records) {
        for (; parsed < records.size(); ++parsed) {
            const json v = value_of(records[parsed]);
            by_key[records[parsed].key.value_or("")].push_back(
                {v.at("after").at("n").get<std::int64_t>(), v.at("source").at("lsn").get<std::uint64_t>(),
                 v.at("op").get<std::string>()});
            if (!v.at("transaction").is_null()) {
                orders_by_transaction[v.at("transaction").at("id").get<std::string>()].insert(
                    v.at("transaction").at("total_order").get<std::uint64_t>());
            }
        }
    }
    bool reached(const std::map<std::string, std::int64_t>& final_n) const {
        return std::all_of(final_n.begin(), final_n.end(), [&](const auto& kv) {
            const auto it = by_key.find(kv.first);
            return it != by_key.end() && std::any_of(it->second.begin(), it->second.end(),
                                                     [&](const Seen& s) { return s.n == kv.second; });
        });
    }
};

}  // namespace ferry::test
