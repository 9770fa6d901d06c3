// The Kafka target: topics need nothing prepared (brokers create them on first use, or the user
// creates them with their own partition counts and retention), and Kafka records carry no schema,
// so column drops need nothing either.
#include "drivers.hpp"
#include "ferry/apply/kafka_apply.hpp"
#include "ferry/capture/pg_capture.hpp"
#include "logging.hpp"

namespace ferry::agent {

namespace {

class KafkaTargetDriver final : public TargetDriver {
public:
    explicit KafkaTargetDriver(const Config& config) : config_(config.target.kafka) {
        if (config.source.type == "postgres") {
            config_.source_database = capture::pg_url_database(config.source.url);
        }
    }
    std::string describe() const override { return "kafka " + config_.brokers + " topics " + config_.topic_prefix + ".*"; }
    Status check_target() override { return apply::check_kafka_brokers(config_, make_logger("apply.kafka")); }
    Status prepare(const SourceCatalog& tables, bool) override {
        std::vector<TableId> ids;
        for (const auto& t : tables.tables) {
            ids.push_back(t.id);
        }
        return apply::check_kafka_topics(config_, ids);
    }
    Status forget_applied_position() override { return {}; }
    Status drop_columns(const TableId&, const std::vector<std::string>&) override { return {}; }
    Result<std::unique_ptr<SnapshotLoader>> open_loader() override {
        return apply::open_kafka_snapshot_loader(config_, make_logger("apply.kafka"));
    }
    Result<std::unique_ptr<ChangeSink>> open_sink(const SourceCatalog&) override {
        return apply::open_kafka_change_sink(config_, make_logger("apply.kafka"));
    }

private:
    apply::KafkaTargetConfig config_;
};

}  // namespace

std::unique_ptr<TargetDriver> make_kafka_target_driver(const Config& config) {
    return std::make_unique<KafkaTargetDriver>(config);
}

}  // namespace ferry::agent
