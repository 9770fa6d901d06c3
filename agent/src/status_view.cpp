#include "status_view.hpp"

#include <cstdio>

#include "clock.hpp"
#include "logging.hpp"

namespace ferry::agent {

namespace {

SourceView read_mysql_source(const Config& config) {
    SourceView view;
    capture::MysqlSourceConfig source{config.source.url, config.mysql_server_id(), {}};
    auto catalog = capture::MysqlCatalog::connect(source, make_logger("status"));
    auto files = catalog.ok() ? catalog.value()->binlog_files() : Result<capture::BinlogFiles>(catalog.status());
    if (!files.ok()) {
        view.error = files.status().message();
        return view;
    }
    view.reachable = true;
    view.binlog = files.value();
    return view;
}

std::uint64_t number_or_zero(const std::string& text) {
    try {
        return text.empty() ? 0 : std::stoull(text);
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

SourceView read_source(const Config& config) {
    SourceView view;
    if (config.source.type == "mysql") {
        return read_mysql_source(config);
    }
    capture::PgSourceConfig source{config.source.url, config.slot_name(), config.publication_name(), {}};
    auto catalog = capture::PgCatalog::connect(source, make_logger("status"));
    if (!catalog.ok()) {
        view.error = catalog.status().message();
        return view;
    }
    auto lsn = catalog.value()->current_wal_lsn();
    auto slot = catalog.value()->slot_info();
    if (!lsn.ok() || !slot.ok()) {
        view.error = !lsn.ok() ? lsn.status().message() : slot.status().message();
        return view;
    }
    view.reachable = true;
    view.current = lsn.value();
    view.slot = slot.value();
    return view;
}

void add_source_view(StatusView& view, SourceView source) {
    view.source = std::move(source);
    const SourceView& s = *view.source;
    if (!s.reachable || !view.durable) {
        return;
    }
    if (const auto* applied = std::get_if<PgLsn>(&*view.durable)) {
        view.lag_bytes = s.current.value > applied->value ? s.current.value - applied->value : 0;
        if (s.slot.exists) {
            view.slot_retained_bytes = s.current.value - std::min(s.current.value, s.slot.restart.value);
        }
    } else if (s.binlog) {
        view.binlog_behind = capture::binlog_bytes_after(*s.binlog, std::get<BinlogPosition>(*view.durable));
        view.lag_bytes = view.binlog_behind.value_or(0);
    }
}

Result<StatusView> read_status(const Config& config, offsets::OffsetStore& store, bool with_source) {
    auto position = store.load_position();
    auto progress = store.table_progress();
    auto values = store.status_values();
    if (!position.ok() || !progress.ok() || !values.ok()) {
        return Status::error(Errc::Corruption, "cannot read the state in " + config.state_dir);
    }
    const auto get = [&](const std::string& key) {
        const auto it = values.value().find(key);
        return it == values.value().end() ? std::string() : it->second;
    };
    StatusView view;
    view.phase = get("phase").empty() ? "unknown" : get("phase");
    if (const std::string updated = get("updated_at_ms"); !updated.empty()) {
        view.seconds_since_update = static_cast<double>(epoch_ms() - static_cast<std::int64_t>(number_or_zero(updated))) / 1000.0;
    }
    // A phase that is not moving: the run process is gone (or hung).
    const bool active = view.phase == "streaming" || view.phase == "snapshot" || view.phase == "starting";
    view.stale = active && view.seconds_since_update > 15;
    view.durable = position.value();
    view.last_error = get("error");
    // Caught up: nothing captured is waiting, whatever the source's other databases write meanwhile.
    const std::uint64_t commit_ms = number_or_zero(get("applied_commit_time_ms"));
    if (get("caught_up") != "1" && commit_ms != 0) {
        view.lag_seconds = std::max(0.0, static_cast<double>(epoch_ms() - static_cast<std::int64_t>(commit_ms)) / 1000.0);
    }
    view.applied_transactions = number_or_zero(get("applied_transactions"));
    view.queued_events = number_or_zero(get("queued_events"));
    // The backlog as `run` saw it within the last seconds, also while its applier is blocked: the
    // lag and queue then grow, where the applier's own status stopped moving.
    if (unsigned long long lag_ms = 0, changes = 0, at_ms = 0;
        std::sscanf(get("backlog").c_str(), "%llu,%llu,%llu", &lag_ms, &changes, &at_ms) == 3
        && epoch_ms() - static_cast<std::int64_t>(at_ms) < 5000) {
        view.lag_seconds = static_cast<double>(lag_ms) / 1000.0;
        view.queued_events = changes;
    }
    for (const auto& [id, p] : progress.value()) {
        view.tables.push_back({id, p});
    }
    if (with_source) {
        add_source_view(view, read_source(config));
    }
    return view;
}

}  // namespace ferry::agent
