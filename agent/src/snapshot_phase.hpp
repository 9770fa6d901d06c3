// The snapshot phase: copies the pending tables inside one exported snapshot with `jobs` parallel
// workers (each a source reader and a target loader), records each finished table durably, and shows
// progress (a live display on a terminal, periodic log lines otherwise).
#pragma once

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "config.hpp"
#include "ferry/apply/pg_apply.hpp"
#include "ferry/capture/pg_capture.hpp"
#include "ferry/offsets/offset_store.hpp"

namespace ferry::agent {

struct SnapshotPlan {
    std::string snapshot_name;       // exported snapshot every reader imports
    SourcePosition snapshot_position;  // its consistent point
    std::vector<const TableSchema*> tables;
};

Status run_snapshot(const SnapshotPlan& plan, const capture::PgSourceConfig& source, const apply::PgTargetConfig& target,
                    std::size_t jobs, offsets::OffsetStore& store, capture::PgCatalog& catalog, std::stop_token stop);

}  // namespace ferry::agent
