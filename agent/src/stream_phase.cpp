#include "stream_phase.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "clock.hpp"
#include "ferry/core/queue.hpp"
#include "logging.hpp"

namespace ferry::agent {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kMaxBatchDelay = 1s;               // a target commit at least this often under load
constexpr auto kStatusInterval = 1s;              // status values for `ferry status`
constexpr std::size_t kMaxBatchChanges = 200000;  // bounds a target transaction of many small ones
// Reading a backlog, the capture thread leaves the queue empty for moments between network reads,
// and a target commit plus an fsync for every few transactions would cap the drain rate: there, an
// empty queue flushes the batch only once its first transaction has waited kIdleFlushDelay. A
// backlog is when the last transaction committed at the source more than kBacklogAge ago; live
// changes are flushed as soon as the queue is empty (latency first).
constexpr auto kIdleFlushDelay = 1ms;
constexpr auto kBacklogAge = 2s;
constexpr auto kHeartbeatInterval = 1s;  // an idle stream stores a heartbeat's position at most this often

bool before(const SourcePosition& a, const SourcePosition& b) { return position_before(a, b); }

// Reads the source on its own thread; the queue bounds how far it runs ahead.
class CaptureThread {
public:
    CaptureThread(ChangeSource& source, BoundedQueue<Event>& queue, Metrics* metrics)
        : source_(source)
        , queue_(queue)
        , metrics_(metrics)
        , thread_([this](std::stop_token st) { run(st); }) {}

    // Non-OK once the thread stopped because of an error.
    Status error() {
        std::lock_guard lock(mu_);
        return error_;
    }
    bool has_failed() { return failed_.load(); }
    void stop() {
        thread_.request_stop();
        thread_.join();
    }

private:
    void run(std::stop_token st) {
        while (!st.stop_requested()) {
            auto ev = source_.next(st);
            if (!ev.ok()) {
                return fail(ev.status());
            }
            note_received(ev.value());
            for (;;) {
                const auto r = queue_.push_for(ev.value(), 100ms, st);
                if (r != BoundedQueue<Event>::PushResult::TimedOut) {
                    break;
                }
                if (Status s = source_.keep_alive(); !s.ok()) {  // the apply side is slow: stay connected
                    return fail(s);
                }
            }
        }
    }
    void note_received(const Event& ev) {
        if (metrics_ == nullptr) {
            return;
        }
        if (const auto* batch = std::get_if<ChangeBatch>(&ev)) {
            open_changes_ += batch->changes.size();
        } else if (const auto* commit = std::get_if<TxnCommit>(&ev)) {
            metrics_->received(commit->end_position, commit->commit_time, open_changes_);
            open_changes_ = 0;
        }
    }
    void fail(Status st) {
        if (st.code() == Errc::Cancelled) {
            return;
        }
        std::lock_guard lock(mu_);
        error_ = std::move(st);
        failed_ = true;
    }

    ChangeSource& source_;
    BoundedQueue<Event>& queue_;
    Metrics* metrics_;
    std::uint64_t open_changes_ = 0;  // of the source transaction being read
    std::mutex mu_;
    Status error_;
    std::atomic<bool> failed_{false};
    std::jthread thread_;  // declared last: starts after the members it uses
};

class Applier {
public:
    Applier(ChangeSource& source, ChangeSink& sink, offsets::OffsetStore& store, const StreamSettings& settings)
        : source_(source)
        , sink_(sink)
        , store_(store)
        , settings_(settings)
        , applied_(settings.applied)
        , log_(make_logger("apply")) {}

