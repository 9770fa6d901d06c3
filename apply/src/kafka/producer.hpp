// One librdkafka producer as Ferry uses it: idempotent (acks=all), keys partitioned by murmur2 as
// Java producers do, the user's target.properties on top; every record copied on hand-over, and
// flush() as the one point where all of them are known to be delivered.
//
// With a transactional id (exactly-once), records go out inside Kafka transactions: begin(), then
// commit() makes all of them visible to read_committed consumers at once, or abort() none. Every
// record of a transaction carries the header "ferry.txn" naming it, so that what a transaction
// held can be told apart in a topic (the tests emulate read_committed with it, see README).
#pragma once

#include <map>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>

#include "ferry/core/status.hpp"

namespace spdlog {
class logger;
}

struct rd_kafka_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_s;
struct rd_kafka_error_s;

namespace ferry::apply::kafka {

class Producer {
public:
    // Errc::InvalidConfig naming target.properties.X when librdkafka rejects a setting.
    // `transactional_id` "": idempotent only. Otherwise the producer is registered as that id, which
    // aborts what an earlier producer of the same id left open and fences it off (Errc::Fatal for
    // the one fenced later).
    static Result<std::unique_ptr<Producer>> open(const std::string& brokers,
                                                  const std::map<std::string, std::string>& properties,
                                                  std::shared_ptr<spdlog::logger> log,
                                                  const std::string& transactional_id = "");
    // Sets every property on a throwaway configuration: the first rejected one, or "".
    static std::string check_properties(const std::map<std::string, std::string>& properties);
    ~Producer();
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;

    // Hands one record over (librdkafka copies it; no key: null, no value: a tombstone); waits while
    // the local queue is full.
    Status produce(const std::string& topic, const std::string* key, const std::string* value);
    // Returns once every record handed over has a delivery report: OK when all succeeded, else
    // Errc::Transient naming the first failure (the caller's position must not move past it).
    Status flush();
    // Transactions (a transactional producer only): errors are Errc::Transient when the transaction
    // was aborted and can be made again, Errc::Fatal when another producer took the id over.
    bool in_transaction() const { return in_transaction_; }
    Status begin();
    Status commit();
    Status abort();

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
    Status transaction_error(rd_kafka_error_s* error, const char* doing);

    std::unique_ptr<rd_kafka_s, void (*)(rd_kafka_s*)> handle_{nullptr, nullptr};
    // Released before handle_ (see ~Producer).
    std::map<std::string, std::unique_ptr<rd_kafka_topic_s, void (*)(rd_kafka_topic_s*)>> topics_;
    std::string brokers_;
    std::shared_ptr<spdlog::logger> log_;
    std::string first_failure_;  // of a delivery since the last flush
    std::string transactional_id_;
    bool in_transaction_ = false;
    std::string transaction_name_;  // "ferry.txn" of the open transaction: <id>/<run>/<n>
    std::uint32_t run_ = 0;  // tells this producer's transactions from an earlier one's
    std::uint64_t transactions_ = 0;
    std::uint32_t unpolled_ = 0;  // records handed over since delivery reports were last served
};

}  // namespace ferry::apply::kafka
