#include "cutover_command.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "ferry/verify/cutover.hpp"
#include "reverse_pipeline.hpp"
#include "verify_command.hpp"

namespace ferry::agent {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Waits, printing progress each second, until the pipeline's durable position reaches `end`.
Status wait_for_pipeline(const Config& config, const SourcePosition& end, std::chrono::seconds limit, std::stop_token stop) {
    const auto applied = durable_position(config);
    const auto started = Clock::now();
    auto last_print = started - std::chrono::seconds(1);
    for (;;) {
        auto at = applied();
        if (!at.ok()) {
            return at.status();
        }
        if (at.value() && !position_before(*at.value(), end)) {
            std::printf("caught up    the pipeline applied up to %s after %.1f s\n", format_position(*at.value()).c_str(),
                        seconds_since(started));
            return {};
        }
        if (Clock::now() - last_print >= std::chrono::seconds(1)) {
            last_print = Clock::now();
            const std::string now = at.value() ? format_position(*at.value()) : "(nothing yet)";
            std::string behind;
            if (at.value() && std::holds_alternative<PgLsn>(end) && std::holds_alternative<PgLsn>(*at.value())) {
                behind = ", " + std::to_string(std::get<PgLsn>(end).value - std::get<PgLsn>(*at.value()).value) + " bytes to go";
            }
            std::printf("catching up  applied %s of %s%s\n", now.c_str(), format_position(end).c_str(), behind.c_str());
            std::fflush(stdout);
        }
        if (stop.stop_requested()) {
            return Status::error(Errc::Cancelled, "cutover interrupted before the target caught up");
        }
        if (Clock::now() - started > limit) {
            return Status::error(Errc::Fatal, "the pipeline did not apply up to " + format_position(end) + " within "
                                                  + std::to_string(limit.count()) + " s; is `ferry run` running? (see ferry status)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

Result<bool> verify_now(const Config& config, const std::vector<TableSchema>& tables, const CutoverOptions& options) {
    VerifyOptions verify_options;
    verify_options.settings.settle_timeout = options.catch_up_limit;
    return verify_tables(config, tables, verify_options);
}

Result<std::unique_ptr<verify::SourceFreeze>> freeze_source(const Config& config) {
    return config.source.type == "mysql" ? verify::freeze_mysql(config.source.url) : verify::freeze_postgres(config.source.url);
}

// Sequences from PostgreSQL to PostgreSQL as they are; otherwise each counter (sequence or
// AUTO_INCREMENT) by its next value.
Result<std::vector<verify::SequenceMove>> carry_counters(const Config& config, const std::vector<TableSchema>& tables) {
    if (config.source.type == "postgres" && config.target.type == "postgres") {
        return verify::carry_sequences(config.source.url, config.target.url, tables);
    }
    auto counters = config.source.type == "mysql" ? verify::mysql_counters(config.source.url, tables)
                                                  : verify::postgres_counters(config.source.url, tables);
    if (!counters.ok()) {
        return counters.status();
    }
    return config.target.type == "mysql" ? verify::set_mysql_counters(config.target.url, counters.value())
                                         : verify::set_postgres_counters(config.target.url, counters.value());
}

// Everything after the freeze: end point, catch-up, sequences, verify again if asked, verdict.
Result<bool> switch_over(const Config& config, const CutoverOptions& options, const std::vector<TableSchema>& tables,
                         verify::SourceFreeze* freeze, Clock::time_point paused_at, std::stop_token stop) {
    auto source = open_database(config.source.type, config.source.url, false);
    if (!source.ok()) {
        return source.status();
    }
    auto end = source.value()->current_position();
    if (!end.ok()) {
        return end.status();
    }
    std::printf("end point    %s (the source's %s now)\n", format_position(end.value()).c_str(),
                config.source.type == "mysql" ? "binlog" : "WAL");
    std::fflush(stdout);
    if (Status st = wait_for_pipeline(config, end.value(), options.catch_up_limit, stop); !st.ok()) {
        return st;
    }
    const bool kafka = config.target.type == "kafka";
    auto moved = kafka ? Result<std::vector<verify::SequenceMove>>(std::vector<verify::SequenceMove>{})
                       : carry_counters(config, tables);
    if (!moved.ok()) {
        return moved.status();
    }
    for (const auto& m : moved.value()) {
        std::printf("sequence     %s (%s) at the target: next %lld%s\n", m.sequence.c_str(), m.column.c_str(),
                    static_cast<long long>(m.next), m.created ? " (created)" : "");
    }
    Result<bool> equal = true;  // verified live before the freeze; again now only when asked
    if (options.verify_frozen) {
        equal = verify_now(config, tables, options);
        if (!equal.ok()) {
            return equal.status();
        }
    }
    if (equal.value() && options.reverse) {
        auto reverse = start_reverse(config, options.config_path, options.catch_up_limit);
        if (!reverse.ok()) {
            return reverse.status();
        }
        std::printf("reverse      replication back from the target runs (pid %d): config %s, log %s\n",
                    static_cast<int>(reverse.value().pid), reverse.value().config_path.c_str(), reverse.value().log_path.c_str());
    }
    if (freeze != nullptr) {
        if (options.reverse && equal.value()) {
            freeze->keep();
            std::printf("still frozen the source stays read-only for applications (the reverse writes to it); to use it "
                        "again (a rollback): switch the application back, stop the reverse, then %s\n",
                        freeze->undo_sql().c_str());
        } else if (options.keep_frozen && equal.value()) {
            freeze->keep();
            std::printf("still frozen the source stays read-only for the switch; undo with: %s\n", freeze->undo_sql().c_str());
        } else {
            if (Status st = freeze->thaw(); !st.ok()) {
                return st;
            }
            std::printf("thawed       writes were paused for %.1f s\n", seconds_since(paused_at));
        }
    }
    if (kafka) {
        std::printf("every change up to %s is in Kafka — safe to switch\n", format_position(end.value()).c_str());
    } else if (equal.value()) {
        std::printf("target caught up to %s and verified equal%s — safe to switch\n", format_position(end.value()).c_str(),
                    options.verify_frozen ? "" : " (live, before the end point; the changes since came through the pipeline)");
    } else {
        std::printf("NOT safe to switch: the target caught up to %s but differs (above)\n", format_position(end.value()).c_str());
    }
    return equal.value();
}

}  // namespace

Result<bool> run_cutover(const Config& config, const CutoverOptions& options, std::stop_token stop) {
    const bool kafka = config.target.type == "kafka";
    if (kafka && (options.verify_frozen || options.reverse)) {
        return Status::error(Errc::InvalidConfig, "a kafka target has no tables to verify or replicate back from "
                                                  "(--verify-frozen, --reverse)");
    }
    if (options.reverse) {
        if (Status st = check_reverse(config); !st.ok()) {
            return st;
        }
    }
    auto tables = pipeline_tables(config, {});
    if (!tables.ok()) {
        return tables.status();
    }
    // Verified first, while writes go on (no pause for the scan): a difference ends cutover here.
    // A Kafka target is only drained up to the end point.
    auto equal = kafka ? Result<bool>(true) : verify_now(config, tables.value(), options);
    if (!equal.ok()) {
        return equal.status();
    }
    if (!equal.value()) {
        std::printf("NOT safe to switch: the target differs (above); nothing was frozen\n");
        return false;
    }
    std::unique_ptr<verify::SourceFreeze> freeze;
    const auto paused_at = Clock::now();
    if (options.freeze_source) {
        auto frozen = freeze_source(config);
        if (!frozen.ok()) {
            return frozen.status();
        }
        freeze = std::move(frozen).value();
        std::printf("frozen       %s; by hand, undo with: %s\n", freeze->describe().c_str(), freeze->undo_sql().c_str());
    }
    auto safe = switch_over(config, options, tables.value(), freeze.get(), paused_at, stop);
    // Failed or interrupted: the source is made writable again, or the error says it is not.
    if (!safe.ok() && freeze) {
        if (Status st = freeze->thaw(); !st.ok()) {
            return safe.status().with_context("THE SOURCE IS STILL READ-ONLY (" + st.message() + "); undo with: "
                                              + freeze->undo_sql());
        }
        std::printf("thawed       the source is writable again (writes were paused for %.1f s)\n", seconds_since(paused_at));
    }
    return safe;
}

}  // namespace ferry::agent
