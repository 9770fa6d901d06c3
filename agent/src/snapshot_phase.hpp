// The snapshot phase: copies the pending tables with `jobs` parallel workers (each a source reader in
// its snapshot and a target loader), records each finished table durably, resumes a table after the
// target's checkpoint where the reader reads in key ranges, and shows progress (a live display on a
// terminal, periodic log lines otherwise).
#pragma once

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "drivers.hpp"
#include "ferry/offsets/offset_store.hpp"

namespace ferry::agent {

struct SnapshotSettings {
    std::size_t jobs = 2;
    // Readers that read in key ranges let the loader commit a checkpoint at a range's end at most
    // this often; a crash then resumes the table after the last checkpoint, in a new snapshot.
    std::chrono::milliseconds checkpoint_interval{10000};
};

// Copies `tables` with settings.jobs workers, each with its own reader from `snapshots` and its own
// loader; each finished table is recorded Done with the position of the reader that copied it (and
// the position of the first snapshot whose rows it kept, when it resumed after a checkpoint).
Status run_snapshot(const std::vector<const TableSchema*>& tables, SnapshotSource& snapshots, SourceDriver& source,
                    TargetDriver& target, const SnapshotSettings& settings, offsets::OffsetStore& store,
                    std::stop_token stop);

}  // namespace ferry::agent
