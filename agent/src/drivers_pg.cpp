// PostgreSQL as a source (slot + publication + exported snapshot) and as a target.
#include <spdlog/spdlog.h>

#include "drivers.hpp"
#include "ferry/apply/pg_apply.hpp"
#include "ferry/capture/pg_capture.hpp"
#include "logging.hpp"

namespace ferry::agent {

namespace {

constexpr char kMetaSlotPending[] = "slot_being_created";

// Every reader imports the one exported snapshot; the exporter keeps it alive.
class PgSnapshotSource final : public SnapshotSource {
public:
    PgSnapshotSource(std::unique_ptr<capture::SnapshotExporter> exporter, capture::PgSourceConfig config)
        : exporter_(std::move(exporter)), config_(std::move(config)) {}
    SourcePosition start_position() const override { return exporter_->snapshot().consistent_point; }
    Result<OpenedReader> open_reader() override {
        auto reader = capture::open_snapshot_reader(config_, exporter_->snapshot().snapshot_name);
        if (!reader.ok()) {
            return reader.status();
        }
        return OpenedReader{std::move(reader).value(), start_position()};
    }

private:
    std::unique_ptr<capture::SnapshotExporter> exporter_;
    capture::PgSourceConfig config_;
};

class PgSourceDriver final : public SourceDriver {
public:
    PgSourceDriver(const Config& config, offsets::OffsetStore& store)
        : config_{config.source.url, config.slot_name(), config.publication_name(), config.source.tables}
        , store_(store) {
        config_.skip_origin = Config::reverse_origin(config.name);  // what this pipeline's reverse applied
    }

    std::string describe() const override { return capture::describe_pg_url(config_.conninfo); }

    Status check_server() override {
        auto catalog = capture::PgCatalog::connect(config_, make_logger("capture.pg"));
        if (!catalog.ok()) {
            return catalog.status();
        }
        catalog_ = std::move(catalog).value();
        return catalog_->check_server();
    }
    Result<SourceCatalog> resolve_tables() override { return catalog_->resolve_tables(); }
    Result<std::string> identity() override { return capture::source_system_identifier(config_); }

    Result<std::unique_ptr<SnapshotSource>> begin_capture(const SourceCatalog& tables, bool temporary) override {
        if (!temporary) {
            if (Status st = drop_leftover_slot(); !st.ok()) {
                return st;
            }
        }
        if (Status st = catalog_->ensure_publication(tables.tables); !st.ok()) {
            return st;
        }
        if (!temporary) {
            if (Status st = store_.put_meta(kMetaSlotPending, config_.slot_name); !st.ok()) {
                return st;
            }
        }
        return export_snapshot(temporary);
    }

    Status capture_started() override { return store_.put_meta(kMetaSlotPending, ""); }

    Result<std::unique_ptr<SnapshotSource>> snapshot_more(const SourceCatalog& tables) override {
        if (Status st = catalog_->ensure_publication(tables.tables); !st.ok()) {
            return st;
        }
        return export_snapshot(true);
    }

    Status check_position(const SourcePosition& durable) override;

    // pgoutput describes every table's columns itself before its rows.
    Result<std::unique_ptr<ChangeSource>> open_changes(const SourcePosition& from, const SourceCatalog& tables,
                                                       const std::map<TableId, SourcePosition>&) override {
        return capture::open_change_source(config_, std::get<PgLsn>(from), tables.tables, make_logger("capture.pg"));
    }
    Result<std::uint64_t> estimate_rows(const TableId& table) override { return catalog_->estimate_rows(table); }

private:
    Result<std::unique_ptr<SnapshotSource>> export_snapshot(bool temporary) {
        auto exporter = capture::SnapshotExporter::create(config_, temporary, make_logger("capture.pg"));
        if (!exporter.ok()) {
            return exporter.status();
        }
        return std::unique_ptr<SnapshotSource>(
            std::make_unique<PgSnapshotSource>(std::move(exporter).value(), config_));
    }

