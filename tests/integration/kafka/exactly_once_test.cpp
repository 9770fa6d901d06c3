// PostgreSQL -> Kafka with target.exactly_once: kill -9 at random moments, in the copy and in the
// stream, and a consumer that sees every change exactly once.
//
// The dev broker (librdkafka 2.0.2's mock cluster) keeps aborted transactions' records visible to
// read_committed consumers, so the test's consumer does what a real broker does for them: it keeps
// a record only if its transaction (header "ferry.txn") also wrote a record to <prefix>.offsets,
// which Ferry writes last in each transaction, just before committing it. Ferry's own recovery reads
// the same topic, so both see the same transactions as committed.
#include "pg_kafka_fixture.hpp"

namespace ferry::test {
namespace {

class ExactlyOnce : public PgToKafka {
protected:
    // Transaction names that wrote to the offsets topic: what read_committed would show.
    std::set<std::string> committed_transactions() {
        const auto offsets = records_of({name_ + ".offsets"}, 0, 10s);
        std::set<std::string> out;
        for (const auto& r : offsets) {
            if (r.headers.contains("ferry.txn")) {
                out.insert(r.headers.at("ferry.txn"));
            }
        }
        return out;
    }

    std::vector<KafkaRecord> records_of(const std::vector<std::string>& topics, std::size_t count,
                                        std::chrono::milliseconds limit) {
        return consume_until(broker_.bootstrap(), topics,
                             [count](const std::vector<KafkaRecord>& r) { return count > 0 && r.size() >= count; },
                             limit);
    }
};

TEST_F(ExactlyOnce, KillNineInCopyAndStreamLeavesEveryChangeOnceForReadCommitted) {
    constexpr int kFillerRows = 100000;  // a copy long enough (~0.7 s) for kills to land inside it
    src_->exec("CREATE TABLE counters (id int PRIMARY KEY, n bigint NOT NULL)");
    src_->exec("INSERT INTO counters SELECT g, 0 FROM generate_series(1, " + std::to_string(CounterWorkload::kKeys) + ") g");
    src_->exec("CREATE TABLE filler (id int PRIMARY KEY, payload text)");
    src_->exec("INSERT INTO filler SELECT g, 'x' FROM generate_series(1, " + std::to_string(kFillerRows) + ") g");
    make_topics({"counters"});
    // The dev broker keeps 5 MB per partition: room for several (aborted) copies of filler.
    ASSERT_EQ(broker_.command("topic " + topic("filler") + " 32 3"), "ok");
    ASSERT_EQ(broker_.command("topic " + name_ + ".offsets 1 3"), "ok");
    write_config({"counters", "filler"}, "  exactly_once: true\n", "batch_transactions: 50\nsnapshot_jobs: 2\n");
    const unsigned seed = std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> early_ms(0, 300);
    std::uniform_int_distribution<int> delay_ms(0, 1500);
    std::uniform_int_distribution<long> step(100, 400);
    CounterWorkload writer1(src_->dsn(), seed);
    CounterWorkload writer2(src_->dsn(), seed + 1);
    int copy_kills = 0;
    // Polled every 5 ms at most: the default backoff (to 250 ms) is too coarse to aim a kill into
    // a copy of half a second.
    constexpr auto kFinePolling = 5ms;
    for (int round = 0; round < 6; ++round) {
        auto ferry = start_ferry("run" + std::to_string(round) + ".log");
        // The first rounds kill at a random moment after the copy began, the later ones in the stream.
        ASSERT_TRUE(eventually([&] {
            const auto log = ferry->log();
            return !ferry->running() || (round < 3 && log.find("copying") != std::string::npos)
                   || log.find("streaming from slot") != std::string::npos;
        }, 60s, kFinePolling)) << ferry->log();
        writer1.allow_more(step(rng));  // changes flowing while the kill comes
        writer2.allow_more(step(rng));
        // The random moment: until then ferry must keep running (it never ends on its own).
        eventually([&] { return !ferry->running(); },
                   std::chrono::milliseconds(round < 3 ? early_ms(rng) : delay_ms(rng)), kFinePolling);
        ASSERT_TRUE(ferry->running()) << ferry->log();
        ferry->kill_hard();
        const auto log = ferry->log();
        copy_kills += log.find("copying") != std::string::npos && log.find("snapshot done") == std::string::npos;
    }
    writer1.allow_more(step(rng));
    writer2.allow_more(step(rng));
    ASSERT_TRUE(eventually([&] { return writer1.caught_up() && writer2.caught_up(); }, 60s));
    writer1.stop();
    writer2.stop();
    // A last transaction of the test's own, flushed up to `after_last`: once the slot has confirmed
    // that far, Ferry has committed it, and every one before it, to Kafka (an idle stream's
    // heartbeats confirm up to where the walsender has read, which may be inside this transaction
    // before its commit: a mark before it proves nothing).
    src_->exec("BEGIN; UPDATE counters SET n = n + 1 WHERE id IN (1, 2, 3); COMMIT");
    const std::string after_last = src_->scalar("SELECT pg_current_wal_lsn()");
    std::map<std::string, std::int64_t> final_n;
    for (const auto& row : src_->query("SELECT id, n FROM counters")) {
        final_n[R"({"id":)" + *row[0] + "}"] = std::stoll(*row[1]);
    }
    auto ferry = start_ferry("final.log");
    ASSERT_TRUE(eventually([&] {
        return src_->scalar("SELECT confirmed_flush_lsn >= '" + after_last + "' FROM pg_replication_slots WHERE slot_name = "
                            "'ferry_" + name_ + "'") == "t";
    }, 120s)) << ferry->log();
    ferry->terminate();
    EXPECT_EQ(ferry->wait(30s), 0) << ferry->log();

    EXPECT_GE(copy_kills, 1);
    const auto committed = committed_transactions();
    ASSERT_FALSE(committed.empty());
    CounterHistory history;
    std::map<std::string, int> filler_reads;
    std::size_t left_out = 0;
    std::vector<KafkaRecord> kept;
    for (auto& r : records_of({topic("counters"), topic("filler")}, 0, 20s)) {
        if (!r.headers.contains("ferry.txn") || !committed.contains(r.headers.at("ferry.txn"))) {
            ++left_out;  // an aborted transaction's record: a real broker hides it from read_committed
            continue;
        }
        if (r.topic == topic("filler")) {
            ++filler_reads[r.key.value_or("")];
        } else {
            kept.push_back(std::move(r));
        }
    }
    history.add(kept);
    // The copy of filler: every row once.
    EXPECT_EQ(filler_reads.size(), static_cast<std::size_t>(kFillerRows));
    for (const auto& [key, reads] : filler_reads) {
        ASSERT_EQ(reads, 1) << key;
    }
    // Per key: one read record, then every value once, in order, up to the source's.
    for (const auto& [key, seen] : history.by_key) {
        ASSERT_EQ(seen.front().op, "r") << key;
        for (std::size_t i = 1; i < seen.size(); ++i) {
            ASSERT_EQ(seen[i].op, "u") << key << " record " << i;
            ASSERT_EQ(seen[i].n, seen[i - 1].n + 1) << key << " record " << i;
        }
        EXPECT_EQ(seen.back().n, final_n.at(key)) << key;
    }
    EXPECT_EQ(history.by_key.size(), final_n.size());
    for (const auto& [id, orders] : history.orders_by_transaction) {
        EXPECT_EQ(orders, (std::set<std::uint64_t>{1, 2, 3})) << id;
    }
    std::cout << "exactly-once: " << copy_kills << " kills in the copy, " << committed.size()
              << " committed Kafka transactions, " << left_out << " records of aborted ones left out\n";
}

TEST_F(ExactlyOnce, AFencedProducerStopsFerryWithAClearError) {
    src_->exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
    make_topics({"t"});
    write_config({"t"}, "  exactly_once: true\n");
    auto ferry = start_ferry();
    ASSERT_TRUE(eventually([&] { return ferry->log().find("streaming from slot") != std::string::npos; }, 60s))
        << ferry->log();
    // What the brokers answer a producer after another one registered the same transactional id.
    ASSERT_EQ(broker_.command("errors 26 90 1"), "ok");  // EndTxn: PRODUCER_FENCED
    src_->exec("INSERT INTO t VALUES (1, 1)");
    EXPECT_EQ(ferry->wait(60s), 1) << ferry->log();
    EXPECT_NE(ferry->log().find("another Ferry with the same pipeline name took over"), std::string::npos) << ferry->log();
}

}  // namespace
}  // namespace ferry::test
