// PgChangeSource: turns the pgoutput stream into TxnBegin / ChangeBatch / TxnCommit events and
// sends standby status updates whose flush position is only what the agent acknowledged as durable.
#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <optional>

#include "ferry/capture/pg_capture.hpp"
#include "pgoutput.hpp"
#include "relation_cache.hpp"
#include "wal_stream.hpp"

namespace ferry::capture {

namespace {

using namespace std::chrono_literals;
using pg::TupleValue;

std::chrono::system_clock::time_point from_pg_micros(std::int64_t micros) {
    constexpr std::int64_t kPgEpochOffsetMicros = 946684800LL * 1000000LL;
    return std::chrono::system_clock::time_point(std::chrono::microseconds(micros + kPgEpochOffsetMicros));
}

Result<std::vector<Value>> to_values(const pg::Tuple& tuple, const TableSchema& table) {
    if (tuple.size() != table.columns.size()) {
        return Status::error(Errc::Corruption, "row of " + display_name(table.id) + " has " + std::to_string(tuple.size())
                                                   + " columns, its relation has " + std::to_string(table.columns.size()));
    }
    std::vector<Value> out;
    out.reserve(tuple.size());
    for (const auto& v : tuple) {
        switch (v.kind) {
            case TupleValue::Kind::Null: out.emplace_back(Null{}); break;
            case TupleValue::Kind::Unchanged: out.emplace_back(Unchanged{}); break;
            case TupleValue::Kind::Text: out.emplace_back(v.data); break;
            case TupleValue::Kind::Binary:
                return Status::error(Errc::Corruption, "binary tuple data although text format was requested");
        }
    }
    return out;
}

class PgChangeSource final : public ChangeSource {
public:
    PgChangeSource(PgSourceConfig config, pg::WalStream stream, const std::vector<TableSchema>& tables, PgLsn start,
                   LoggerPtr log)
        : config_(std::move(config))
        , stream_(std::move(stream))
        , relations_(tables, [this](std::uint32_t oid, std::int32_t typmod) { return name_type(oid, typmod); })
        , log_(std::move(log))
        , received_(start.value)
        , acked_(start.value) {}

    Result<Event> next(std::stop_token stop) override {
        while (ready_.empty()) {
            if (stop.stop_requested()) {
                return Status::error(Errc::Cancelled, "stop requested");
            }
            if (Status st = send_feedback_if_due(false); !st.ok()) {
                return st;
            }
            auto raw = stream_.read(100ms);
            if (!raw.ok()) {
                return raw.status();
            }
            if (raw.value().empty()) {
                continue;
            }
            bytes_read_.fetch_add(raw.value().size(), std::memory_order_relaxed);
            const auto bytes = std::as_bytes(std::span(raw.value().data(), raw.value().size()));
            auto msg = pg::decode_copy_message(bytes);
            if (!msg.ok()) {
                return msg.status();
            }
            if (const auto* keepalive = std::get_if<pg::PrimaryKeepalive>(&msg.value())) {
                offer_heartbeat(keepalive->wal_end);
                if (keepalive->reply_requested) {
                    if (Status st = send_feedback_if_due(true); !st.ok()) {
                        return st;
                    }
                }
                continue;
            }
            const auto& data = std::get<pg::XLogData>(msg.value());
            received_ = std::max(received_, data.wal_start);
            if (Status st = handle(data.payload); !st.ok()) {
                return st;
            }
        }
        Event ev = std::move(ready_.front());
        ready_.pop_front();
        return ev;
    }

    Status keep_alive() override { return send_feedback_if_due(false); }
    std::uint64_t bytes_read() const override { return bytes_read_.load(std::memory_order_relaxed); }

    void acknowledge(const SourcePosition& durable) override {
        const std::uint64_t lsn = std::get<PgLsn>(durable).value;
        std::uint64_t cur = acked_.load();
        while (lsn > cur && !acked_.compare_exchange_weak(cur, lsn)) {
        }
    }

private:
    Status handle(std::span<const std::byte> payload);
    Status add_change(RowChange change);
    Result<std::string> name_type(std::uint32_t oid, std::int32_t typmod);

    Status send_feedback_if_due(bool force) {
        const auto now = std::chrono::steady_clock::now();
        const std::uint64_t flushed = acked_.load();
        if (!force && flushed == last_sent_flush_ && now - last_feedback_ < config_.feedback_interval) {
            return {};
        }
        if (!force && now - last_feedback_ < 100ms) {
            return {};  // at most ten updates a second
        }
        last_feedback_ = now;
        last_sent_flush_ = flushed;
        return stream_.send_status(std::max(received_, flushed), flushed, false);
    }

    // Between transactions a keepalive's WAL end has nothing of ours before it that is not already
    // handed on: the walsender sends a transaction as it decodes its commit, and the keepalive
    // follows in the stream. As a Heartbeat it lets the agent make that position durable and
    // acknowledge it, so that the slot stops retaining the WAL other databases write while ours is
    // idle (the walsender reads and skips their records, and its keepalives report how far).
    void offer_heartbeat(std::uint64_t wal_end) {
        if (in_transaction_ || wal_end <= offered_heartbeat_) {
            return;
        }
        offered_heartbeat_ = wal_end;
        ready_.emplace_back(Heartbeat{PgLsn{wal_end}});
    }

    void flush_batch() {
        if (!batch_.changes.empty()) {
            ready_.emplace_back(std::move(batch_));
            batch_ = ChangeBatch{};
        }
    }