    Status handle(Event& ev);
    bool in_transaction() const { return in_transaction_; }
    bool should_flush(bool queue_empty) const {
        if (in_transaction_ || sink_.pending_transactions() == 0) {
            return false;
        }
        const auto age = Clock::now() - batch_started_;
        return (queue_empty && (!in_backlog() || age >= kIdleFlushDelay))
               || sink_.pending_transactions() >= settings_.batch_transactions || batch_changes_ >= kMaxBatchChanges
               || age >= kMaxBatchDelay;
    }
    // How long the loop may wait for the next event before a pending batch is due (see kIdleFlushDelay).
    Clock::duration wait_limit(Clock::duration idle) const {
        if (in_transaction_ || sink_.pending_transactions() == 0) {
            return idle;
        }
        if (!in_backlog()) {
            return Clock::duration::zero();
        }
        const auto due = batch_started_ + kIdleFlushDelay - Clock::now();
        return std::clamp<Clock::duration>(due, Clock::duration::zero(), idle);
    }
    bool in_backlog() const { return std::chrono::system_clock::now() - pending_commit_time_ > kBacklogAge; }
    Status flush();
    Status heartbeat(const Heartbeat& hb);
    Status finish(bool stopping);
    // `queued`: changes waiting in the queue, not yet given to the applier.
    void write_status(bool force, bool caught_up = false, std::size_t queued = 0);

private:
    Status make_durable(const SourcePosition& end);
    // Changes by table and operation since the last flush, for the metrics (keyed by the schema
    // object, which the entry keeps alive: a lookup per change costs no string comparison).
    void count(const std::vector<RowChange>& changes) {
        if (settings_.metrics == nullptr) {
            return;
        }
        for (const auto& change : changes) {
            auto& entry = unflushed_counts_[change.table.get()];
            entry.first = change.table;
            ++entry.second[static_cast<std::size_t>(change.op) - 1];
        }
    }
    void publish_counts(std::size_t transactions) {
        if (settings_.metrics == nullptr) {
            return;
        }
        std::map<TableId, OpCounts> by_table;
        for (const auto& [schema, entry] : unflushed_counts_) {
            auto& total = by_table[entry.first->id];
            for (std::size_t i = 0; i < total.size(); ++i) {
                total[i] += entry.second[i];
            }
        }
        unflushed_counts_.clear();
        settings_.metrics->add_applied(by_table, transactions);
        settings_.metrics->set_source_bytes(source_.bytes_read());  // what was applied was read: never 0 after it
    }

