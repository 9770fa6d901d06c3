// Kafka for the tests: the dev broker (tools/kafka_dev_broker.cpp) in a process of its own, driven
// through its stdin, and a plain librdkafka producer and consumer to talk to it.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/core/c_handle.hpp"

namespace ferry::test {

using KafkaPtr = std::unique_ptr<rd_kafka_t, CDeleter<&rd_kafka_destroy>>;

class DevBroker {
public:
    explicit DevBroker(int brokers = 3);
    ~DevBroker();  // closes its stdin, which ends it
    DevBroker(const DevBroker&) = delete;
    DevBroker& operator=(const DevBroker&) = delete;

    const std::string& bootstrap() const { return bootstrap_; }
    // One control line (see the tool's header); returns its answer ("ok" or "error: ...").
    std::string command(const std::string& line);

private:
    std::string read_line();
    int pid_ = -1;
    int to_broker_ = -1;
    int from_broker_ = -1;
    std::string buffered_;
    std::string bootstrap_;
};

struct KafkaRecord {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::optional<std::string> key;
    std::optional<std::string> value;  // nullopt: a tombstone
    std::map<std::string, std::string> headers;
};

// A producer with acks=all, idempotent unless said otherwise.
KafkaPtr test_producer(const std::string& bootstrap, bool idempotent = true);
// Produces and waits for the delivery report; returns librdkafka's error name or "".
std::string produce_sync(rd_kafka_t* producer, const std::string& topic, const std::string& key, const std::string& value);

// Reads `topics` from the beginning until `done(records so far)` or the deadline; returns what it read.
std::vector<KafkaRecord> consume_until(const std::string& bootstrap, const std::vector<std::string>& topics,
                                       const std::function<bool(const std::vector<KafkaRecord>&)>& done,
                                       std::chrono::milliseconds deadline);

}  // namespace ferry::test
