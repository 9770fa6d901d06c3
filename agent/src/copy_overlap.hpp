// Where each table's snapshot copy meets the stream (invariant 5). A table copied in one snapshot
// holds every change committed before that snapshot's position and none after. A table whose copy
// was resumed in later snapshots (key ranges, after a crash) holds, per row, the state of one of
// them: changes between the first and the last of those positions are applied "converging"
// (RowChange::converging): each row ends at its state at the last position whatever it held,
// because every change is then a whole-row replacement by key, and the last one wins.
#pragma once

#include <map>
#include <vector>

#include "ferry/core/event.hpp"

namespace ferry::agent {

struct CopiedAt {
    SourcePosition converge_from;  // changes before this are in the copy
    SourcePosition exact_from;     // changes from here on are not; between the two: converging
};
using CopyPositions = std::map<TableId, CopiedAt>;

// Fits the changes of a transaction committed at `commit` to the copies: drops the ones a copy
// holds, and marks the ones it may hold as converging (an update becomes an insert, preceded by a
// delete of the old key when the key changed).
void fit_to_copies(std::vector<RowChange>& changes, const SourcePosition& commit, const CopyPositions& copies);

}  // namespace ferry::agent
