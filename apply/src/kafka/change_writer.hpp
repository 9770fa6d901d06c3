// What the Kafka change sink and snapshot loader share: a change made into its Debezium record
// (and tombstone) and handed to the producer on its table's topic.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "debezium_envelope.hpp"
#include "ferry/apply/kafka_apply.hpp"
#include "producer.hpp"

namespace ferry::apply::kafka {

class ChangeWriter {
public:
    // `transactional_id`: "" unless exactly-once (see Producer::open).
    static Result<std::unique_ptr<ChangeWriter>> open(const KafkaTargetConfig& config, LoggerPtr log,
                                                      const std::string& transactional_id = "");

    Status write(const RowChange& change, const ChangeContext& context);
    // BEGIN and END records on <topic_prefix>.transaction, when target.transaction_topic is on.
    Status begin_transaction(const ChangeContext& context);
    Status end_transaction(const ChangeContext& context, const std::vector<CollectionCount>& collections);
    Producer& producer() { return *producer_; }
    const KafkaTargetConfig& config() const { return config_; }
    // A record on <topic_prefix>.offsets (offsets_topic.hpp), in the open transaction.
    Status write_offset(const std::string& key, const std::optional<std::string>& value);

private:
    ChangeWriter(const KafkaTargetConfig& config, std::unique_ptr<Producer> producer);
    const std::string& topic_of(const TableId& table);

    KafkaTargetConfig config_;
    std::unique_ptr<RecordEncoder> encoder_;
    std::unique_ptr<Producer> producer_;
    std::string key_;    // reused: no allocation per record
    std::string value_;
    std::map<TableId, std::string> topics_;
    std::string transaction_topic_;
};

}  // namespace ferry::apply::kafka
