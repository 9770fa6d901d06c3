#include "snapshot_progress.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

namespace ferry::agent {

namespace {
std::string human_count(double v) {
    char buf[32];
    if (v >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
    } else if (v >= 1e4) {
        std::snprintf(buf, sizeof buf, "%.0fk", v / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f", v);
    }
    return buf;
}
}  // namespace

SnapshotProgress::SnapshotProgress(std::vector<std::unique_ptr<TableCounter>>& tables, std::shared_ptr<spdlog::logger> log)
    : tables_(tables)
    , log_(std::move(log))
    , is_terminal_(isatty(STDERR_FILENO) == 1)
    , last_log_(std::chrono::steady_clock::now()) {}

std::string SnapshotProgress::line(const TableCounter& t, std::chrono::steady_clock::time_point now) const {
    const auto rows = static_cast<double>(t.rows.load());
    const int state = t.state.load();
    const auto end = state == 2 ? t.finished : now;
    const double secs = state == 0 ? 0.0 : std::chrono::duration<double>(end - t.started).count();
    const double rate = secs > 0.05 ? rows / secs : 0.0;
    const auto est = static_cast<double>(t.estimated_rows);
    std::string eta = state == 2 ? "done" : state == 0 ? "waiting" : "ETA ?";
    if (state == 1 && rate > 0 && est > rows) {
        eta = "ETA " + std::to_string(static_cast<long long>((est - rows) / rate + 0.5)) + "s";
    }
    char buf[512];
    std::snprintf(buf, sizeof buf, "%-40.40s %9s / ~%-9s rows %9s rows/s  %s", t.name.c_str(), human_count(rows).c_str(),
                  human_count(est).c_str(), human_count(rate).c_str(), eta.c_str());
    return buf;
}

void SnapshotProgress::tick(bool final) {
    const auto now = std::chrono::steady_clock::now();
    if (is_terminal_) {
        std::string out;
        if (drawn_lines_ > 0) {
            out += "\033[" + std::to_string(drawn_lines_) + "A";
        }
        drawn_lines_ = 0;
        for (const auto& t : tables_) {
            out += "\033[2K  " + line(*t, now) + "\n";
            ++drawn_lines_;
        }
        std::fputs(out.c_str(), stderr);
        std::fflush(stderr);
        return;
    }
    if (!final && now - last_log_ < std::chrono::seconds(10)) {
        return;
    }
    last_log_ = now;
    for (const auto& t : tables_) {
        if (t->state.load() == 1 || final) {
            log_->info("snapshot {}", line(*t, now));
        }
    }
}

}  // namespace ferry::agent
