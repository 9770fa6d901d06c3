// The dev broker (tools/kafka_dev_broker.cpp) that the Kafka tests, the demo and the benchmarks run
// on: it serves producers and consumers over the real protocol, and its fault commands take effect.
#include <gtest/gtest.h>

#include <map>

#include "kafka_harness.hpp"
#include "pg_harness.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

TEST(KafkaDevBroker, ServesProducersAndConsumersThroughInjectedFaults) {
    DevBroker broker;
    ASSERT_EQ(broker.command("topic orders 3 3"), "ok");
    EXPECT_NE(broker.command("no such command"), "ok");
    KafkaPtr producer = test_producer(broker.bootstrap());
    std::map<std::string, std::vector<std::string>> sent;  // per key, in order
    int n = 0;
    auto produce = [&](int count) {
        for (int i = 0; i < count; ++i, ++n) {
            const std::string key = "k" + std::to_string(n % 7);
            const std::string value = "v" + std::to_string(n);
            ASSERT_EQ(produce_sync(producer.get(), "orders", key, value), "") << value;
            sent[key].push_back(value);
        }
    };
    produce(20);
    // An injected error reaches the client: TOPIC_AUTHORIZATION_FAILED (29) is not retried.
    ASSERT_EQ(broker.command("errors 0 29 1"), "ok");
    KafkaPtr plain = test_producer(broker.bootstrap(), false);
    EXPECT_EQ(produce_sync(plain.get(), "orders", "x", "refused"), "TOPIC_AUTHORIZATION_FAILED");
    // Produce requests that fail with retriable errors (NOT_LEADER_OR_FOLLOWER = 6) are retried.
    ASSERT_EQ(broker.command("errors 0 6 3"), "ok");
    produce(10);
    // A partition's leader moves, a broker goes away and comes back, responses slow down.
    ASSERT_EQ(broker.command("leader orders 0 2"), "ok");
    ASSERT_EQ(broker.command("rtt 2 50"), "ok");
    produce(10);
    ASSERT_EQ(broker.command("down 3"), "ok");
    ASSERT_EQ(broker.command("up 3"), "ok");
    produce(10);
    const auto records = consume_until(broker.bootstrap(), {"orders"},
                                       [&](const std::vector<KafkaRecord>& r) { return r.size() >= 50; }, 60s);
    ASSERT_EQ(records.size(), 50U);
    std::map<std::string, std::vector<std::string>> received;
    for (const auto& r : records) {
        received[r.key.value_or("")].push_back(r.value.value_or(""));
    }
    EXPECT_EQ(received, sent);  // every message once, each key's in order
}

}  // namespace
}  // namespace ferry::test
