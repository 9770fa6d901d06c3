// The Kafka change sink against the dev broker: records in Debezium's format on the table's topic,
// in order per key with a tombstone after each delete, and a failed delivery that makes flush() fail
// instead of letting the position move past it.
#include <gtest/gtest.h>

#include "ferry/apply/kafka_apply.hpp"
#include "kafka_harness.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

SchemaPtr orders() {
    auto t = std::make_shared<TableSchema>();
    t->id = {"shop", "orders"};
    t->primary_key = {"id"};
    t->columns = {Column{"id", "integer", 23, true, false}, Column{"note", "text", 25, false, true}};
    return t;
}

RowChange change(Op op, std::vector<Value> before, std::vector<Value> after) {
    RowChange c;
    c.op = op;
    c.table = orders();
    c.before = std::move(before);
    c.after = std::move(after);
    return c;
}

// One source transaction with these changes, committed and flushed.
Status apply_transaction(ChangeSink& sink, std::uint32_t xid, std::vector<RowChange> changes) {
    TxnBegin begin;
    begin.xid = xid;
    begin.commit_position = PgLsn{1000U + xid};
    begin.commit_time = std::chrono::system_clock::now();
    ChangeBatch batch;
    batch.changes = std::move(changes);
    TxnCommit commit;
    commit.commit_position = begin.commit_position;
    commit.end_position = PgLsn{1001U + xid};
    for (Status st : {sink.begin(begin), sink.apply(batch), sink.commit(commit)}) {
        if (!st.ok()) {
            return st;
        }
    }
    EXPECT_EQ(sink.pending_transactions(), 1U);
    return sink.flush();
}

apply::KafkaTargetConfig sink_config(const DevBroker& broker) {
    apply::KafkaTargetConfig config;
    config.brokers = broker.bootstrap();
    config.topic_prefix = "app";
    config.source_database = "appdb";
    config.properties = {{"message.timeout.ms", "5000"}};
    return config;
}

TEST(KafkaSink, ChangesBecomeDebeziumRecordsInOrderWithTombstones) {
    DevBroker broker;
    ASSERT_EQ(broker.command("topic app.shop.orders 3 3"), "ok");
    auto sink = apply::open_kafka_change_sink(sink_config(broker), nullptr);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    ASSERT_TRUE(apply_transaction(*sink.value(), 7, {change(Op::Insert, {}, {std::string("1"), std::string("a")}),
                                                     change(Op::Update, {}, {std::string("1"), std::string("b")}),
                                                     change(Op::Delete, {std::string("1"), Null{}}, {})})
                    .ok());
    EXPECT_EQ(sink.value()->pending_transactions(), 0U);
    const auto records = consume_until(broker.bootstrap(), {"app.shop.orders"},
                                       [](const std::vector<KafkaRecord>& r) { return r.size() >= 4; }, 30s);
    ASSERT_EQ(records.size(), 4U);
    for (const auto& r : records) {
        EXPECT_EQ(r.key, std::optional<std::string>(R"({"id":1})"));
        EXPECT_EQ(r.partition, records[0].partition);  // one key, one partition
    }
    const auto has = [&](std::size_t i, const std::string& part) {
        return records[i].value && records[i].value->find(part) != std::string::npos;
    };
    EXPECT_TRUE(has(0, R"({"before":null,"after":{"id":1,"note":"a"},)")) << records[0].value.value_or("");
    EXPECT_TRUE(has(0, R"("op":"c")"));
    EXPECT_TRUE(has(1, R"("after":{"id":1,"note":"b"})") && has(1, R"("op":"u")"));
    EXPECT_TRUE(has(2, R"("before":{"id":1,"note":null},"after":null)") && has(2, R"("op":"d")"));
    EXPECT_TRUE(has(0, R"("connector":"postgresql","name":"app")") && has(0, R"("db":"appdb")"));
    EXPECT_TRUE(has(2, R"("transaction":{"id":"7:1007","total_order":3,"data_collection_order":3})"));
    EXPECT_EQ(records[3].value, std::nullopt);  // the tombstone
}

TEST(KafkaSink, AFailedDeliveryFailsTheFlush) {
    DevBroker broker;
    ASSERT_EQ(broker.command("topic app.shop.orders 1 3"), "ok");
    auto sink = apply::open_kafka_change_sink(sink_config(broker), nullptr);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    // Every produce request fails with TOPIC_AUTHORIZATION_FAILED (29), which is not retried.
    ASSERT_EQ(broker.command("errors 0 29 100"), "ok");
    const Status st = apply_transaction(*sink.value(), 8, {change(Op::Insert, {}, {std::string("2"), std::string("x")})});
    ASSERT_FALSE(st.ok());
    EXPECT_TRUE(st.retryable()) << st.message();
    EXPECT_NE(st.message().find("was not delivered to Kafka"), std::string::npos) << st.message();
}

TEST(KafkaSink, APropertyLibrdkafkaRejectsIsAConfigurationError) {
    DevBroker broker;
    auto config = sink_config(broker);
    config.properties["compression.type"] = "snappyish";
    auto sink = apply::open_kafka_change_sink(config, nullptr);
    ASSERT_FALSE(sink.ok());
    EXPECT_EQ(sink.status().code(), Errc::InvalidConfig);
    EXPECT_NE(sink.status().message().find("target.properties.compression.type"), std::string::npos)
        << sink.status().message();
}

}  // namespace
}  // namespace ferry::test