    ChangeSource& source_;
    ChangeSink& sink_;
    offsets::OffsetStore& store_;
    const StreamSettings& settings_;
    SourcePosition applied_;          // durable at target and in the offset store
    SourcePosition pending_end_;      // end of the last transaction given to the sink
    SourcePosition current_commit_;   // commit position of the open source transaction
    std::chrono::system_clock::time_point pending_commit_time_{};
    std::chrono::system_clock::time_point applied_commit_time_{};
    bool in_transaction_ = false;
    bool skipping_ = false;  // the open source transaction is already at the target
    std::map<TableId, TableSchema> changed_schemas_;  // since the last flush, stored with its position
    std::set<TableId> dropped_tables_;                 // likewise: their schema and progress are forgotten
    std::size_t batch_changes_ = 0;
    Clock::time_point batch_started_{};
    Clock::time_point last_status_{};
    Clock::time_point last_heartbeat_{};
    std::uint64_t applied_transactions_ = 0;
    std::unordered_map<const TableSchema*, std::pair<SchemaPtr, OpCounts>> unflushed_counts_;
    std::shared_ptr<spdlog::logger> log_;
};

Status Applier::handle(Event& ev) {
    if (auto* b = std::get_if<TxnBegin>(&ev)) {
        in_transaction_ = true;
        current_commit_ = b->commit_position;
        // Already applied: the stream may resend what was committed before the last acknowledgement.
        skipping_ = before(b->commit_position, applied_);
        if (skipping_) {
            return {};
        }
        if (sink_.pending_transactions() == 0) {
            batch_started_ = Clock::now();
            batch_changes_ = 0;
        }
        return sink_.begin(*b);
    }
    if (auto* batch = std::get_if<ChangeBatch>(&ev)) {
        if (skipping_) {
            return {};
        }
        // A table copied after this transaction committed already holds its changes.
        auto& changes = batch->changes;
        fit_to_copies(changes, current_commit_, settings_.snapshot_positions);
        batch_changes_ += changes.size();
        count(changes);
        return changes.empty() ? Status() : sink_.apply(*batch);
    }
    if (auto* change = std::get_if<SchemaChange>(&ev)) {
        // Recorded even for a transaction the target already has: the stored schemas must describe
        // the source at the stored position, which moves past this statement only with it.
        const TableId& id = change->table();
        if (change->after) {
            changed_schemas_[id] = *change->after;
            dropped_tables_.erase(id);
        } else {
            changed_schemas_.erase(id);
            dropped_tables_.insert(id);
        }
        // A table copied after this statement already has its shape at the target.
        const auto copy = settings_.snapshot_positions.find(id);
        const bool in_copy = copy != settings_.snapshot_positions.end() && before(current_commit_, copy->second.converge_from);
        return skipping_ || in_copy ? Status() : sink_.change_schema(*change);
    }
    if (auto* c = std::get_if<TxnCommit>(&ev)) {
        in_transaction_ = false;
        const Status tables_changed =
            c->tables_changed ? Status::error(Errc::Restart, "a table started to match source.tables at "
                                                                    + format_position(c->commit_position)
                                                                    + " (CREATE/RENAME TABLE): reading the catalog "
                                                                      "again to copy it")
                              : Status();
        if (skipping_) {
            skipping_ = false;
            if (settings_.metrics != nullptr) {
                settings_.metrics->settled(c->end_position);
            }
            return tables_changed;
        }
        pending_end_ = c->end_position;
        pending_commit_time_ = c->commit_time;
        if (Status st = sink_.commit(*c); !st.ok()) {
            return st;
        }
        if (!tables_changed.ok()) {  // everything up to here durable first: the next run goes on from there
            if (Status st = flush(); !st.ok()) {
                return st;
            }
        }
        return tables_changed;
    }
    if (const auto* hb = std::get_if<Heartbeat>(&ev)) {
        return heartbeat(*hb);
    }
    return {};
}

// A heartbeat's position has nothing of the source's before it still to come (an idle stream, or
// only what is not captured changed). It becomes the durable position, so that a PostgreSQL slot
// stops retaining the WAL other databases write: with a batch pending, that batch's flush stores it;
// otherwise it is stored and acknowledged now, at most once per kHeartbeatInterval.
Status Applier::heartbeat(const Heartbeat& hb) {
    if (in_transaction_ || !before(applied_, hb.position)) {
        return {};
    }
    if (sink_.pending_transactions() > 0) {
        if (before(pending_end_, hb.position)) {
            pending_end_ = hb.position;
        }
        return {};
    }
    const auto now = Clock::now();
    if (now - last_heartbeat_ < kHeartbeatInterval) {
        return {};
    }
    last_heartbeat_ = now;
    if (Status st = make_durable(hb.position); !st.ok()) {
        return st;
    }
    log_->debug("idle up to {}", format_position(applied_));
    return {};
}

Status Applier::flush() {
    const std::size_t txns = sink_.pending_transactions();
    if (txns == 0) {
        return {};
    }
    // Order of invariant 1: target durable -> offset durable -> source acknowledged.
    if (Status st = sink_.flush(); !st.ok()) {
        return st;
    }
    if (Status st = make_durable(pending_end_); !st.ok()) {
        return st;
    }
    applied_commit_time_ = pending_commit_time_;
    applied_transactions_ += txns;
    publish_counts(txns);
    log_->debug("applied {} transactions up to {}", txns, format_position(applied_));
    write_status(false);
    return {};
}

// Stores `end` with the schema changes seen since the last time, then acknowledges it at the source.
Status Applier::make_durable(const SourcePosition& end) {
    std::vector<TableSchema> schemas;
    for (auto& [id, schema] : changed_schemas_) {
        schemas.push_back(std::move(schema));
    }
    changed_schemas_.clear();
    const std::vector<TableId> dropped(dropped_tables_.begin(), dropped_tables_.end());
    dropped_tables_.clear();
    if (Status st = store_.commit_position(end, schemas, dropped); !st.ok()) {
        return st;
    }
    source_.acknowledge(end);
    applied_ = end;
    if (settings_.metrics != nullptr) {
        settings_.metrics->settled(end);
    }
    return {};
}

void Applier::write_status(bool force, bool caught_up, std::size_t queued) {
    const auto now = Clock::now();
    if (!force && now - last_status_ < kStatusInterval) {
        return;
    }
    last_status_ = now;
    const std::size_t unflushed = in_transaction_ || sink_.pending_transactions() > 0 ? batch_changes_ : 0;
    store_.put_status("queued_events", std::to_string(queued + unflushed)).ignore();
    if (settings_.metrics != nullptr) {
        settings_.metrics->set_source_bytes(source_.bytes_read());
    }
    store_.put_status("applied_position", format_position(applied_)).ignore();
    store_.put_status("applied_commit_time_ms", std::to_string(epoch_ms(applied_commit_time_))).ignore();
    store_.put_status("updated_at_ms", std::to_string(epoch_ms())).ignore();
    store_.put_status("applied_transactions", std::to_string(applied_transactions_)).ignore();
    store_.put_status("caught_up", caught_up ? "1" : "0").ignore();
}

Status Applier::finish(bool stopping) {
    if (in_transaction_) {
        // Whole transactions share the target transaction with a partial one: drop them all; they
        // were never acknowledged, so the source sends them again on restart.
        return sink_.discard_open();
    }
    Status st = flush();
    if (stopping) {
        log_->info("stopped at {} ({} transactions applied this run)", format_position(applied_), applied_transactions_);
    }
    write_status(true);
    return st;
}

}  // namespace

