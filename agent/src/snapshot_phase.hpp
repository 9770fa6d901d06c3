// The snapshot phase: copies the pending tables inside one exported snapshot with `jobs` parallel
// workers (each a source reader and a target loader), records each finished table durably, and shows
// progress (a live display on a terminal, periodic log lines otherwise).
#pragma once

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "drivers.hpp"
#include "ferry/offsets/offset_store.hpp"

namespace ferry::agent {

// Copies `tables` with `jobs` workers, each with its own reader from `snapshots` and its own loader;
// each finished table is recorded Done with the position of the reader that copied it.
Status run_snapshot(const std::vector<const TableSchema*>& tables, SnapshotSource& snapshots, SourceDriver& source,
                    TargetDriver& target, std::size_t jobs, offsets::OffsetStore& store, std::stop_token stop);

}  // namespace ferry::agent
