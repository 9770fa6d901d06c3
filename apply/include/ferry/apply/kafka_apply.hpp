// Kafka target: every change as a record in Debezium's change event format (kafka/debezium_*.hpp)
// on the topic <topic_prefix>.<schema>.<table>, keyed by the primary key, so that each row's
// history stays in one partition and in order (the murmur2 partitioner, as Java producers use).
//
// At-least-once: the producer is idempotent (acks=all), and flush() returns only once every record
// handed over so far has a successful delivery report; the agent stores the position only after
// that. A failed delivery makes flush() fail (Transient), so the position stays before it and the
// changes are sent again from there. Kafka holds no position of Ferry's: applied_position() is
// always none and the offset store is the truth.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ferry/core/ports.hpp"
#include "ferry/core/status.hpp"

namespace spdlog {
class logger;
}

namespace ferry::apply {

using LoggerPtr = std::shared_ptr<spdlog::logger>;

struct KafkaTargetConfig {
    std::string pipeline;      // the pipeline's name: its transactional ids and position keys
    std::string brokers;       // bootstrap.servers
    std::string topic_prefix;  // topics <prefix>.<schema>.<table>; also source.name in records
    std::map<std::string, std::string> properties;  // more librdkafka settings (TLS, SASL, compression)
    bool tombstones = true;    // a null-valued record after each delete (for compacted topics)
    bool transaction_topic = false;  // BEGIN/END records on <topic_prefix>.transaction
    // Records and positions in Kafka transactions (positions in <topic_prefix>.offsets): a
    // read_committed consumer sees every change once, whatever crashed when.
    bool exactly_once = false;
    std::size_t copy_jobs = 1;  // loaders open at once (each needs a transactional id of its own)
    bool precise_decimals = false;  // Debezium's decimal.handling.mode precise (default: string)
    bool epoch_temporals = false;   // Debezium's epoch forms for dates and times (default: ISO-8601 text)
    std::string source_database;    // PostgreSQL sources: the database, source.db in records
    std::vector<UserType> source_types;  // PostgreSQL sources: domains carried as their base types
};

// The first problem librdkafka has with these settings ("target.properties.X: why"), or "".
std::string check_kafka_properties(const std::map<std::string, std::string>& properties);

// Whether the brokers answer: Errc::Transient saying what to check when they do not.
Status check_kafka_brokers(const KafkaTargetConfig& config, LoggerPtr log);

// Every table has a topic name of its own (Errc::InvalidConfig otherwise).
Status check_kafka_topics(const KafkaTargetConfig& config, const std::vector<TableId>& tables);

// librdkafka's own log lines go to `log` (warnings and errors as warnings: the sink reports what
// failed for good).
Result<std::unique_ptr<ChangeSink>> open_kafka_change_sink(const KafkaTargetConfig& config, LoggerPtr log);

// Exactly-once: registers every transactional id of the pipeline (the stream's and the copy_jobs
// loaders'), which aborts what a killed run left open: open transactions would hold back
// read_committed consumers until they time out.
Status abort_kafka_leftovers(const KafkaTargetConfig& config, LoggerPtr log);
// The transactional id of a snapshot loader ("" unless exactly-once).
std::string copy_transactional_id(const KafkaTargetConfig& config, std::size_t loader_index);

// Exactly-once: forgets the stream position an earlier pipeline of this name left in Kafka.
Status forget_kafka_applied_position(const KafkaTargetConfig& config, LoggerPtr log);

// Copied rows as read records (op "r"). Kafka keeps no checkpoint: an interrupted table is sent again.
// Exactly-once: each table's copy is one Kafka transaction, committed with a record of it in
// <topic_prefix>.offsets; `loader_index` (0..copy_jobs-1) picks the transactional id.
Result<std::unique_ptr<SnapshotLoader>> open_kafka_snapshot_loader(const KafkaTargetConfig& config, LoggerPtr log,
                                                                   std::size_t loader_index = 0);

}  // namespace ferry::apply