// Writes the backlog (received and not yet durable, metrics.hpp) to the status each second from a
// thread of its own, so that `ferry status`, another process, sees the lag grow while the applier
// is blocked (a lock at the target) and writes no status itself.
class BacklogReporter {
public:
    BacklogReporter(offsets::OffsetStore& store, const Metrics& metrics)
        : thread_([&store, &metrics, this](std::stop_token stop) {
              std::unique_lock lock(mu_);
              while (!stop.stop_requested()) {
                  const Metrics::Backlog now = metrics.backlog();
                  store.put_status("backlog", std::to_string(static_cast<std::int64_t>(now.lag_seconds * 1000)) + ","
                                                  + std::to_string(now.changes) + "," + std::to_string(epoch_ms()))
                      .ignore();
                  wake_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
              }
          }) {}

private:
    std::mutex mu_;
    std::condition_variable_any wake_;
    std::jthread thread_;  // declared last: starts after the members it uses
};

Status run_stream(ChangeSource& source, ChangeSink& sink, offsets::OffsetStore& store, const StreamSettings& settings,
                  std::stop_token stop) {
    BoundedQueue<Event> queue(settings.queue_capacity, [](const Event& ev) -> std::size_t {
        const auto* batch = std::get_if<ChangeBatch>(&ev);
        return batch == nullptr ? 1 : batch->changes.size();
    });
    Applier applier(source, sink, store, settings);
    store.put_status("phase", "streaming").ignore();
    CaptureThread capture(source, queue, settings.metrics);
    std::optional<BacklogReporter> backlog;
    if (settings.metrics != nullptr) {
        backlog.emplace(store, *settings.metrics);
    }
    Status result;
    std::optional<Clock::time_point> stop_deadline;
    for (;;) {
        if (stop.stop_requested()) {
            if (!applier.in_transaction()) {
                break;
            }
            if (!stop_deadline) {  // finish the open source transaction if it ends soon
                stop_deadline = Clock::now() + settings.stop_grace;
            } else if (Clock::now() >= *stop_deadline) {
                break;
            }
        }
        if (capture.has_failed() && queue.empty()) {
            result = capture.error();
            break;
        }
        // Not interrupted by `stop`: after a stop request the loop may still drain one transaction.
        auto ev = queue.pop_for(std::chrono::ceil<std::chrono::milliseconds>(applier.wait_limit(50ms)), std::stop_token{});
        if (ev) {
            if (Status st = applier.handle(*ev); !st.ok()) {
                result = st;
                break;
            }
        }
        if (applier.should_flush(queue.empty())) {
            if (Status st = applier.flush(); !st.ok()) {
                result = st;
                break;
            }
        }
        const std::size_t queued = queue.load();
        applier.write_status(false, queued == 0 && !applier.in_transaction() && sink.pending_transactions() == 0, queued);
    }
    capture.stop();
    if (!result.ok()) {
        applier.finish(false).ignore();
        return result;
    }
    return applier.finish(true);
}

}  // namespace ferry::agent
