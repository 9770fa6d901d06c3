#include "offsets_topic.hpp"

#include <librdkafka/rdkafka.h>

#include <array>
#include <chrono>
#include <set>

#include "ferry/core/c_handle.hpp"

namespace ferry::apply::kafka {

namespace {

using KafkaPtr = std::unique_ptr<rd_kafka_t, CDeleter<&rd_kafka_destroy>>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, CDeleter<&rd_kafka_conf_destroy>>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, CDeleter<&rd_kafka_metadata_destroy>>;
using PartitionsPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, CDeleter<&rd_kafka_topic_partition_list_destroy>>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, CDeleter<&rd_kafka_message_destroy>>;

Status unreadable(const std::string& topic, const std::string& why) {
    return Status::error(Errc::Transient, "reading Ferry's positions from " + topic + ": " + why);
}

Result<KafkaPtr> reader(const KafkaTargetConfig& config) {
    ConfPtr conf{rd_kafka_conf_new()};
    std::map<std::string, std::string> settings = config.properties;
    // Only settings a consumer takes: producer ones would be warned about.
    for (const char* producer_only : {"compression.type", "linger.ms", "partitioner", "message.timeout.ms",
                                      "transaction.timeout.ms", "queue.buffering.max.messages",
                                      "queue.buffering.max.kbytes", "batch.size", "batch.num.messages"}) {
        settings.erase(producer_only);
    }
    settings["bootstrap.servers"] = config.brokers;
    settings["group.id"] = "ferry-offsets-reader";  // never joins: partitions are assigned, nothing committed
    settings["enable.auto.commit"] = "false";
    settings["isolation.level"] = "read_committed";
    settings["enable.partition.eof"] = "true";
    std::array<char, 512> err{};
    for (const auto& [name, value] : settings) {
        if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err.data(), err.size()) != RD_KAFKA_CONF_OK) {
            return Status::error(Errc::InvalidConfig, "target.properties." + name + ": " + err.data());
        }
    }
    KafkaPtr consumer{rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err.data(), err.size())};
    if (!consumer) {
        return Status::error(Errc::InvalidConfig, std::string("the Kafka consumer: ") + err.data());
    }
    conf.release();
    return consumer;
}

}  // namespace

std::string offsets_topic(const KafkaTargetConfig& config) { return config.topic_prefix + ".offsets"; }
std::string stream_key(const KafkaTargetConfig& config) { return config.pipeline; }
std::string copy_key(const KafkaTargetConfig& config, const TableId& table) {
    return config.pipeline + "/copy/" + display_name(table);
}

std::string position_value(const SourcePosition& position, std::optional<std::uint64_t> rows) {
    std::string out = "position=" + format_position(position);
    if (rows) {
        out += "\nrows=" + std::to_string(*rows);
    }
    return out;
}

std::optional<SourcePosition> parse_position_value(const std::string& value) {
    constexpr std::string_view kPrefix = "position=";
    if (!value.starts_with(kPrefix)) {
        return std::nullopt;
    }
    const auto end = value.find('\n');
    SourcePosition position;
    if (!parse_position(std::string_view(value).substr(kPrefix.size(), end == std::string::npos ? end : end - kPrefix.size()),
                        position)) {
        return std::nullopt;
    }
    return position;
}

Result<std::map<std::string, std::optional<std::string>>> read_offsets(const KafkaTargetConfig& config) {
    const std::string topic = offsets_topic(config);
    auto consumer = reader(config);
    if (!consumer.ok()) {
        return consumer.status();
    }
    rd_kafka_t* rk = consumer.value().get();
    std::unique_ptr<rd_kafka_topic_t, CDeleter<&rd_kafka_topic_destroy>> handle{rd_kafka_topic_new(rk, topic.c_str(), nullptr)};
    const rd_kafka_metadata_t* raw = nullptr;
    if (rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, handle.get(), &raw, 10000); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return unreadable(topic, rd_kafka_err2str(err));
    }
    MetadataPtr metadata{raw};
    std::map<std::string, std::optional<std::string>> latest;
    if (metadata->topic_cnt != 1 || metadata->topics[0].err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
        || metadata->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || metadata->topics[0].partition_cnt == 0) {
        return latest;  // nothing written yet
    }
    PartitionsPtr partitions{rd_kafka_topic_partition_list_new(metadata->topics[0].partition_cnt)};
    for (int p = 0; p < metadata->topics[0].partition_cnt; ++p) {
        rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), metadata->topics[0].partitions[p].id)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    }
    if (rd_kafka_resp_err_t err = rd_kafka_assign(rk, partitions.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return unreadable(topic, rd_kafka_err2str(err));
    }
    std::set<std::int32_t> at_end;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (at_end.size() < static_cast<std::size_t>(partitions->cnt)) {
        if (std::chrono::steady_clock::now() > deadline) {
            return unreadable(topic, "its end was not reached within 60 s");
        }
        MessagePtr m{rd_kafka_consumer_poll(rk, 200)};
        if (!m) {
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            at_end.insert(m->partition);
        } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return unreadable(topic, rd_kafka_message_errstr(m.get()));
        } else if (m->key != nullptr) {
            std::string key(static_cast<const char*>(m->key), m->key_len);
            latest[std::move(key)] = m->payload == nullptr
                                         ? std::nullopt
                                         : std::optional<std::string>(std::string(static_cast<const char*>(m->payload), m->len));
        }
    }
    return latest;
}

}  // namespace ferry::apply::kafka
