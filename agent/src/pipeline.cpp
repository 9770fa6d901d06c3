#include "pipeline.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

#include "ferry/apply/pg_apply.hpp"
#include "ferry/capture/pg_capture.hpp"
#include "ferry/core/backoff.hpp"
#include "ferry/offsets/offset_store.hpp"
#include "logging.hpp"
#include "snapshot_phase.hpp"
#include "stream_phase.hpp"

namespace ferry::agent {

namespace {

using namespace std::chrono_literals;

constexpr char kMetaPipeline[] = "pipeline";
constexpr char kMetaSystem[] = "source_system_identifier";
constexpr char kMetaSlotPending[] = "slot_being_created";

struct Run {
    const Config& config;
    offsets::OffsetStore& store;
    std::stop_token stop;
    capture::PgSourceConfig source;
    apply::PgTargetConfig target;
    std::shared_ptr<spdlog::logger> log = make_logger("pipeline");
    std::unique_ptr<capture::PgCatalog> catalog;
    SourceCatalog tables;

    Status prepare_source();
    Status start_fresh();
    Status check_slot(const SourcePosition& durable);
    Status copy_pending_tables();
    Status mark_tables(const std::vector<const TableSchema*>& tables, const SourcePosition& at);
    Status stream();
    Status run();
};

Status Run::prepare_source() {
    auto catalog_conn = capture::PgCatalog::connect(source, make_logger("capture.pg"));
    if (!catalog_conn.ok()) {
        return catalog_conn.status();
    }
    catalog = std::move(catalog_conn).value();
    if (Status st = catalog->check_server(); !st.ok()) {
        return st;
    }
    auto resolved = catalog->resolve_tables();
    if (!resolved.ok()) {
        return resolved.status();
    }
    tables = std::move(resolved).value();
    auto system_id = capture::source_system_identifier(source);
    if (!system_id.ok()) {
        return system_id.status();
    }
    auto recorded = store.get_meta(kMetaSystem);
    if (!recorded.ok()) {
        return recorded.status();
    }
    if (recorded.value() && *recorded.value() != system_id.value()) {
        return Status::error(Errc::SourceGone, "the source is a different PostgreSQL server (system identifier "
                                                   + system_id.value() + ", state_dir recorded " + *recorded.value()
                                                   + "); point source.url back at it, or start over with a new state_dir");
    }
    if (Status st = store.put_schemas(tables.tables); !st.ok()) {
        return st;
    }
    return store.put_meta(kMetaSystem, system_id.value());
}

Status Run::mark_tables(const std::vector<const TableSchema*>& list, const SourcePosition& at) {
    for (const auto* t : list) {
        if (Status st = store.put_table_progress(t->id, {offsets::TableState::Done, at, 0, 0}, true); !st.ok()) {
            return st;
        }
    }
    return {};
}

// No position stored yet: create the slot with an exported snapshot and copy every table in it.
Status Run::start_fresh() {
    auto slot = catalog->slot_info();
    if (!slot.ok()) {
        return slot.status();
    }
    if (slot.value().exists) {
        auto pending = store.get_meta(kMetaSlotPending);
        if (!pending.ok()) {
            return pending.status();
        }
        if (!pending.value() || *pending.value() != source.slot_name) {
            return Status::error(Errc::Fatal, "replication slot " + source.slot_name
                                                  + " already exists but state_dir has no position for it; if no other "
                                                    "ferry uses it, drop it (SELECT pg_drop_replication_slot('"
                                                  + source.slot_name + "')) and start again");
        }
        log->info("dropping slot {} left by a run that stopped before its first position was stored", source.slot_name);
        if (Status st = catalog->drop_slot(); !st.ok()) {
            return st;
        }
    }
    if (Status st = catalog->ensure_publication(tables.tables); !st.ok()) {
        return st;
    }
    if (Status st = apply::prepare_target(target, tables, config.snapshot != SnapshotMode::Never, make_logger("apply.pg"));
        !st.ok()) {
        return st;
    }
    if (Status st = apply::forget_applied_position(target); !st.ok()) {
        return st;
    }
    std::vector<const TableSchema*> all;
    for (const auto& t : tables.tables) {
        all.push_back(&t);
    }
    if (Status st = store.clear_table_progress(); !st.ok()) {
        return st;
    }
    if (config.snapshot == SnapshotMode::Only) {  // no slot left behind: a temporary one dies with the copy
        auto exporter = capture::SnapshotExporter::create(source, true, make_logger("capture.pg"));
        if (!exporter.ok()) {
            return exporter.status();
        }
        store.put_status("phase", "snapshot").ignore();
        const auto& snap = exporter.value()->snapshot();
        return run_snapshot({snap.snapshot_name, snap.consistent_point, all}, source, target, config.snapshot_jobs, store,
                            *catalog, stop);
    }
    if (Status st = store.put_meta(kMetaSlotPending, source.slot_name); !st.ok()) {
        return st;
    }
    auto exporter = capture::SnapshotExporter::create(source, false, make_logger("capture.pg"));
    if (!exporter.ok()) {
        return exporter.status();
    }
    const auto& snap = exporter.value()->snapshot();
    for (const auto* t : all) {
        offsets::TableProgress p{offsets::TableState::Pending, snap.consistent_point, 0, 0};
        if (Status st = store.put_table_progress(t->id, p, false); !st.ok()) {
            return st;
        }
    }
    if (Status st = store.commit_position(snap.consistent_point); !st.ok()) {  // the slot's start, durable
        return st;
    }
    if (Status st = store.put_meta(kMetaSlotPending, ""); !st.ok()) {
        return st;
    }
    if (config.snapshot == SnapshotMode::Never) {
        return mark_tables(all, snap.consistent_point);
    }
    store.put_status("phase", "snapshot").ignore();
    return run_snapshot({snap.snapshot_name, snap.consistent_point, all}, source, target, config.snapshot_jobs, store,
                        *catalog, stop);
}

// Tables not yet copied (a crash during the snapshot, or tables added to the config): copy them in
// a fresh snapshot of a temporary slot; changes committed before it are skipped for those tables.
Status Run::copy_pending_tables() {
    auto progress = store.table_progress();
    if (!progress.ok()) {
        return progress.status();
    }
    std::vector<const TableSchema*> pending;
    for (const auto& t : tables.tables) {
        const auto it = progress.value().find(t.id);
        if (it == progress.value().end() || it->second.state != offsets::TableState::Done) {
            pending.push_back(&t);
        }
    }
    if (pending.empty()) {
        return {};
    }
    if (Status st = catalog->ensure_publication(tables.tables); !st.ok()) {
        return st;
    }
    if (Status st = apply::prepare_target(target, tables, config.snapshot != SnapshotMode::Never, make_logger("apply.pg"));
        !st.ok()) {
        return st;
    }
    auto exporter = capture::SnapshotExporter::create(source, true, make_logger("capture.pg"));
    if (!exporter.ok()) {
        return exporter.status();
    }
    const auto& snap = exporter.value()->snapshot();
    if (config.snapshot == SnapshotMode::Never) {
        return mark_tables(pending, snap.consistent_point);
    }
    log->info("{} tables still to copy", pending.size());
    store.put_status("phase", "snapshot").ignore();
    return run_snapshot({snap.snapshot_name, snap.consistent_point, pending}, source, target, config.snapshot_jobs, store,
                        *catalog, stop);
}

Status Run::check_slot(const SourcePosition& durable) {
    auto slot = catalog->slot_info();
    if (!slot.ok()) {
        return slot.status();
    }
    const auto& s = slot.value();
    const std::string at = format_position(durable);
    if (!s.exists) {
        return Status::error(Errc::SourceGone, "replication slot " + source.slot_name
                                                   + " is gone: changes after " + at
                                                   + " are lost; start over with an empty state_dir (the tables are copied again)");
    }
    if (s.plugin != "pgoutput") {
        return Status::error(Errc::Fatal, "slot " + source.slot_name + " uses plugin " + s.plugin + ", not pgoutput");
    }
    if (s.wal_status == "lost") {
        return Status::error(Errc::SourceGone, "slot " + source.slot_name + " lost the WAL it needed (wal_status lost): changes after "
                                                   + at + " are gone; start over with an empty state_dir");
    }
    if (s.confirmed_flush > std::get<PgLsn>(durable)) {
        return Status::error(Errc::SourceGone, "slot " + source.slot_name + " has confirmed " + format_lsn(s.confirmed_flush)
                                                   + ", beyond the stored position " + at
                                                   + ": changes in between may be lost; start over with an empty state_dir");
    }
    auto publication = catalog->publication_exists();
    if (!publication.ok()) {
        return publication.status();
    }
    if (!publication.value()) {
        return Status::error(Errc::SourceGone, "publication " + source.publication_name
                                                   + " is gone; changes after " + at
                                                   + " cannot be decoded; start over with an empty state_dir");
    }
    return {};
}

Status Run::stream() {
    auto sink = apply::open_change_sink(target, make_logger("apply.pg"));
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
    SourcePosition durable = *stored.value();
    if (at_target.value() && std::get<PgLsn>(*at_target.value()) > std::get<PgLsn>(durable)) {
        // The target committed a batch whose offset write did not happen (crash in between).
        durable = *at_target.value();
        if (Status st = store.commit_position(durable); !st.ok()) {
            return st;
        }
    }
    if (Status st = check_slot(durable); !st.ok()) {
        return st;
    }
    auto progress = store.table_progress();
    if (!progress.ok()) {
        return progress.status();
    }
    StreamSettings settings;
    settings.applied = durable;
    settings.batch_transactions = config.batch_transactions;
    for (const auto& [id, p] : progress.value()) {
        settings.snapshot_positions.emplace(id, p.snapshot_position);
    }
    auto changes = capture::open_change_source(source, std::get<PgLsn>(durable), tables.tables, make_logger("capture.pg"));
    if (!changes.ok()) {
        return changes.status();
    }
    return run_stream(*changes.value(), *sink.value(), store, settings, stop);
}

Status Run::run() {
    store.put_status("phase", "starting").ignore();
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
    } else if (Status st = check_slot(*stored.value()); !st.ok()) {
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
    log->info("pipeline {}: {} -> {}, state in {}", config.name, capture::describe_pg_url(config.source.url),
              capture::describe_pg_url(config.target.url), config.state_dir);
    Backoff backoff(1s, 30s);
    for (;;) {
        Run run{config,
                store,
                stop,
                {config.source.url, config.slot_name(), config.publication_name(), config.source.tables},
                {config.target.url, config.name},
                make_logger("pipeline"),
                nullptr,
                {}};
        const auto started = std::chrono::steady_clock::now();
        Status st = run.run();
        if (st.ok() || st.code() == Errc::Cancelled || stop.stop_requested()) {
            store.put_status("phase", "stopped").ignore();
            return store.close();
        }
        if (!st.retryable()) {
            store.put_status("phase", "failed").ignore();
            store.put_status("error", st.message()).ignore();
            store.close().ignore();
            return st;
        }
        if (std::chrono::steady_clock::now() - started > 60s) {
            backoff.reset();
        }
        const auto delay = backoff.next();
        log->warn("{}; retrying in {}s", st.message(), delay.count() / 1000.0);
        store.put_status("phase", "reconnecting").ignore();
        if (!wait_or_stop(stop, delay)) {
            store.put_status("phase", "stopped").ignore();
            return store.close();
        }
    }
}

}  // namespace ferry::agent