    // A slot without a stored position: left by a run that died creating it, or someone else's.
    Status drop_leftover_slot() {
        auto slot = catalog_->slot_info();
        if (!slot.ok()) {
            return slot.status();
        }
        if (!slot.value().exists) {
            return {};
        }
        auto pending = store_.get_meta(kMetaSlotPending);
        if (!pending.ok()) {
            return pending.status();
        }
        if (!pending.value() || *pending.value() != config_.slot_name) {
            return Status::error(Errc::Fatal, "replication slot " + config_.slot_name
                                                  + " already exists but state_dir has no position for it; if no other "
                                                    "ferry uses it, drop it (SELECT pg_drop_replication_slot('"
                                                  + config_.slot_name + "')) and start again");
        }
        make_logger("pipeline")->info("dropping slot {} left by a run that stopped before its first position was stored",
                                      config_.slot_name);
        return catalog_->drop_slot();
    }

    capture::PgSourceConfig config_;
    offsets::OffsetStore& store_;
    std::unique_ptr<capture::PgCatalog> catalog_;
};

Status PgSourceDriver::check_position(const SourcePosition& durable) {
    auto slot = catalog_->slot_info();
    if (!slot.ok()) {
        return slot.status();
    }
    const auto& s = slot.value();
    const std::string at = format_position(durable);
    const std::string& name = config_.slot_name;
    if (!s.exists) {
        return Status::error(Errc::SourceGone, "replication slot " + name + " is gone: changes after " + at
                                                   + " are lost; start over with an empty state_dir (the tables are copied again)");
    }
    if (s.plugin != "pgoutput") {
        return Status::error(Errc::Fatal, "slot " + name + " uses plugin " + s.plugin + ", not pgoutput");
    }
    if (s.wal_status == "lost") {
        return Status::error(Errc::SourceGone, "slot " + name + " lost the WAL it needed (wal_status lost): changes after "
                                                   + at + " are gone; start over with an empty state_dir");
    }
    if (s.confirmed_flush > std::get<PgLsn>(durable)) {
        return Status::error(Errc::SourceGone, "slot " + name + " has confirmed " + format_lsn(s.confirmed_flush)
                                                   + ", beyond the stored position " + at
                                                   + ": changes in between may be lost; start over with an empty state_dir");
    }
    auto publication = catalog_->publication_exists();
    if (!publication.ok()) {
        return publication.status();
    }
    if (!publication.value()) {
        return Status::error(Errc::SourceGone, "publication " + config_.publication_name + " is gone; changes after " + at
                                                   + " cannot be decoded; start over with an empty state_dir");
    }
    return {};
}

class PgTargetDriver final : public TargetDriver {
public:
    explicit PgTargetDriver(const Config& config) : config_{config.target.url, config.name} {
        if (!config.reverse_of.empty()) {
            config_.replication_origin = Config::reverse_origin(config.reverse_of);
        }
    }
    std::string describe() const override { return capture::describe_pg_url(config_.conninfo); }
    Status prepare(const SourceCatalog& tables, bool defer_primary_keys) override {
        return apply::prepare_target(config_, tables, defer_primary_keys, make_logger("apply.pg"));
    }
    Status forget_applied_position() override { return apply::forget_applied_position(config_); }
    Status drop_columns(const TableId& table, const std::vector<std::string>& columns) override {
        return apply::drop_target_columns(config_, table, columns);
    }
    Result<std::unique_ptr<SnapshotLoader>> open_loader() override { return apply::open_snapshot_loader(config_); }
    Result<std::unique_ptr<ChangeSink>> open_sink(const SourceCatalog&) override {
        return apply::open_change_sink(config_, make_logger("apply.pg"));
    }

private:
    apply::PgTargetConfig config_;
};

}  // namespace

std::unique_ptr<SourceDriver> make_pg_source_driver(const Config& config, offsets::OffsetStore& store) {
    return std::make_unique<PgSourceDriver>(config, store);
}

std::unique_ptr<TargetDriver> make_pg_target_driver(const Config& config) {
    return std::make_unique<PgTargetDriver>(config);
}

std::unique_ptr<SourceDriver> make_source_driver(const Config& config, offsets::OffsetStore& store) {
    if (config.source.type == "mysql") {
        return make_mysql_source_driver(config);
    }
    return make_pg_source_driver(config, store);
}

std::unique_ptr<TargetDriver> make_target_driver(const Config& config) {
    if (config.target.type == "mysql") {
        return make_mysql_target_driver(config);
    }
    if (config.target.type == "kafka") {
        return make_kafka_target_driver(config);
    }
    return make_pg_target_driver(config);
}

}  // namespace ferry::agent
