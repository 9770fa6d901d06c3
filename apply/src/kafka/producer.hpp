// One librdkafka producer as Ferry uses it: idempotent (acks=all), keys partitioned by murmur2 as
// Java producers do, the user's target.properties on top; every record copied on hand-over, and
// flush() as the one point where all of them are known to be delivered.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ferry/core/status.hpp"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace ferry::apply::kafka {

class Producer {
public:
    // Errc::InvalidConfig naming target.properties.X when librdkafka rejects a setting.
    static Result<std::unique_ptr<Producer>> open(const std::string& brokers,
                                                  const std::map<std::string, std::string>& properties);
    ~Producer();
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;

    // Hands one record over (value nullopt: a tombstone); waits while the local queue is full.
    Status produce(const std::string& topic, const std::optional<std::string>& key,
                   const std::optional<std::string>& value);
    // Returns once every record handed over has a delivery report: OK when all succeeded, else
    // Errc::Transient naming the first failure (the caller's position must not move past it).
    Status flush();
    // Asks the cluster for its brokers within `timeout_ms`: Errc::Transient saying why not.
    Status check_reachable(int timeout_ms);

private:
    Producer() = default;
    static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* message, void* opaque);
    Status fatal_error();

    std::unique_ptr<rd_kafka_s, void (*)(rd_kafka_s*)> handle_{nullptr, nullptr};
    std::string brokers_;
    std::string first_failure_;  // of a delivery since the last flush
};

}  // namespace ferry::apply::kafka
