#include "status_command.hpp"

#include <cstdio>
#include <map>
#include <optional>

#include "ferry/capture/mysql_capture.hpp"
#include "ferry/capture/pg_capture.hpp"
#include "ferry/offsets/offset_store.hpp"
#include "clock.hpp"
#include "json.hpp"
#include "logging.hpp"

namespace ferry::agent {

namespace {

const char* state_name(offsets::TableState s) {
    switch (s) {
        case offsets::TableState::Pending: return "pending";
        case offsets::TableState::Copying: return "copying";
        case offsets::TableState::Done: return "done";
    }
    return "unknown";
}

struct SourceView {
    bool reachable = false;
    std::string error;
    PgLsn current;
    capture::SlotInfo slot;
    std::optional<capture::BinlogFiles> binlog;  // MySQL/MariaDB sources
};

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

}  // namespace

Status print_status(const Config& config, bool as_json) {
    auto opened = offsets::OffsetStore::open(config.state_dir, true);
    if (!opened.ok()) {
        return opened.status();
    }
    auto& store = *opened.value();
    auto position = store.load_position();
    auto progress = store.table_progress();
    auto values = store.status_values();
    if (!position.ok() || !progress.ok() || !values.ok()) {
        return Status::error(Errc::Corruption, "cannot read the state in " + config.state_dir);
    }
    const auto& status = values.value();
    const auto get = [&](const std::string& key) {
        const auto it = status.find(key);
        return it == status.end() ? std::string() : it->second;
    };
    const SourceView source = read_source(config);
    // A phase that is not moving: the run process is gone (or hung).
    std::string phase = get("phase").empty() ? "unknown" : get("phase");
    double since_update = -1;
    if (!get("updated_at_ms").empty()) {
        since_update = static_cast<double>(epoch_ms() - std::stoll(get("updated_at_ms"))) / 1000.0;
    }
    const bool is_active_phase = phase == "streaming" || phase == "snapshot" || phase == "starting";
    if (is_active_phase && since_update > 15) {
        phase += " (no update for " + std::to_string(static_cast<long long>(since_update))
                 + " s: is `ferry run` running?)";
    }
    const std::string durable = position.value() ? format_position(*position.value()) : "";
    std::uint64_t lag_bytes = 0;
    double lag_seconds = 0;
    std::uint64_t retained_bytes = 0;
    if (source.reachable && position.value() && std::holds_alternative<PgLsn>(*position.value())) {
        const auto applied = std::get<PgLsn>(*position.value()).value;
        lag_bytes = source.current.value > applied ? source.current.value - applied : 0;
        const std::string commit_ms = get("applied_commit_time_ms");
        // Caught up: nothing captured is waiting, whatever WAL other databases write meanwhile.
        if (get("caught_up") != "1" && !commit_ms.empty() && commit_ms != "0") {
            lag_seconds = static_cast<double>(epoch_ms() - std::stoll(commit_ms)) / 1000.0;
        }
        if (source.slot.exists) {
            retained_bytes = source.current.value - std::min(source.current.value, source.slot.confirmed_flush.value);
        }
    }
    std::optional<std::uint64_t> binlog_behind;  // MySQL/MariaDB: binlog bytes after the durable position
    if (source.binlog && position.value() && std::holds_alternative<BinlogPosition>(*position.value())) {
        binlog_behind = capture::binlog_bytes_after(*source.binlog, std::get<BinlogPosition>(*position.value()));
        lag_bytes = binlog_behind.value_or(0);
        const std::string commit_ms = get("applied_commit_time_ms");
        if (get("caught_up") != "1" && !commit_ms.empty() && commit_ms != "0") {
            lag_seconds = static_cast<double>(epoch_ms() - std::stoll(commit_ms)) / 1000.0;
        }
    }
    if (as_json) {
        std::string tables = "[";
        for (const auto& [id, p] : progress.value()) {
            tables += (tables.size() > 1 ? "," : "") + JsonObject()
                                                           .add("table", display_name(id))
                                                           .add("state", state_name(p.state))
                                                           .add("rows_copied", p.rows_copied)
                                                           .add("snapshot_position", format_position(p.snapshot_position))
                                                           .str();
        }
        tables += "]";
        JsonObject out;
        out.add("pipeline", config.name).add("phase", get("phase").empty() ? "unknown" : get("phase"));
        out.add("seconds_since_update", since_update);
        if (durable.empty()) {
            out.add_null("durable_position");
        } else {
            out.add("durable_position", durable);
        }
        out.add("source_reachable", source.reachable);
        if (source.binlog) {
            out.add("source_position", format_binlog_position(source.binlog->end))
                .add("lag_bytes", lag_bytes)
                .add("lag_seconds", lag_seconds)
                .add("binlog_files", static_cast<std::uint64_t>(source.binlog->files.size()))
                .add("oldest_binlog", source.binlog->files.empty() ? std::string() : source.binlog->files.front().first)
                .add("durable_binlog_present", binlog_behind.has_value() || !position.value());
        } else if (source.reachable) {
            out.add("source_position", format_lsn(source.current))
                .add("lag_bytes", lag_bytes)
                .add("lag_seconds", lag_seconds)
                .add("slot_exists", source.slot.exists)
                .add("slot_retained_wal_bytes", retained_bytes);
        } else {
            out.add("source_error", source.error);
        }
        if (!get("error").empty()) {
            out.add("last_error", get("error"));
        }
        out.add_raw("tables", tables);
        std::printf("%s\n", out.str().c_str());
        return {};
    }
    std::printf("pipeline   %s\nphase      %s\n", config.name.c_str(), phase.c_str());
    std::printf("durable    %s\n", durable.empty() ? "(none yet)" : durable.c_str());
    if (source.binlog) {
        std::printf("source     %s\nlag        %llu binlog bytes, %.1f s\n", format_binlog_position(source.binlog->end).c_str(),
                    static_cast<unsigned long long>(lag_bytes), lag_seconds);
        const std::string oldest = source.binlog->files.empty() ? "(none)" : source.binlog->files.front().first;
        std::printf("binlog     %zu files on the server, oldest %s%s\n", source.binlog->files.size(), oldest.c_str(),
                    binlog_behind || !position.value() ? ""
                                                       : "; THE DURABLE POSITION'S FILE IS PURGED: a new snapshot is needed");
    } else if (source.reachable) {
        std::printf("source     %s\nlag        %llu bytes, %.1f s\nslot       %s, retains %llu bytes of WAL\n",
                    format_lsn(source.current).c_str(), static_cast<unsigned long long>(lag_bytes), lag_seconds,
                    source.slot.exists ? config.slot_name().c_str() : "(missing)",
                    static_cast<unsigned long long>(retained_bytes));
    } else {
        std::printf("source     unreachable: %s\n", source.error.c_str());
    }
    if (!get("error").empty()) {
        std::printf("last error %s\n", get("error").c_str());
    }
    std::printf("tables\n");
    for (const auto& [id, p] : progress.value()) {
        std::printf("  %-40s %-8s %llu rows copied\n", display_name(id).c_str(), state_name(p.state),
                    static_cast<unsigned long long>(p.rows_copied));
    }
    return {};
}

}  // namespace ferry::agent
