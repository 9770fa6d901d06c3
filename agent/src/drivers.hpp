// What the pipeline needs from each engine, so that pipeline.cpp and the phases are the same for
// every source and target: a SourceDriver per source type, a TargetDriver per target type.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "ferry/core/ports.hpp"
#include "ferry/offsets/offset_store.hpp"

namespace ferry::agent {

// A reader and the source position its view corresponds to: it holds every transaction before
// `position` and none after.
struct OpenedReader {
    std::unique_ptr<SnapshotReader> reader;
    SourcePosition position;
};

// Where snapshot readers come from. PostgreSQL: one exported snapshot that every reader imports
// (all at start_position). MySQL/MariaDB: each reader opens its own consistent snapshot, at or
// after start_position. Either way the stream from start_position, skipping per table what its
// copy already holds, joins the copies with no gap and no overlap.
class SnapshotSource {
public:
    virtual ~SnapshotSource() = default;
    virtual SourcePosition start_position() const = 0;
    virtual Result<OpenedReader> open_reader() = 0;
};

class SourceDriver {
public:
    virtual ~SourceDriver() = default;
    virtual std::string describe() const = 0;  // host:port/db, never a password
    virtual Status check_server() = 0;
    virtual Result<SourceCatalog> resolve_tables() = 0;
    // What identifies the server, recorded in the state to notice a different server at the same URL.
    virtual Result<std::string> identity() = 0;
    // First run: starts capturing (PostgreSQL creates the slot) and returns the snapshot source whose
    // start_position is where the stream begins. `temporary`: nothing durable is left behind (snapshot: only).
    virtual Result<std::unique_ptr<SnapshotSource>> begin_capture(const SourceCatalog& tables, bool temporary) = 0;
    // Called once start_position is durable in the offset store.
    virtual Status capture_started() = 0;
    // Later runs: a snapshot for tables not yet copied (the stream already has its position).
    virtual Result<std::unique_ptr<SnapshotSource>> snapshot_more(const SourceCatalog& tables) = 0;
    // Errc::SourceGone when the source can no longer stream from `durable`.
    virtual Status check_position(const SourcePosition& durable) = 0;
    // `schema_valid_from`: tables whose schema in `tables` is the catalog's as of their copy, which
    // describes them only from that position on (earlier events of theirs are left out).
    virtual Result<std::unique_ptr<ChangeSource>> open_changes(
        const SourcePosition& from, const SourceCatalog& tables,
        const std::map<TableId, SourcePosition>& schema_valid_from) = 0;
    virtual Result<std::uint64_t> estimate_rows(const TableId& table) = 0;
};

class TargetDriver {
public:
    virtual ~TargetDriver() = default;
    virtual std::string describe() const = 0;
    // Whether the target can be reached, before anything at the source is created (a slot). The
    // SQL targets find out on their first connection instead.
    virtual Status check_target() { return {}; }
    // Creates what the tables need at the target; called before any open_loader().
    virtual Status prepare(const SourceCatalog& tables, bool defer_primary_keys) = 0;
    virtual Status forget_applied_position() = 0;
    // Drops these columns of a target table where it has them.
    virtual Status drop_columns(const TableId& table, const std::vector<std::string>& columns) = 0;
    virtual Result<std::unique_ptr<SnapshotLoader>> open_loader() = 0;
    virtual Result<std::unique_ptr<ChangeSink>> open_sink(const SourceCatalog& tables) = 0;
};

std::unique_ptr<SourceDriver> make_source_driver(const Config& config, offsets::OffsetStore& store);
std::unique_ptr<TargetDriver> make_target_driver(const Config& config);

// Per engine (drivers_pg.cpp, drivers_mysql.cpp, drivers_kafka.cpp).
std::unique_ptr<SourceDriver> make_pg_source_driver(const Config& config, offsets::OffsetStore& store);
std::unique_ptr<TargetDriver> make_pg_target_driver(const Config& config);
std::unique_ptr<SourceDriver> make_mysql_source_driver(const Config& config);
std::unique_ptr<TargetDriver> make_mysql_target_driver(const Config& config);
std::unique_ptr<TargetDriver> make_kafka_target_driver(const Config& config);

}  // namespace ferry::agent
