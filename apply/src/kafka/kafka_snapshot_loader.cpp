// The Kafka snapshot loader (ferry/apply/kafka_apply.hpp): every copied row becomes a Debezium read
// record (op "r", source.snapshot "true"; "last_in_data_collection" on a table's last row) on the
// table's topic. A copy in Kafka cannot be resumed after some of its rows (a later snapshot would
// put older and newer states of rows in one history), so an interrupted copy starts the table again:
//   at-least-once  its rows are sent again, as every Debezium snapshot does;
//   exactly-once   each table's copy is one Kafka transaction, committed with a record of the copy
//                  in <topic_prefix>.offsets: an interrupted copy is aborted (invisible to
//                  read_committed consumers), and a committed one is found again by checkpoint_of().
#include <chrono>
#include <map>
#include <optional>

#include "change_writer.hpp"
#include "offsets_topic.hpp"
#include "ferry/apply/kafka_apply.hpp"
#include "ferry/core/copy_text.hpp"

namespace ferry::apply {

namespace {

class KafkaSnapshotLoader final : public SnapshotLoader {
public:
    explicit KafkaSnapshotLoader(std::unique_ptr<kafka::ChangeWriter> writer) : writer_(std::move(writer)) {}

    // Exactly-once: a whole copy of the table that Kafka committed (the caller checks that it is the
    // copy its state recorded).
    Result<std::optional<LoadCheckpoint>> checkpoint_of(const TableSchema& table) override {
        if (!writer_->config().exactly_once) {
            return std::optional<LoadCheckpoint>{};
        }
        if (!offsets_) {  // once per loader: the tables it asks about were copied in earlier runs
            auto read = kafka::read_offsets(writer_->config());
            if (!read.ok()) {
                return read.status();
            }
            offsets_ = std::move(read).value();
        }
        const auto it = offsets_->find(kafka::copy_key(writer_->config(), table.id));
        if (it == offsets_->end() || !it->second) {
            return std::optional<LoadCheckpoint>{};
        }
        const auto at = kafka::parse_position_value(*it->second);
        const auto rows = it->second->find("\nrows=");
        if (!at || rows == std::string::npos) {
            return Status::error(Errc::Corruption, "the record of a copy of " + display_name(table.id) + " in "
                                                       + kafka::offsets_topic(writer_->config()) + " is not Ferry's");
        }
        return std::optional<LoadCheckpoint>{LoadCheckpoint{"", std::stoull(it->second->substr(rows + 6)), at}};
    }

    Result<CopyFormat> begin_table(const TableSchema& table, bool, const SourcePosition& as_of) override {
        if (writer_->config().exactly_once) {
            if (Status st = writer_->producer().begin(); !st.ok()) {
                return st;
            }
        }
        rows_ = 0;
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
        context_.now_ms = now_ms();  // per chunk
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
            ++rows_;
            held_ = RowChange{Op::Insert, table_, {}, {}};
            held_->after.reserve(fields.value().size());
            for (auto& field : fields.value()) {
                held_->after.emplace_back(field ? Value(std::move(*field)) : Value(Null{}));
            }
        }
        return {};
    }

    // Exactly-once: nothing (the copy commits whole); at-least-once: every record so far delivered.
    Status checkpoint(const LoadCheckpoint&) override {
        return writer_->producer().in_transaction() ? Status() : writer_->producer().flush();
    }

    Status finish_table() override {
        context_.snapshot = "last_in_data_collection";
        if (Status st = write_held(); !st.ok()) {
            return st;
        }
        auto& producer = writer_->producer();
        if (!producer.in_transaction()) {
            return producer.flush();
        }
        if (Status st = writer_->write_offset(kafka::copy_key(writer_->config(), table_->id),
                                              kafka::position_value(context_.position, rows_));
            !st.ok()) {
            producer.abort().ignore();
            return st;
        }
        return producer.commit();
    }

private:
    static std::int64_t now_ms() { return kafka::epoch_ms(std::chrono::system_clock::now()); }

    // The row before the current one goes out only once the next one (or the table's end) is
    // known, so that the last row of a table can say so.
    Status write_held() {
        if (!held_) {
            return {};
        }
        Status st = writer_->write(*held_, context_);
        held_.reset();
        return st;
    }

    std::unique_ptr<kafka::ChangeWriter> writer_;
    std::optional<std::map<std::string, std::optional<std::string>>> offsets_;  // read at the first checkpoint_of
    std::uint64_t rows_ = 0;  // of the table being copied
    SchemaPtr table_;
    kafka::ChangeContext context_;
    std::optional<RowChange> held_;
};

}  // namespace

Result<std::unique_ptr<SnapshotLoader>> open_kafka_snapshot_loader(const KafkaTargetConfig& config, LoggerPtr log,
                                                                   std::size_t loader_index) {
    // One id per loader open at once: registering it aborts what the same loader of a killed run
    // left open.
    auto writer = kafka::ChangeWriter::open(config, std::move(log), copy_transactional_id(config, loader_index));
    if (!writer.ok()) {
        return writer.status();
    }
    return std::unique_ptr<SnapshotLoader>(std::make_unique<KafkaSnapshotLoader>(std::move(writer).value()));
}

}  // namespace ferry::apply
