// The Kafka change sink (ferry/apply/kafka_apply.hpp): records produced as changes arrive, and
// flush() as the point where every one of them is confirmed.
#include <chrono>
#include <map>
#include <vector>

#include "change_writer.hpp"
#include "ferry/apply/kafka_apply.hpp"

namespace ferry::apply {

namespace {

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class KafkaChangeSink final : public ChangeSink {
public:
    explicit KafkaChangeSink(std::unique_ptr<kafka::ChangeWriter> writer) : writer_(std::move(writer)) {}

    Result<std::optional<SourcePosition>> applied_position() override { return std::optional<SourcePosition>{}; }

    Status begin(const TxnBegin& begin) override {
        context_ = kafka::ChangeContext{};
        context_.position = begin.commit_position;
        context_.txid = begin.xid;
        context_.commit_ms = epoch_ms(begin.commit_time);
        per_table_.clear();
        return {};
    }

    Status apply(const ChangeBatch& batch) override {
        for (const auto& change : batch.changes) {
            context_.now_ms = epoch_ms(std::chrono::system_clock::now());
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

    Status commit(const TxnCommit&) override {
        ++pending_;
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
    Status flush() override {
        pending_ = 0;
        return writer_->producer().flush();
    }

    // Records already handed to the producer cannot be taken back; the position does not move past
    // them, so they are sent again (at-least-once).
    Status discard_open() override { return {}; }

    std::size_t pending_transactions() const override { return pending_; }

private:
    std::unique_ptr<kafka::ChangeWriter> writer_;
    kafka::ChangeContext context_;
    std::map<TableId, std::uint64_t> per_table_;  // changes per table in the open transaction
    std::size_t pending_ = 0;                     // transactions since the last flush
};

}  // namespace

Result<std::unique_ptr<ChangeSink>> open_kafka_change_sink(const KafkaTargetConfig& config, LoggerPtr log) {
    auto writer = kafka::ChangeWriter::open(config, std::move(log));
    if (!writer.ok()) {
        return writer.status();
    }
    return std::unique_ptr<ChangeSink>(std::make_unique<KafkaChangeSink>(std::move(writer).value()));
}

}  // namespace ferry::apply
