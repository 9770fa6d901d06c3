// Where a pipeline is, as `ferry status` prints it and the HTTP endpoint serves it: read from the
// state directory (which `ferry run` keeps current, see stream_phase.cpp) and, when asked, from the
// source (its log's end, the slot or the binlog files).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "ferry/capture/mysql_capture.hpp"
#include "ferry/capture/pg_capture.hpp"
#include "ferry/core/status.hpp"
#include "ferry/offsets/offset_store.hpp"

namespace ferry::agent {

struct SourceView {
    bool reachable = false;
    std::string error;
    PgLsn current;                              // PostgreSQL: the end of the WAL
    capture::SlotInfo slot;                     // PostgreSQL
    std::optional<capture::BinlogFiles> binlog;  // MySQL/MariaDB
};

// The source's log end and slot or binlog files; `error` says why not when unreachable.
SourceView read_source(const Config& config);

struct TableView {
    TableId id;
    offsets::TableProgress progress;
};

struct StatusView {
    std::string phase;                   // as `run` last wrote it; "unknown" when never
    double seconds_since_update = -1;    // since `run` last wrote its status; -1 when never
    bool stale = false;                  // an active phase whose status stopped moving
    std::optional<SourcePosition> durable;
    std::string last_error;
    double lag_seconds = 0;              // behind the source's commits; 0 when caught up
    std::uint64_t applied_transactions = 0;  // by this run
    std::uint64_t queued_events = 0;         // received, not yet applied
    std::vector<TableView> tables;

    std::optional<SourceView> source;    // when read
    std::uint64_t lag_bytes = 0;         // of the source's log after the durable position
    std::uint64_t slot_retained_bytes = 0;      // PostgreSQL: WAL the slot keeps
    std::optional<std::uint64_t> binlog_behind;  // MySQL/MariaDB: nullopt when the durable file is purged
};

// Errc::Corruption when the state cannot be read. `with_source`: also read the source.
Result<StatusView> read_status(const Config& config, offsets::OffsetStore& store, bool with_source);
// Adds what the source said (read_source) and the lag and retention that follow from it.
void add_source_view(StatusView& view, SourceView source);

}  // namespace ferry::agent
