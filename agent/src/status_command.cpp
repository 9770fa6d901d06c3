#include "status_command.hpp"

#include <cstdio>

#include "json.hpp"
#include "status_view.hpp"

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

void print_json(const Config& config, const StatusView& view) {
    std::string tables = "[";
    for (const auto& t : view.tables) {
        tables += (tables.size() > 1 ? "," : "") + JsonObject()
                                                       .add("table", display_name(t.id))
                                                       .add("state", state_name(t.progress.state))
                                                       .add("rows_copied", t.progress.rows_copied)
                                                       .add("snapshot_position", format_position(t.progress.snapshot_position))
                                                       .str();
    }
    tables += "]";
    JsonObject out;
    out.add("pipeline", config.name).add("phase", view.phase);
    out.add("seconds_since_update", view.seconds_since_update);
    if (view.durable) {
        out.add("durable_position", format_position(*view.durable));
    } else {
        out.add_null("durable_position");
    }
    out.add("queued_events", view.queued_events);
    const SourceView& source = *view.source;
    out.add("source_reachable", source.reachable);
    if (source.binlog) {
        out.add("source_position", format_binlog_position(source.binlog->end))
            .add("lag_bytes", view.lag_bytes)
            .add("lag_seconds", view.lag_seconds)
            .add("binlog_files", static_cast<std::uint64_t>(source.binlog->files.size()))
            .add("oldest_binlog", source.binlog->files.empty() ? std::string() : source.binlog->files.front().first)
            .add("durable_binlog_present", view.binlog_behind.has_value() || !view.durable);
    } else if (source.reachable) {
        out.add("source_position", format_lsn(source.current))
            .add("lag_bytes", view.lag_bytes)
            .add("lag_seconds", view.lag_seconds)
            .add("slot_exists", source.slot.exists)
            .add("slot_retained_wal_bytes", view.slot_retained_bytes);
    } else {
        out.add("source_error", source.error);
    }
    if (!view.last_error.empty()) {
        out.add("last_error", view.last_error);
    }
    out.add_raw("tables", tables);
    std::printf("%s\n", out.str().c_str());
}

void print_text(const Config& config, const StatusView& view) {
    std::string phase = view.phase;
    if (view.stale) {
        phase += " (no update for " + std::to_string(static_cast<long long>(view.seconds_since_update))
                 + " s: is `ferry run` running?)";
    }
    const std::string durable = view.durable ? format_position(*view.durable) : "(none yet)";
    std::printf("pipeline   %s\nphase      %s\ndurable    %s\n", config.name.c_str(), phase.c_str(), durable.c_str());
    const SourceView& source = *view.source;
    const auto lag_bytes = static_cast<unsigned long long>(view.lag_bytes);
    if (source.binlog) {
        std::printf("source     %s\nlag        %llu binlog bytes, %.1f s, %llu events queued\n",
                    format_binlog_position(source.binlog->end).c_str(), lag_bytes, view.lag_seconds,
                    static_cast<unsigned long long>(view.queued_events));
        const std::string oldest = source.binlog->files.empty() ? "(none)" : source.binlog->files.front().first;
        std::printf("binlog     %zu files on the server, oldest %s%s\n", source.binlog->files.size(), oldest.c_str(),
                    view.binlog_behind || !view.durable ? ""
                                                        : "; THE DURABLE POSITION'S FILE IS PURGED: a new snapshot is needed");
    } else if (source.reachable) {
        std::printf("source     %s\nlag        %llu bytes, %.1f s, %llu events queued\nslot       %s, retains %llu bytes of WAL\n",
                    format_lsn(source.current).c_str(), lag_bytes, view.lag_seconds,
                    static_cast<unsigned long long>(view.queued_events),
                    source.slot.exists ? config.slot_name().c_str() : "(missing)",
                    static_cast<unsigned long long>(view.slot_retained_bytes));
    } else {
        std::printf("source     unreachable: %s\n", source.error.c_str());
    }
    if (!view.last_error.empty()) {
        std::printf("last error %s\n", view.last_error.c_str());
    }
    std::printf("tables\n");
    for (const auto& t : view.tables) {
        std::printf("  %-40s %-8s %llu rows copied\n", display_name(t.id).c_str(), state_name(t.progress.state),
                    static_cast<unsigned long long>(t.progress.rows_copied));
    }
}

}  // namespace

Status print_status(const Config& config, bool as_json) {
    auto opened = offsets::OffsetStore::open(config.state_dir, true);
    if (!opened.ok()) {
        return opened.status();
    }
    auto view = read_status(config, *opened.value(), true);
    if (!view.ok()) {
        return view.status();
    }
    if (as_json) {
        print_json(config, view.value());
    } else {
        print_text(config, view.value());
    }
    return {};
}

}  // namespace ferry::agent
