#include "pipeline.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "drivers.hpp"
#include "ferry/core/backoff.hpp"
#include "http_endpoint.hpp"
#include "ferry/offsets/offset_store.hpp"
#include "logging.hpp"
#include "snapshot_phase.hpp"
#include "stream_phase.hpp"

namespace ferry::agent {

namespace {

using namespace std::chrono_literals;

constexpr char kMetaPipeline[] = "pipeline";
constexpr char kMetaSystem[] = "source_system_identifier";

struct Run {
    const Config& config;
    offsets::OffsetStore& store;
    std::stop_token stop;
    SourceDriver& source;
    TargetDriver& target;
    Metrics& metrics;
    std::shared_ptr<spdlog::logger> log = make_logger("pipeline");
    SourceCatalog catalog;  // the source's tables as its catalog describes them now (what a copy reads)
    SourceCatalog tables;   // ... as of the stored position (what the stream reads): the schema history

    Status prepare_source();
    Status use_schema_history(bool streaming);
    Status check_unchanged_since_resolved();
    Status restart_reshaped_copies(const std::vector<const TableSchema*>& pending);
    Status start_fresh();
    Status copy_pending_tables();
    Status mark_tables(const std::vector<const TableSchema*>& tables, const SourcePosition& at);
    Status check_unmatched_tables(bool streaming);
    Status stream();
    Status run();
    SnapshotSettings snapshot_settings() const {
        return {config.snapshot_jobs, std::chrono::seconds(config.snapshot_checkpoint_seconds)};
    }
};

Status Run::prepare_source() {
    if (Status st = source.check_server(); !st.ok()) {
        return st;
    }
    auto resolved = source.resolve_tables();
    if (!resolved.ok()) {
        return resolved.status();
    }
    catalog = std::move(resolved).value();
    tables = catalog;
    auto system_id = source.identity();
    if (!system_id.ok()) {
        return system_id.status();
    }
    auto recorded = store.get_meta(kMetaSystem);
    if (!recorded.ok()) {
        return recorded.status();
    }
    if (recorded.value() && *recorded.value() != system_id.value()) {
        return Status::error(Errc::SourceGone, "the source is a different server (" + system_id.value()
                                                   + ", state_dir recorded " + *recorded.value()
                                                   + "); point source.url back at it, or start over with a new state_dir");
    }
    auto position = store.load_position();
    if (!position.ok()) {
        return position.status();
    }
    const bool streaming = position.value().has_value();  // else a fresh start
    if (Status st = use_schema_history(streaming); !st.ok()) {
        return st;
    }
    if (Status st = check_unmatched_tables(streaming); !st.ok()) {
        return st;
    }
    if (Status st = store.put_schemas(tables.tables); !st.ok()) {
        return st;
    }
    return store.put_meta(kMetaSystem, system_id.value());
}

// A MySQL/MariaDB table already being streamed is described by the schema stored with the durable
// position (the binlog from there on has that shape, whatever the server's catalog says now: DDL
// may have run while Ferry was stopped). New tables take the catalog's.
Status Run::use_schema_history(bool streaming) {
    if (!streaming) {
        return {};  // a fresh start: the catalog describes the source at the snapshot
    }
    auto stored = store.schemas();
    if (!stored.ok()) {
        return stored.status();
    }
    for (auto& t : tables.tables) {
        const auto it = std::find_if(stored.value().begin(), stored.value().end(),
                                     [&](const TableSchema& s) { return s.id == t.id; });
        if (t.engine == Engine::MySql && it != stored.value().end() && it->engine == Engine::MySql) {
            t = *it;
        }
    }
    // A captured table gone from the catalog was dropped or renamed while Ferry was stopped: the
    // stream follows it up to that statement (its last changes, then the drop at the target).
    for (const auto& s : stored.value()) {
        const bool listed = std::any_of(tables.tables.begin(), tables.tables.end(),
                                        [&](const TableSchema& t) { return t.id == s.id; });
        const bool configured = std::any_of(config.source.tables.begin(), config.source.tables.end(),
                                            [&](const TablePattern& p) { return p.matches(s.id); });
        if (!listed && configured && s.engine == Engine::MySql) {
            tables.tables.push_back(s);
        }
    }
    return {};
}

// A source.tables entry that matches no table is a mistake in a new pipeline. In one that streams,
// its tables may have been dropped (DROP DATABASE of a `db.*`): what the stream still follows
// counts, and tables created under it later are picked up.
Status Run::check_unmatched_tables(bool streaming) {
    std::string missing;
    for (const auto& entry : catalog.unmatched) {
        const TablePattern pattern{entry.schema, entry.name};
        if (std::none_of(tables.tables.begin(), tables.tables.end(), [&](const TableSchema& t) { return pattern.matches(t.id); })) {
            missing += (missing.empty() ? "" : ", ") + display_name(entry);
        }
    }
    if (missing.empty()) {
        return {};
    }
    if (!streaming) {
        return Status::error(Errc::InvalidConfig, "no table " + missing + " on the source (check source.tables)");
    }
    log->warn("no table {} on the source now (dropped?); tables created under that name later are picked up", missing);
    return {};
}

Status Run::mark_tables(const std::vector<const TableSchema*>& list, const SourcePosition& at) {
    for (const auto* t : list) {
        if (Status st = store.put_table_progress(t->id, {offsets::TableState::Done, at, 0, 0, at}, true); !st.ok()) {
            return st;
        }
    }
    return {};
}

// The tables as the source describes them now must be the ones read before the capture started:
// the stream's schemas are those of its start position, and the copies' column lists are what their
// snapshots hold (each snapshot also checks its table's columns as it reads it). DDL in between
// means reading the catalog again.
Status Run::check_unchanged_since_resolved() {
    auto now = source.resolve_tables();
    if (!now.ok()) {
        return now.status();
    }
    const auto same = [](const TableSchema& a, const TableSchema& b) {
        return a.same_shape(b) && a.primary_key == b.primary_key;
    };
    for (const auto& t : catalog.tables) {
        const auto it = std::find_if(now.value().tables.begin(), now.value().tables.end(),
                                     [&](const TableSchema& n) { return n.id == t.id; });
        if (it == now.value().tables.end() || !same(*it, t)) {
            return Status::error(Errc::Restart, "captured table " + display_name(t.id)
                                                    + " changed (DDL) while the capture started; starting again");
        }
    }
    if (now.value().tables.size() != catalog.tables.size()) {
        return Status::error(Errc::Restart, "a table matching source.tables appeared while the capture started; "
                                            "starting again");
    }
    return {};
}

// No position stored yet: start capturing, then copy every table in consistent snapshots.
Status Run::start_fresh() {
    const bool only = config.snapshot == SnapshotMode::Only;
    auto snapshots = source.begin_capture(tables, only);
    if (!snapshots.ok()) {
        return snapshots.status();
    }
    if (Status st = check_unchanged_since_resolved(); !st.ok()) {
        return st;
    }
    if (Status st = target.prepare(tables, config.snapshot != SnapshotMode::Never); !st.ok()) {
        return st;
    }
    if (Status st = target.forget_applied_position(); !st.ok()) {
        return st;
    }
    std::vector<const TableSchema*> all;
    for (const auto& t : tables.tables) {
        all.push_back(&t);
    }
    if (Status st = store.clear_table_progress(); !st.ok()) {
        return st;
    }
    auto& snap = *snapshots.value();
    if (only) {
        store.put_status("phase", "snapshot").ignore();
        return run_snapshot(all, snap, source, target, snapshot_settings(), store, stop);
    }
    const SourcePosition start = snap.start_position();
    for (const auto* t : all) {
        if (Status st = store.put_table_progress(t->id, {offsets::TableState::Pending, start, 0, 0, start}, false); !st.ok()) {
            return st;
        }
    }
    if (Status st = store.commit_position(start); !st.ok()) {  // the stream's start, durable
        return st;
    }
    if (Status st = source.capture_started(); !st.ok()) {
        return st;
    }
    if (config.snapshot == SnapshotMode::Never) {
        return mark_tables(all, start);
    }
    store.put_status("phase", "snapshot").ignore();
    return run_snapshot(all, snap, source, target, snapshot_settings(), store, stop);
}

// Tables not yet copied (a crash during the snapshot, or tables added to the config): copy them in
// fresh snapshots; changes committed before a table's snapshot are skipped for that table.
Status Run::copy_pending_tables() {
    auto progress = store.table_progress();
    if (!progress.ok()) {
        return progress.status();
    }
    std::vector<const TableSchema*> pending;
    for (const auto& t : catalog.tables) {
        const auto it = progress.value().find(t.id);
        if (it == progress.value().end() || it->second.state != offsets::TableState::Done) {
            pending.push_back(&t);
        }
    }
    if (pending.empty()) {
        return {};
    }
    // A copy reads the table as it is now; the stream from the stored position reads the binlog with
    // the shapes it had (the history), and skips or converges what the copy holds.
    auto snapshots = source.snapshot_more(catalog);
    if (!snapshots.ok()) {
        return snapshots.status();
    }
    if (Status st = check_unchanged_since_resolved(); !st.ok()) {
        return st;
    }
    if (Status st = restart_reshaped_copies(pending); !st.ok()) {
        return st;
    }
    // Only the tables to copy: the others' target columns follow the stream's DDL, in order.
    SourceCatalog to_copy{{}, catalog.types, {}};
    for (const auto* t : pending) {
        to_copy.tables.push_back(*t);
    }
    // A copied table's schema is the one its copy reads, from its copy's first snapshot on (the
    // stream leaves its earlier events out): stored before any of it can be at the target.
    for (auto& t : tables.tables) {
        if (std::any_of(pending.begin(), pending.end(), [&](const TableSchema* p) { return p->id == t.id; })) {
            t = *std::find_if(catalog.tables.begin(), catalog.tables.end(), [&](const TableSchema& c) { return c.id == t.id; });
        }
    }
    if (Status st = store.put_schemas(tables.tables); !st.ok()) {
        return st;
    }
    if (Status st = target.prepare(to_copy, config.snapshot != SnapshotMode::Never); !st.ok()) {
        return st;
    }
    if (config.snapshot == SnapshotMode::Never) {
        return mark_tables(pending, snapshots.value()->start_position());
    }
    log->info("{} tables still to copy", pending.size());
    store.put_status("phase", "snapshot").ignore();
    return run_snapshot(pending, *snapshots.value(), source, target, snapshot_settings(), store, stop);
}

// A copy interrupted before DDL on its table cannot go on after its checkpoint: the rows already at
// the target have the old columns. It starts over (its table's changes before the new snapshot are
// skipped, the statement included, so the target's columns are brought in step here and by prepare).
Status Run::restart_reshaped_copies(const std::vector<const TableSchema*>& pending) {
    auto progress = store.table_progress();
    if (!progress.ok()) {
        return progress.status();
    }
    for (const auto* t : pending) {
        const auto history = std::find_if(tables.tables.begin(), tables.tables.end(),
                                          [&](const TableSchema& h) { return h.id == t->id; });
        if (history == tables.tables.end() || (history->same_shape(*t) && history->primary_key == t->primary_key)) {
            continue;
        }
        log->info("{} changed (DDL) since its copy began: copying it again from the start", display_name(t->id));
        // Its columns the source dropped meanwhile go at the target too (the copy could not fill a NOT
        // NULL one); the new ones are added by prepare.
        std::vector<std::string> dropped;
        for (const auto& c : history->columns) {
            if (std::none_of(t->columns.begin(), t->columns.end(), [&](const Column& n) { return n.name == c.name; })) {
                dropped.push_back(c.name);
            }
        }
        if (Status st = target.drop_columns(t->id, dropped); !st.ok()) {
            return st;
        }
        const auto it = progress.value().find(t->id);
        if (it != progress.value().end() && it->second.state == offsets::TableState::Copying) {
            auto restarted = it->second;
            restarted.state = offsets::TableState::Pending;
            if (Status st = store.put_table_progress(t->id, restarted, true); !st.ok()) {
                return st;
            }
        }
    }
    return {};
}

Status Run::stream() {
    auto sink = target.open_sink(tables);
    if (!sink.ok()) {
        return sink.status();
    }
    auto stored = store.load_position();
    if (!stored.ok()) {
        return stored.status();
    }
    auto at_target = sink.value()->applied_position();
    if (!at_target.ok()) {
        return at_target.status();
    }
    SourcePosition read_from = *stored.value();
    SourcePosition applied = read_from;
    if (at_target.value() && position_before(read_from, *at_target.value())) {
        // The target committed a batch whose offset write did not happen (crash in between).
        applied = *at_target.value();
        if (std::holds_alternative<PgLsn>(applied)) {
            read_from = applied;
            if (Status st = store.commit_position(applied); !st.ok()) {
                return st;
            }
        }
        // A binlog is read again from the stored position, whose schemas the state holds: the
        // transactions up to the target's position are skipped, but their DDL keeps the schema
        // history in step.
    }
    if (Status st = source.check_position(read_from); !st.ok()) {
        return st;
    }
    auto progress = store.table_progress();
    if (!progress.ok()) {
        return progress.status();
    }
    StreamSettings settings;
    settings.applied = applied;
    settings.batch_transactions = config.batch_transactions;
    settings.metrics = &metrics;
    std::map<TableId, SourcePosition> schema_valid_from;
    for (const auto& [id, p] : progress.value()) {
        settings.snapshot_positions.emplace(id, CopiedAt{p.converge_from, p.snapshot_position});
        if (position_before(read_from, p.converge_from)) {
            schema_valid_from.emplace(id, p.converge_from);  // its schema is its copy's
        }
    }
    auto changes = source.open_changes(read_from, tables, schema_valid_from);
    if (!changes.ok()) {
        return changes.status();
    }
    return run_stream(*changes.value(), *sink.value(), store, settings, stop);
}

Status Run::run() {
    store.put_status("phase", "starting").ignore();
    if (Status st = target.check_target(); !st.ok()) {
        return st;
    }
    if (Status st = prepare_source(); !st.ok()) {
        return st;
    }
    auto stored = store.load_position();
    if (!stored.ok()) {
        return stored.status();
    }
    if (!stored.value()) {
        if (Status st = start_fresh(); !st.ok()) {
            return st;
        }
    } else if (Status st = source.check_position(*stored.value()); !st.ok()) {
        return st;
    } else if (Status st2 = copy_pending_tables(); !st2.ok()) {
        return st2;
    }
    if (config.snapshot == SnapshotMode::Only) {
        store.put_status("phase", "snapshot done").ignore();
        log->info("snapshot complete (snapshot: only)");
        return {};
    }
    return stream();
}

bool wait_or_stop(std::stop_token stop, std::chrono::milliseconds delay) {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    return !cv.wait_for(lock, stop, delay, [] { return false; }) && !stop.stop_requested();
}

}  // namespace

Status run_pipeline(const Config& config, std::stop_token stop) {
    auto log = make_logger("pipeline");
    auto opened = offsets::OffsetStore::open(config.state_dir, false);
    if (!opened.ok()) {
        return opened.status();
    }
    auto& store = *opened.value();
    auto owner = store.get_meta(kMetaPipeline);
    if (!owner.ok()) {
        return owner.status();
    }
    if (owner.value() && *owner.value() != config.name) {
        return Status::error(Errc::InvalidConfig, "state_dir " + config.state_dir + " belongs to pipeline '" + *owner.value()
                                                      + "', not '" + config.name + "'; use another state_dir");
    }
    if (Status st = store.put_meta(kMetaPipeline, config.name); !st.ok()) {
        return st;
    }
    store.put_status("error", "").ignore();
    Metrics metrics;
    std::unique_ptr<HttpEndpoint> endpoint;  // stopped before the store closes: it reads the store
    if (!config.http.host.empty()) {
        auto started = HttpEndpoint::start(config, store, metrics);
        if (!started.ok()) {
            store.close().ignore();
            return started.status();
        }
        endpoint = std::move(started).value();
    }
    const auto finish = [&](const char* phase) {
        store.put_status("phase", phase).ignore();
        endpoint.reset();
        return store.close();
    };
    auto source = make_source_driver(config, store);
    auto target = make_target_driver(config);
    log->info("pipeline {}: {} -> {}, state in {}", config.name, source->describe(), target->describe(), config.state_dir);
    Backoff backoff(1s, 30s);
    for (;;) {
        Run run{config, store, stop, *source, *target, metrics, make_logger("pipeline"), {}, {}};
        metrics.start_run();
        const auto started = std::chrono::steady_clock::now();
        Status st = run.run();
        if (st.ok() || st.code() == Errc::Cancelled || stop.stop_requested()) {
            return finish("stopped");
        }
        if (st.code() == Errc::Restart) {  // an expected turn, not a failure: no backoff
            log->info("{}", st.message());
            if (!wait_or_stop(stop, 100ms)) {
                return finish("stopped");
            }
            continue;
        }
        metrics.count_error(st, st.retryable());
        if (!st.retryable()) {
            store.put_status("error", st.message()).ignore();
            finish("failed").ignore();
            return st;
        }
        if (std::chrono::steady_clock::now() - started > 60s) {
            backoff.reset();
        }
        const auto delay = backoff.next();
        log->warn("{}; retrying in {}s", st.message(), delay.count() / 1000.0);
        store.put_status("phase", "reconnecting").ignore();
        if (!wait_or_stop(stop, delay)) {
            return finish("stopped");
        }
    }
}

}  // namespace ferry::agent
