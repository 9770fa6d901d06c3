// The streaming phase: a capture thread reads the source into a bounded queue; the calling thread
// applies transactions in commit order, groups them into target transactions, and after each target
// commit writes the position to the offset store (sync) and only then acknowledges the source.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <stop_token>

#include "copy_overlap.hpp"
#include "ferry/core/ports.hpp"
#include "ferry/offsets/offset_store.hpp"
#include "metrics.hpp"

namespace ferry::agent {

struct StreamSettings {
    SourcePosition applied;  // end of the last transaction already at the target
    // Per table: where its snapshot copy meets the stream.
    CopyPositions snapshot_positions;
    std::size_t batch_transactions = 1000;
    // Changes (and transaction boundaries) the capture thread may read ahead: thousands of small
    // transactions, or a few full ChangeBatches of up to 2000 changes.
    std::size_t queue_capacity = 16384;
    // On stop inside a source transaction, how long to wait for it to end so that the committed
    // ones before it (sharing its target transaction) can be flushed rather than sent again.
    std::chrono::milliseconds stop_grace{5000};
    Metrics* metrics = nullptr;  // counts what is applied, when set
};

// Returns when `stop` is requested (OK after a final flush at a transaction boundary) or on the
// first error.
Status run_stream(ChangeSource& source, ChangeSink& sink, offsets::OffsetStore& store, const StreamSettings& settings,
                  std::stop_token stop);

}  // namespace ferry::agent
