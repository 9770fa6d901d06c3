// PostgreSQL target: schema preparation, snapshot loading with COPY, and ordered change apply.
//
// The applied source position is written to _ferry.applied_position in the same target transaction
// as the changes (invariant 3), so a crash between the target commit and the offset store write
// neither loses nor duplicates anything. Every object owns its own libpq connection and belongs to
// one thread. Factories return Errc::Transient when the server is unreachable, Errc::Fatal when the
// operator must act.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "ferry/core/event.hpp"
#include "ferry/core/ports.hpp"
#include "ferry/core/status.hpp"

namespace spdlog {
class logger;
}

namespace ferry::apply {

using LoggerPtr = std::shared_ptr<spdlog::logger>;

struct PgTargetConfig {
    std::string conninfo;
    std::string pipeline;                   // key of this pipeline's row in _ferry.applied_position
    std::size_t statements_per_sync = 1000;  // pipeline-mode statements between result reads
    // Applied transactions are marked with this replication origin (created when missing), so that
    // a capture of this database can tell them from the application's; "" for none.
    std::string replication_origin{};
};

// Creates missing schemas, enum/domain types and tables (columns, types; the primary key right away
// unless `defer_primary_keys`, in which case the snapshot loader adds it after the copy), and the
// _ferry.applied_position table. Existing tables are used as they are, but must have every column.
Status prepare_target(const PgTargetConfig& config, const SourceCatalog& catalog, bool defer_primary_keys,
                      LoggerPtr log);

// Loads whole tables: begin_table truncates the table in a new transaction, rows go in with
// COPY ... FREEZE, finish_table adds a missing primary key and commits.
Result<std::unique_ptr<SnapshotLoader>> open_snapshot_loader(const PgTargetConfig& config);

// Applies changes in pipeline mode; several source transactions share one target transaction.
Result<std::unique_ptr<ChangeSink>> open_change_sink(const PgTargetConfig& config, LoggerPtr log);

// Removes this pipeline's row from _ferry.applied_position (a fresh start after the state was reset).
Status forget_applied_position(const PgTargetConfig& config);
// Drops these columns of a target table where it has them (source columns the source dropped).
Status drop_target_columns(const PgTargetConfig& config, const TableId& table, const std::vector<std::string>& columns);

}  // namespace ferry::apply