    PgSourceConfig config_;
    pg::WalStream stream_;
    pg::RelationCache relations_;
    LoggerPtr log_;
    std::deque<Event> ready_;  // decoded events not yet returned by next()
    ChangeBatch batch_;        // changes of the open transaction not yet handed on
    bool in_transaction_ = false;
    bool skipping_ = false;  // the open transaction came from config_.skip_origin
    std::uint64_t received_;                 // highest WAL position received (reported as written)
    std::atomic<std::uint64_t> acked_;       // durable position from the agent (reported as flushed)
    std::atomic<std::uint64_t> bytes_read_{0};
    std::uint64_t last_sent_flush_ = 0;
    std::uint64_t offered_heartbeat_ = 0;  // WAL end of the last Heartbeat handed on
    std::chrono::steady_clock::time_point last_feedback_{};
    std::optional<pq::Connection> type_conn_;  // opened only when a relation changes shape
};

Status PgChangeSource::add_change(RowChange change) {
    if (!in_transaction_) {
        return Status::error(Errc::Corruption, "row change outside a transaction");
    }
    if (skipping_) {
        return {};
    }
    batch_.changes.push_back(std::move(change));
    if (batch_.changes.size() >= config_.max_batch_changes) {
        flush_batch();
    }
    return {};
}

Status PgChangeSource::handle(std::span<const std::byte> payload) {
    auto decoded = pg::decode_pgoutput(payload);
    if (!decoded.ok()) {
        return decoded.status();
    }
    auto& msg = decoded.value();
    if (const auto* m = std::get_if<pg::BeginMsg>(&msg)) {
        in_transaction_ = true;
        ready_.emplace_back(TxnBegin{m->xid, PgLsn{m->final_lsn}, from_pg_micros(m->commit_time), {}, 0});
        return {};
    }
    if (const auto* m = std::get_if<pg::CommitMsg>(&msg)) {
        flush_batch();
        in_transaction_ = false;
        skipping_ = false;
        ready_.emplace_back(TxnCommit{PgLsn{m->commit_lsn}, PgLsn{m->end_lsn}, from_pg_micros(m->commit_time)});
        return {};
    }
    if (const auto* m = std::get_if<pg::RelationMsg>(&msg)) {
        return relations_.update(*m);
    }
    if (const auto* m = std::get_if<pg::OriginMsg>(&msg)) {  // comes right after Begin, before any change
        skipping_ = in_transaction_ && !config_.skip_origin.empty() && m->name == config_.skip_origin;
        return {};
    }
    if (const auto* m = std::get_if<pg::InsertMsg>(&msg)) {
        auto table = relations_.find(m->relid);
        if (!table.ok() || !table.value()) {
            return table.ok() ? Status() : table.status();
        }
        auto after = to_values(m->new_tuple, *table.value());
        if (!after.ok()) {
            return after.status();
        }
        return add_change(RowChange{Op::Insert, table.value(), {}, std::move(after).value()});
    }
    if (const auto* m = std::get_if<pg::UpdateMsg>(&msg)) {
        auto table = relations_.find(m->relid);
        if (!table.ok() || !table.value()) {
            return table.ok() ? Status() : table.status();
        }
        RowChange change{Op::Update, table.value(), {}, {}};
        if (m->old_kind != 0) {
            auto before = to_values(m->old_tuple, *table.value());
            if (!before.ok()) {
                return before.status();
            }
            change.before = std::move(before).value();
        }
        auto after = to_values(m->new_tuple, *table.value());
        if (!after.ok()) {
            return after.status();
        }
        change.after = std::move(after).value();
        return add_change(std::move(change));
    }
    if (const auto* m = std::get_if<pg::DeleteMsg>(&msg)) {
        auto table = relations_.find(m->relid);
        if (!table.ok() || !table.value()) {
            return table.ok() ? Status() : table.status();
        }
        auto before = to_values(m->old_tuple, *table.value());
        if (!before.ok()) {
            return before.status();
        }
        return add_change(RowChange{Op::Delete, table.value(), std::move(before).value(), {}});
    }
    if (const auto* m = std::get_if<pg::TruncateMsg>(&msg)) {
        for (const auto relid : m->relids) {
            auto table = relations_.find(relid);
            if (!table.ok()) {
                return table.status();
            }
            if (table.value()) {
                RowChange change{Op::Truncate, table.value(), {}, {}};
                change.truncate_cascade = m->cascade;
                change.truncate_restart_identity = m->restart_identity;
                if (Status st = add_change(std::move(change)); !st.ok()) {
                    return st;
                }
            }
        }
        return {};
    }
    return {};  // Type and logical Message carry nothing to apply
}

Result<std::string> PgChangeSource::name_type(std::uint32_t oid, std::int32_t typmod) {
    if (!type_conn_) {
        auto conn = pq::Connection::connect(config_.conninfo, pq::Mode::Normal, "type lookup");
        if (!conn.ok()) {
            return conn.status();
        }
        type_conn_.emplace(std::move(conn).value());
        if (Status st = type_conn_->run("SET search_path = ''", "setting search_path"); !st.ok()) {
            return st;
        }
    }
    auto res = type_conn_->exec_params("SELECT format_type($1::oid, $2::int)", {std::to_string(oid), std::to_string(typmod)},
                                       "naming a column type");
    if (!res.ok()) {
        return res.status();
    }
    return pq::field(res.value().get(), 0, 0);
}

}  // namespace

Result<std::unique_ptr<ChangeSource>> open_change_source(const PgSourceConfig& config, PgLsn start,
                                                         const std::vector<TableSchema>& tables, LoggerPtr log) {
    auto stream = pg::WalStream::start(config.conninfo, config.slot_name, config.publication_name, start);
    if (!stream.ok()) {
        return stream.status();
    }
    log->info("streaming from slot {} at {}", config.slot_name, format_lsn(start));
    return std::unique_ptr<ChangeSource>(new PgChangeSource(config, std::move(stream).value(), tables, start, std::move(log)));
}

}  // namespace ferry::capture
