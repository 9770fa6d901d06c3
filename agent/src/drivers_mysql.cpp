// MySQL/MariaDB as a source: the binlog from a recorded position, snapshots that each take their
// own consistent view, no server-side state to create or drop. And as a target.
#include "drivers.hpp"
#include "ferry/apply/mysql_apply.hpp"
#include "ferry/capture/mysql_capture.hpp"
#include "logging.hpp"

namespace ferry::agent {

namespace {

class MysqlSnapshotSource final : public SnapshotSource {
public:
    MysqlSnapshotSource(capture::MysqlSourceConfig config, BinlogPosition start)
        : config_(std::move(config)), start_(std::move(start)) {}
    SourcePosition start_position() const override { return start_; }
    Result<OpenedReader> open_reader() override {
        auto snap = capture::open_mysql_snapshot(config_);
        if (!snap.ok()) {
            return snap.status();
        }
        return OpenedReader{std::move(snap.value().reader), snap.value().position};
    }

private:
    capture::MysqlSourceConfig config_;
    BinlogPosition start_;
};

class MysqlSourceDriver final : public SourceDriver {
public:
    explicit MysqlSourceDriver(const Config& config)
        : config_{config.source.url, config.mysql_server_id(), config.source.tables} {
        config_.renew_snapshots = config.snapshot != SnapshotMode::Only;
        config_.skip_server_id = Config::reverse_server_id(config.name);  // what this pipeline's reverse applied
    }

    std::string describe() const override { return capture::describe_mysql_url(config_.url); }
    Status check_server() override {
        auto catalog = capture::MysqlCatalog::connect(config_, make_logger("capture.mysql"));
        if (!catalog.ok()) {
            return catalog.status();
        }
        catalog_ = std::move(catalog).value();
        return catalog_->check_server();
    }
    // The position is read first: a table created after it and missing from the catalog makes the
    // stream ask for the catalog again (MysqlStreamScope::catalog_read_after).
    Result<SourceCatalog> resolve_tables() override {
        auto before = catalog_->current_position();
        if (!before.ok()) {
            return before.status();
        }
        catalog_read_after_ = before.value();
        return catalog_->resolve_tables();
    }
    Result<std::string> identity() override { return catalog_->server_identity(); }

    Result<std::unique_ptr<SnapshotSource>> begin_capture(const SourceCatalog&, bool) override { return snapshot(); }
    Status capture_started() override { return {}; }
    Result<std::unique_ptr<SnapshotSource>> snapshot_more(const SourceCatalog&) override { return snapshot(); }

    Status check_position(const SourcePosition& durable) override {
        return catalog_->check_position(std::get<BinlogPosition>(durable));
    }
    Result<std::unique_ptr<ChangeSource>> open_changes(const SourcePosition& from, const SourceCatalog& tables,
                                                       const std::map<TableId, SourcePosition>& valid_from) override {
        capture::MysqlStreamScope scope;
        scope.catalog_read_after = catalog_read_after_;
        for (const auto& [id, position] : valid_from) {
            scope.schema_valid_from.emplace(id, std::get<BinlogPosition>(position));
        }
        return capture::open_mysql_change_source(config_, std::get<BinlogPosition>(from), tables.tables, scope,
                                                 make_logger("capture.mysql"));
    }
    Result<std::uint64_t> estimate_rows(const TableId& table) override { return catalog_->estimate_rows(table); }

private:
    // Every snapshot opened later sees at least up to the binlog end now: the stream starts here.
    Result<std::unique_ptr<SnapshotSource>> snapshot() {
        auto now = catalog_->current_position();
        if (!now.ok()) {
            return now.status();
        }
        return std::unique_ptr<SnapshotSource>(std::make_unique<MysqlSnapshotSource>(config_, now.value()));
    }

    capture::MysqlSourceConfig config_;
    std::unique_ptr<capture::MysqlCatalog> catalog_;
    std::optional<BinlogPosition> catalog_read_after_;
};

class MysqlTargetDriver final : public TargetDriver {
public:
    explicit MysqlTargetDriver(const Config& config) : config_{config.target.url, config.name} {
        if (!config.reverse_of.empty()) {
            config_.session_server_id = Config::reverse_server_id(config.reverse_of);
        }
    }
    std::string describe() const override { return apply::describe_mysql_target(config_.url); }
    Status prepare(const SourceCatalog& tables, bool) override {  // InnoDB loads fastest into its primary key
        catalog_ = tables;
        return apply::prepare_mysql_target(config_, tables, make_logger("apply.mysql"));
    }
    Status forget_applied_position() override { return apply::forget_mysql_applied_position(config_); }
    Status drop_columns(const TableId& table, const std::vector<std::string>& columns) override {
        return apply::drop_mysql_target_columns(config_, table, columns);
    }
    Result<std::unique_ptr<SnapshotLoader>> open_loader() override {
        return apply::open_mysql_snapshot_loader(config_, catalog_);
    }
    Result<std::unique_ptr<ChangeSink>> open_sink(const SourceCatalog& tables) override {
        return apply::open_mysql_change_sink(config_, tables, make_logger("apply.mysql"));
    }

private:
    apply::MysqlTargetConfig config_;
    SourceCatalog catalog_;  // from prepare(), for the loaders
};

}  // namespace

std::unique_ptr<TargetDriver> make_mysql_target_driver(const Config& config) {
    return std::make_unique<MysqlTargetDriver>(config);
}

std::unique_ptr<SourceDriver> make_mysql_source_driver(const Config& config) {
    return std::make_unique<MysqlSourceDriver>(config);
}

}  // namespace ferry::agent
