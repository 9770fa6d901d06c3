// What `ferry run` counts while it runs (changes applied by table and operation, transactions,
// errors by kind, retries, bytes read from the source) and its rendering, with the state
// directory's view (status_view.hpp), as Prometheus text. Written by the pipeline's threads, read
// by the HTTP endpoint's: every method is thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"
#include "status_view.hpp"

namespace ferry::agent {

// Changes of one table by operation (index: Op's value - 1).
using OpCounts = std::array<std::uint64_t, 4>;

class Metrics {
public:
    // Made durable at the target by one flush.
    void add_applied(const std::map<TableId, OpCounts>& changes, std::uint64_t transactions);
    // A run ended with `error`; `retrying` when the agent goes on after a backoff.
    void count_error(const Status& error, bool retrying);
    // The source's change stream, total bytes read by the current run's capture.
    void set_source_bytes(std::uint64_t run_total);
    void start_run();  // a new run: its source bytes add to the earlier runs', nothing in flight

    // In flight, kept in this process so that a blocked apply shows as lag rather than silence:
    // the capture thread handed on a source transaction (commit time, changes) ...
    void received(const SourcePosition& end, std::chrono::system_clock::time_point commit_time, std::uint64_t changes);
    // ... and everything up to `end` is durable at the target (or was already: a replay skipped).
    void settled(const SourcePosition& end);
    struct Backlog {
        double lag_seconds = 0;      // age of the oldest transaction received and not yet durable
        std::uint64_t changes = 0;   // changes received and not yet durable
    };
    Backlog backlog() const;

    // Prometheus text exposition format (version 0.0.4).
    std::string prometheus(const Config& config, const StatusView& view) const;

private:
    mutable std::mutex mu_;
    std::map<TableId, OpCounts> applied_;
    std::uint64_t transactions_ = 0;
    std::map<std::string, std::uint64_t> errors_;  // by Errc name
    std::uint64_t retries_ = 0;
    std::uint64_t source_bytes_earlier_runs_ = 0;
    std::uint64_t source_bytes_this_run_ = 0;

    struct Received {
        SourcePosition end;
        std::chrono::system_clock::time_point commit_time;
        std::uint64_t changes = 0;
    };
    mutable std::mutex in_flight_mu_;  // apart from mu_: taken once per transaction
    std::deque<Received> in_flight_;
    std::uint64_t in_flight_changes_ = 0;
};

// Whether the pipeline serves current data: streaming and at most `max_lag_seconds` behind. `why`
// says what is missing when not.
bool is_ready(const StatusView& view, const Metrics::Backlog& backlog, double max_lag_seconds, std::string& why);

}  // namespace ferry::agent
