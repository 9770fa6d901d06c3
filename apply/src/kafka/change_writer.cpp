#include "change_writer.hpp"

#include "offsets_topic.hpp"
#include "topic_names.hpp"

namespace ferry::apply::kafka {

Result<std::unique_ptr<ChangeWriter>> ChangeWriter::open(const KafkaTargetConfig& config, LoggerPtr log,
                                                         const std::string& transactional_id) {
    auto producer = Producer::open(config.brokers, config.properties, std::move(log), transactional_id);
    if (!producer.ok()) {
        return producer.status();
    }
    return std::unique_ptr<ChangeWriter>(new ChangeWriter(config, std::move(producer).value()));
}

ChangeWriter::ChangeWriter(const KafkaTargetConfig& config, std::unique_ptr<Producer> producer)
    : config_(config), producer_(std::move(producer)) {
    ValueOptions options;
    options.decimals = config.precise_decimals ? DecimalHandling::Precise : DecimalHandling::String;
    options.temporal = config.epoch_temporals ? TemporalHandling::Epoch : TemporalHandling::IsoString;
    SourceBlock source;
    source.version = FERRY_VERSION;
    source.name = config.topic_prefix;
    source.database = config.source_database;
    encoder_ = std::make_unique<RecordEncoder>(options, std::move(source), config.source_types);
    transaction_topic_ = config.topic_prefix + ".transaction";
}

Status ChangeWriter::begin_transaction(const ChangeContext& context) {
    if (!config_.transaction_topic) {
        return {};
    }
    producer_->learn_topic(transaction_topic_);
    key_ = transaction_key(context);
    value_ = transaction_begin(context);
    return producer_->produce(transaction_topic_, &key_, &value_);
}

Status ChangeWriter::end_transaction(const ChangeContext& context, const std::vector<CollectionCount>& collections) {
    if (!config_.transaction_topic) {
        return {};
    }
    key_ = transaction_key(context);
    value_ = transaction_end(context, collections);
    return producer_->produce(transaction_topic_, &key_, &value_);
}

Status ChangeWriter::write(const RowChange& change, const ChangeContext& context) {
    auto has_key = encoder_->key(change, key_);
    if (!has_key.ok()) {
        return has_key.status();
    }
    if (Status st = encoder_->value(change, context, value_); !st.ok()) {
        return st;
    }
    const std::string& topic = topic_of(change.table->id);
    const std::string* key = has_key.value() ? &key_ : nullptr;
    if (Status st = producer_->produce(topic, key, &value_); !st.ok()) {
        return st;
    }
    if (change.op == Op::Delete && config_.tombstones) {
        return producer_->produce(topic, key, nullptr);
    }
    return {};
}

Status ChangeWriter::write_offset(const std::string& key, const std::optional<std::string>& value) {
    const std::string topic = offsets_topic(config_);
    producer_->learn_topic(topic);
    return producer_->produce(topic, &key, value ? &*value : nullptr);
}

const std::string& ChangeWriter::topic_of(const TableId& table) {
    auto it = topics_.find(table);
    if (it == topics_.end()) {
        it = topics_.emplace(table, topic_name(config_.topic_prefix, table)).first;
        producer_->learn_topic(it->second);
    }
    return it->second;
}

}  // namespace ferry::apply::kafka

namespace ferry::apply {

std::string check_kafka_properties(const std::map<std::string, std::string>& properties) {
    return kafka::Producer::check_properties(properties);
}

Status check_kafka_brokers(const KafkaTargetConfig& config, LoggerPtr log) {
    auto producer = kafka::Producer::open(config.brokers, config.properties, std::move(log));
    if (!producer.ok()) {
        return producer.status();
    }
    return producer.value()->check_reachable(10000);
}

Status check_kafka_topics(const KafkaTargetConfig& config, const std::vector<TableId>& tables) {
    if (std::string clash = kafka::check_topic_names(config.topic_prefix, tables); !clash.empty()) {
        return Status::error(Errc::InvalidConfig, clash);
    }
    return {};
}

}  // namespace ferry::apply
