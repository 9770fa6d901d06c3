// The Kafka change sink (ferry/apply/kafka_apply.hpp): records produced as changes arrive, and
// flush() as the point where every one of them is confirmed.
#include <chrono>
#include <map>
#include <vector>

#include "change_writer.hpp"
#include "offsets_topic.hpp"
#include "ferry/apply/kafka_apply.hpp"

namespace ferry::apply {

namespace {

// The stream's Kafka transactions: one id per pipeline, so that a second instance fences the first.
std::string stream_transactional_id(const KafkaTargetConfig& config) {
    return config.exactly_once ? "ferry-" + config.pipeline : std::string();
}

class KafkaChangeSink final : public ChangeSink {
public:
    explicit KafkaChangeSink(std::unique_ptr<kafka::ChangeWriter> writer) : writer_(std::move(writer)) {}

    // Exactly-once: the position written in the last committed Kafka transaction.
    Result<std::optional<SourcePosition>> applied_position() override {
        if (!writer_->config().exactly_once) {
            return std::optional<SourcePosition>{};
        }
        auto offsets = kafka::read_offsets(writer_->config());
        if (!offsets.ok()) {
            return offsets.status();
        }
        const auto it = offsets.value().find(kafka::stream_key(writer_->config()));
        if (it == offsets.value().end() || !it->second) {
            return std::optional<SourcePosition>{};
        }
        auto position = kafka::parse_position_value(*it->second);
        if (!position) {
            return Status::error(Errc::Corruption, "the position under key " + it->first + " in "
                                                       + kafka::offsets_topic(writer_->config())
                                                       + " is not Ferry's; give the pipeline another name or topic_prefix");
        }
        return position;
    }

    Status begin(const TxnBegin& begin) override {
        if (writer_->config().exactly_once && !writer_->producer().in_transaction()) {
            if (Status st = writer_->producer().begin(); !st.ok()) {
                return st;
            }
        }
        context_ = kafka::ChangeContext{};
        context_.position = begin.commit_position;
        context_.txid = begin.xid;
        context_.gtid = begin.gtid;
        context_.server_id = begin.server_id;
        context_.commit_ms = kafka::epoch_ms(begin.commit_time);
        per_table_.clear();
        return {};
    }

    Status apply(const ChangeBatch& batch) override {
        context_.now_ms = kafka::epoch_ms(std::chrono::system_clock::now());  // per batch: a clock read per change shows
        for (const auto& change : batch.changes) {
            if (context_.total_order == 0) {  // a transaction without changes to captured tables has no BEGIN
                if (Status st = writer_->begin_transaction(context_); !st.ok()) {
                    return st;
                }
            }
            ++context_.total_order;
            context_.collection_order = ++per_table_[change.table->id];
            if (Status st = writer_->write(change, context_); !st.ok()) {
                // An unfit value's message says which target setting carries it (nothing to fix at the source).
                return st.with_context("at " + format_position(context_.position));
            }
        }
        return {};
    }

    Status change_schema(const SchemaChange&) override { return {}; }  // records carry no schema

    Status commit(const TxnCommit& commit) override {
        ++pending_;
        last_end_ = commit.end_position;
        if (context_.total_order == 0) {
            return {};
        }
        std::vector<kafka::CollectionCount> collections;
        for (const auto& [table, events] : per_table_) {
            collections.push_back({table, events});
        }
        return writer_->end_transaction(context_, collections);
    }

    // Every record handed over so far is confirmed, or this fails and the position stays put.
    // Exactly-once: the position goes into the Kafka transaction, which commits with it.
    Status flush() override {
        pending_ = 0;
        auto& producer = writer_->producer();
        if (!producer.in_transaction()) {
            return producer.flush();
        }
        if (Status st = writer_->write_offset(kafka::stream_key(writer_->config()), kafka::position_value(last_end_));
            !st.ok()) {
            producer.abort().ignore();
            return st;
        }
        return producer.commit();
    }

    // At-least-once: records already handed to the producer cannot be taken back; the position does
    // not move past them, so they are sent again. Exactly-once: the Kafka transaction is aborted.
    Status discard_open() override {
        pending_ = 0;
        return writer_->producer().in_transaction() ? writer_->producer().abort() : Status();
    }

    std::size_t pending_transactions() const override { return pending_; }

private:
    std::unique_ptr<kafka::ChangeWriter> writer_;
    kafka::ChangeContext context_;
    SourcePosition last_end_;  // of the last source transaction committed to the sink
    std::map<TableId, std::uint64_t> per_table_;  // changes per table in the open transaction
    std::size_t pending_ = 0;                     // transactions since the last flush
};

}  // namespace

std::string copy_transactional_id(const KafkaTargetConfig& config, std::size_t loader_index) {
    return config.exactly_once ? "ferry-" + config.pipeline + "-copy-" + std::to_string(loader_index) : std::string();
}

Result<std::unique_ptr<ChangeSink>> open_kafka_change_sink(const KafkaTargetConfig& config, LoggerPtr log) {
    // Registering the transactional id first aborts what a killed predecessor left open, so that the
    // position read next is the last committed one.
    auto writer = kafka::ChangeWriter::open(config, std::move(log), stream_transactional_id(config));
    if (!writer.ok()) {
        return writer.status();
    }
    return std::unique_ptr<ChangeSink>(std::make_unique<KafkaChangeSink>(std::move(writer).value()));
}

Status abort_kafka_leftovers(const KafkaTargetConfig& config, LoggerPtr log) {
    if (!config.exactly_once) {
        return {};
    }
    std::vector<std::string> ids{stream_transactional_id(config)};
    for (std::size_t k = 0; k < config.copy_jobs; ++k) {
        ids.push_back(copy_transactional_id(config, k));
    }
    for (const auto& id : ids) {
        if (auto producer = kafka::Producer::open(config.brokers, config.properties, log, id); !producer.ok()) {
            return producer.status();
        }
    }
    return {};
}

Status forget_kafka_applied_position(const KafkaTargetConfig& config, LoggerPtr log) {
    if (!config.exactly_once) {
        return {};
    }
    auto writer = kafka::ChangeWriter::open(config, std::move(log), stream_transactional_id(config));
    if (!writer.ok()) {
        return writer.status();
    }
    auto& producer = writer.value()->producer();
    for (Status st : {producer.begin(), writer.value()->write_offset(kafka::stream_key(config), std::nullopt)}) {
        if (!st.ok()) {
            return st;
        }
    }
    return producer.commit();
}

}  // namespace ferry::apply
