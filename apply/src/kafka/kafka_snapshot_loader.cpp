// The Kafka snapshot loader (ferry/apply/kafka_apply.hpp): every copied row becomes a Debezium read
// record (op "r", source.snapshot "true"; "last_in_data_collection" on a table's last row) on the
// table's topic. Kafka cannot hold a resumable checkpoint of Ferry's, so an interrupted copy starts
// the table again (its rows are sent again: at-least-once, as every Debezium snapshot).
#include <chrono>

#include "change_writer.hpp"
#include "ferry/apply/kafka_apply.hpp"
#include "ferry/core/copy_text.hpp"

namespace ferry::apply {

namespace {

class KafkaSnapshotLoader final : public SnapshotLoader {
public:
    explicit KafkaSnapshotLoader(std::unique_ptr<kafka::ChangeWriter> writer) : writer_(std::move(writer)) {}

    Result<std::optional<LoadCheckpoint>> checkpoint_of(const TableSchema&) override {
        return std::optional<LoadCheckpoint>{};
    }

    Result<CopyFormat> begin_table(const TableSchema& table, bool, const SourcePosition& as_of) override {
        table_ = std::make_shared<const TableSchema>(table);
        held_.reset();
        context_ = kafka::ChangeContext{};
        context_.position = as_of;
        context_.snapshot_read = true;
        context_.snapshot = "true";
        context_.commit_ms = now_ms();  // Debezium's source.ts_ms of a read: when it was read
        return CopyFormat::Text;
    }

    Status write(const SnapshotChunk& chunk) override {
        if (chunk.snapshot_position) {
            if (Status st = write_held(); !st.ok()) {  // the held row was read at the earlier position
                return st;
            }
            context_.position = *chunk.snapshot_position;
        }
        std::string_view rows = chunk.copy_data;
        while (!rows.empty()) {
            const auto end = rows.find('\n');
            const std::string_view line = rows.substr(0, end);
            rows = end == std::string_view::npos ? std::string_view() : rows.substr(end + 1);
            if (Status st = write_held(); !st.ok()) {
                return st;
            }
            auto fields = parse_copy_row(line);
            if (!fields.ok()) {
                return fields.status().with_context("a copied row of " + display_name(table_->id));
            }
            held_ = RowChange{Op::Insert, table_, {}, {}};
            held_->after.reserve(fields.value().size());
            for (auto& field : fields.value()) {
                held_->after.emplace_back(field ? Value(std::move(*field)) : Value(Null{}));
            }
        }
        return {};
    }

    Status checkpoint(const LoadCheckpoint&) override { return writer_->producer().flush(); }

    Status finish_table() override {
        context_.snapshot = "last_in_data_collection";
        if (Status st = write_held(); !st.ok()) {
            return st;
        }
        return writer_->producer().flush();
    }

private:
    static std::int64_t now_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    // The row before the current one goes out only once the next one (or the table's end) is
    // known, so that the last row of a table can say so.
    Status write_held() {
        if (!held_) {
            return {};
        }
        context_.now_ms = now_ms();
        Status st = writer_->write(*held_, context_);
        held_.reset();
        return st;
    }

    std::unique_ptr<kafka::ChangeWriter> writer_;
    SchemaPtr table_;
    kafka::ChangeContext context_;
    std::optional<RowChange> held_;
};

}  // namespace

Result<std::unique_ptr<SnapshotLoader>> open_kafka_snapshot_loader(const KafkaTargetConfig& config, LoggerPtr log) {
    auto writer = kafka::ChangeWriter::open(config, std::move(log));
    if (!writer.ok()) {
        return writer.status();
    }
    return std::unique_ptr<SnapshotLoader>(std::make_unique<KafkaSnapshotLoader>(std::move(writer).value()));
}

}  // namespace ferry::apply
