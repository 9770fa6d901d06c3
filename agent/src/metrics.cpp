#include "metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace ferry::agent {

namespace {

constexpr std::array<const char*, 4> kOpNames{"insert", "update", "delete", "truncate"};
constexpr std::array<const char*, 7> kPhases{"starting", "snapshot", "snapshot done", "streaming",
                                             "reconnecting", "failed", "stopped"};

// A label value: backslash, double quote and newline escaped, as the text format asks.
std::string label(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

class Exposition {
public:
    // HELP and TYPE lines, once per metric family.
    Exposition& family(const char* name, const char* type, const char* help) {
        text_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
        return *this;
    }
    Exposition& sample(const char* name, const std::string& labels, double value) {
        std::array<char, 32> number{};
        std::snprintf(number.data(), number.size(), "%.17g", value);
        return line(name, labels, number.data());
    }
    Exposition& sample(const char* name, const std::string& labels, std::uint64_t value) {
        return line(name, labels, std::to_string(value));
    }
    std::string str() && { return std::move(text_); }

private:
    Exposition& line(const char* name, const std::string& labels, const std::string& number) {
        text_ += name;
        if (!labels.empty()) {
            text_ += "{" + labels + "}";
        }
        text_ += " " + number + "\n";
        return *this;
    }
    std::string text_;
};

std::string table_label(const TableId& id) { return "table=\"" + label(display_name(id)) + "\""; }

void add_state(Exposition& out, const Config& config, const StatusView& view) {
    out.family("ferry_info", "gauge", "The pipeline this process runs.")
        .sample("ferry_info",
                "pipeline=\"" + label(config.name) + "\",source=\"" + label(config.source.type) + "\",target=\""
                    + label(config.target.type) + "\"",
                std::uint64_t{1});
    out.family("ferry_phase", "gauge", "1 for the phase the pipeline is in.");
    for (const char* phase : kPhases) {
        out.sample("ferry_phase", "phase=\"" + std::string(phase) + "\"", std::uint64_t{view.phase == phase ? 1U : 0U});
    }
    out.family("ferry_status_age_seconds", "gauge", "Seconds since the pipeline last recorded its status.")
        .sample("ferry_status_age_seconds", "", view.seconds_since_update);
    out.family("ferry_snapshot_rows_copied", "gauge", "Rows copied by the snapshot, by table.");
    for (const auto& t : view.tables) {
        out.sample("ferry_snapshot_rows_copied", table_label(t.id), t.progress.rows_copied);
    }
    out.family("ferry_snapshot_rows_estimated", "gauge", "The source's row estimate for a table being copied.");
    for (const auto& t : view.tables) {
        out.sample("ferry_snapshot_rows_estimated", table_label(t.id), t.progress.rows_estimated);
    }
    out.family("ferry_snapshot_table_done", "gauge", "1 when a table's copy is complete.");
    for (const auto& t : view.tables) {
        out.sample("ferry_snapshot_table_done", table_label(t.id),
                   std::uint64_t{t.progress.state == offsets::TableState::Done ? 1U : 0U});
    }
}

void add_source(Exposition& out, const StatusView& view) {
    if (!view.source) {
        return;
    }
    const SourceView& source = *view.source;
    out.family("ferry_source_up", "gauge", "1 when the source answered the last look at its log.")
        .sample("ferry_source_up", "", std::uint64_t{source.reachable ? 1U : 0U});
    if (!source.reachable || !view.durable) {
        return;
    }
    out.family("ferry_lag_bytes", "gauge", "Bytes of the source's log after the durable position.")
        .sample("ferry_lag_bytes", "", view.lag_bytes);
    if (!source.binlog && source.slot.exists) {
        out.family("ferry_slot_retained_wal_bytes", "gauge", "WAL the replication slot keeps on the source.")
            .sample("ferry_slot_retained_wal_bytes", "", view.slot_retained_bytes);
    }
}

}  // namespace

void Metrics::add_applied(const std::map<TableId, OpCounts>& changes, std::uint64_t transactions) {
    std::lock_guard lock(mu_);
    for (const auto& [table, counts] : changes) {
        auto& total = applied_[table];
        for (std::size_t i = 0; i < counts.size(); ++i) {
            total[i] += counts[i];
        }
    }
    transactions_ += transactions;
}

void Metrics::count_error(const Status& error, bool retrying) {
    std::lock_guard lock(mu_);
    ++errors_[std::string(errc_name(error.code()))];
    retries_ += retrying ? 1 : 0;
}

void Metrics::set_source_bytes(std::uint64_t run_total) {
    std::lock_guard lock(mu_);
    source_bytes_this_run_ = run_total;
}

void Metrics::start_run() {
    {
        std::lock_guard lock(mu_);
        source_bytes_earlier_runs_ += source_bytes_this_run_;
        source_bytes_this_run_ = 0;
    }
    std::lock_guard lock(in_flight_mu_);
    in_flight_.clear();  // the new run reads them again
    in_flight_changes_ = 0;
}

void Metrics::received(const SourcePosition& end, std::chrono::system_clock::time_point commit_time,
                       std::uint64_t changes) {
    std::lock_guard lock(in_flight_mu_);
    in_flight_.push_back({end, commit_time, changes});
    in_flight_changes_ += changes;
}

void Metrics::settled(const SourcePosition& end) {
    std::lock_guard lock(in_flight_mu_);
    while (!in_flight_.empty() && !position_before(end, in_flight_.front().end)) {
        in_flight_changes_ -= in_flight_.front().changes;
        in_flight_.pop_front();
    }
}

Metrics::Backlog Metrics::backlog() const {
    std::lock_guard lock(in_flight_mu_);
    Backlog out;
    out.changes = in_flight_changes_;
    if (!in_flight_.empty()) {
        const auto age = std::chrono::system_clock::now() - in_flight_.front().commit_time;
        out.lag_seconds = std::max(0.0, std::chrono::duration<double>(age).count());
    }
    return out;
}

std::string Metrics::prometheus(const Config& config, const StatusView& view) const {
    Exposition out;
    add_state(out, config, view);
    add_source(out, view);
    const Backlog now = backlog();
    out.family("ferry_lag_seconds", "gauge", "Age of the oldest source transaction received and not yet durable at the target.")
        .sample("ferry_lag_seconds", "", now.lag_seconds);
    out.family("ferry_queued_events", "gauge", "Changes received from the source and not yet durable at the target.")
        .sample("ferry_queued_events", "", now.changes);
    std::lock_guard lock(mu_);
    out.family("ferry_changes_applied_total", "counter", "Row changes made durable at the target, by table and operation.");
    for (const auto& [table, counts] : applied_) {
        for (std::size_t i = 0; i < counts.size(); ++i) {
            out.sample("ferry_changes_applied_total", table_label(table) + ",op=\"" + kOpNames[i] + "\"", counts[i]);
        }
    }
    out.family("ferry_transactions_applied_total", "counter", "Source transactions made durable at the target.")
        .sample("ferry_transactions_applied_total", "", transactions_);
    out.family("ferry_source_bytes_total", "counter", "Bytes of the source's change stream read.")
        .sample("ferry_source_bytes_total", "", source_bytes_earlier_runs_ + source_bytes_this_run_);
    out.family("ferry_errors_total", "counter", "Runs ended by an error, by kind.");
    for (const auto& [kind, n] : errors_) {
        out.sample("ferry_errors_total", "kind=\"" + label(kind) + "\"", n);
    }
    out.family("ferry_retries_total", "counter", "Times the pipeline started again after a retryable error.")
        .sample("ferry_retries_total", "", retries_);
    return std::move(out).str();
}

bool is_ready(const StatusView& view, const Metrics::Backlog& backlog, double max_lag_seconds, std::string& why) {
    if (view.phase != "streaming") {
        why = "phase " + view.phase;
    } else if (backlog.lag_seconds > max_lag_seconds) {
        why = "lag " + std::to_string(static_cast<long long>(backlog.lag_seconds)) + " s is over "
              + std::to_string(static_cast<long long>(max_lag_seconds)) + " s";
    } else {
        return true;
    }
    return false;
}

}  // namespace ferry::agent
