// One librdkafka producer as Ferry uses it: idempotent (acks=all), keys partitioned by murmur2 as
// Java producers do, the user's target.properties on top; every record copied on hand-over, and
// flush() as the one point where all of them are known to be delivered.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ferry/core/status.hpp"

namespace spdlog {
class logger;
}

struct rd_kafka_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_s;

namespace ferry::apply::kafka {

class Producer {
public:
    // Errc::InvalidConfig naming target.properties.X when librdkafka rejects a setting.
    static Result<std::unique_ptr<Producer>> open(const std::string& brokers,
                                                  const std::map<std::string, std::string>& properties,
                                                  std::shared_ptr<spdlog::logger> log);
    // Sets every property on a throwaway configuration: the first rejected one, or "".
    static std::string check_properties(const std::map<std::string, std::string>& properties);
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
    // Fetches the topic's partitions now, before its first record (librdkafka would otherwise look a
    // new topic up on its next one-second scan, which costs every new producer up to a second).
    void learn_topic(const std::string& topic);

private:
    Producer() = default;
    static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* message, void* opaque);
    static void on_log(const rd_kafka_s* rk, int level, const char* facility, const char* line);
    Status fatal_error();

    std::unique_ptr<rd_kafka_s, void (*)(rd_kafka_s*)> handle_{nullptr, nullptr};
    // Declared after handle_: released before the producer is destroyed.
    std::map<std::string, std::unique_ptr<rd_kafka_topic_s, void (*)(rd_kafka_topic_s*)>> topics_;
    std::string brokers_;
    std::shared_ptr<spdlog::logger> log_;
    std::string first_failure_;  // of a delivery since the last flush
};

}  // namespace ferry::apply::kafka
