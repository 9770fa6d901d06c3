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
        config_.pipeline = config.name;
        config_.copy_jobs = config.snapshot_jobs;
        if (config.source.type == "postgres") {
            config_.source_database = capture::pg_url_database(config.source.url);
        }
    }
    std::string describe() const override { return "kafka " + config_.brokers + " topics " + config_.topic_prefix + ".*"; }
    Status check_target() override {
        auto log = make_logger("apply.kafka");
        if (Status st = apply::check_kafka_brokers(config_, log); !st.ok()) {
            return st;
        }
        return apply::abort_kafka_leftovers(config_, log);
    }
    Status prepare(const SourceCatalog& tables, bool) override {
        config_.source_types = tables.types;  // for the loaders opened next
        std::vector<TableId> ids;
        for (const auto& t : tables.tables) {
            ids.push_back(t.id);
        }
        return apply::check_kafka_topics(config_, ids);
    }
    Status forget_applied_position() override {
        return apply::forget_kafka_applied_position(config_, make_logger("apply.kafka"));
    }
    Status drop_columns(const TableId&, const std::vector<std::string>&) override { return {}; }
    Result<std::unique_ptr<SnapshotLoader>> open_loader() override {
        // Loaders are open at most copy_jobs at a time (one per snapshot job); their transactional
        // ids go round, so that the same few ids are used run after run.
        return apply::open_kafka_snapshot_loader(config_, make_logger("apply.kafka"), next_loader_++ % config_.copy_jobs);
    }
    Result<std::unique_ptr<ChangeSink>> open_sink(const SourceCatalog& tables) override {
        config_.source_types = tables.types;
        return apply::open_kafka_change_sink(config_, make_logger("apply.kafka"));
    }

private:
    apply::KafkaTargetConfig config_;
    std::size_t next_loader_ = 0;
};

}  // namespace

std::unique_ptr<TargetDriver> make_kafka_target_driver(const Config& config) {
    return std::make_unique<KafkaTargetDriver>(config);
}

}  // namespace ferry::agent
