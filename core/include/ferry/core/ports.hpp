// The ports between the agent and its modules. Implementations live in capture/ and apply/.
//
// Acknowledgement protocol (invariant 1): the agent calls ChangeSink::flush (target durable), then
// writes the position to the offset store with sync, then ChangeSource::acknowledge. Nothing else
// moves a source's acknowledged position.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "ferry/core/copy_text.hpp"
#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry {

// Streams committed changes. Owned by the capture thread, except acknowledge(), which any thread
// may call.
class ChangeSource {
public:
    virtual ~ChangeSource() = default;
    // Next event in commit order; Heartbeat when idle; Errc::Cancelled once `stop` is requested.
    virtual Result<Event> next(std::stop_token stop) = 0;
    // Keeps the connection alive while the consumer is slow (called between queue waits).
    virtual Status keep_alive() = 0;
    // Everything up to `durable` is committed at the target and in the offset store.
    virtual void acknowledge(const SourcePosition& durable) = 0;
    // Bytes of the change stream read so far (any thread may ask).
    virtual std::uint64_t bytes_read() const { return 0; }
};

// Applies source transactions in order. Owned by the apply thread. A target transaction holds whole
// source transactions only; several may be grouped until flush().
class ChangeSink {
public:
    virtual ~ChangeSink() = default;
    // The position recorded at the target itself in the same transaction as the data, if any.
    virtual Result<std::optional<SourcePosition>> applied_position() = 0;
    virtual Status begin(const TxnBegin& begin) = 0;
    virtual Status apply(const ChangeBatch& batch) = 0;
    // Makes the same change at the target (inside the open source transaction), as far as the
    // target can follow; a statement the target cannot follow is an error naming it. Applying a
    // change the target already has is harmless (a replay after a crash).
    virtual Status change_schema(const SchemaChange& change) = 0;
    virtual Status commit(const TxnCommit& commit) = 0;
    // Makes every transaction passed to commit() durable at the target, together with its position.
    virtual Status flush() = 0;
    // Discards a source transaction that was begun but not committed (stop mid-transaction).
    virtual Status discard_open() = 0;
    // Number of committed-but-not-flushed transactions.
    virtual std::size_t pending_transactions() const = 0;
};

using ChunkConsumer = std::function<Status(SnapshotChunk&&)>;

// Reads tables inside one consistent snapshot. Owned by one snapshot worker.
class SnapshotReader {
public:
    virtual ~SnapshotReader() = default;
    // Every row of `table`, or only those after `resume_after` (a SnapshotChunk::resume_key this
    // reader produced earlier, possibly in another snapshot). Readers that read in key order mark
    // chunks that end a key range with their resume_key; others never set it, and must be given "".
    virtual Status read_table(const TableSchema& table, CopyFormat format, const std::string& resume_after,
                              const ChunkConsumer& consume) = 0;
};

// Where an interrupted table load stands at the target, recorded in the same target transaction as
// its rows, so it is exact whatever crashed when.
struct LoadCheckpoint {
    std::string resume_key;  // the reader's key of the last row committed
    std::uint64_t rows = 0;  // rows committed so far
    // Set when the target holds the whole table, copied at this position (a target that cannot
    // resume a copy, Kafka in exactly-once mode, commits each table's copy whole).
    std::optional<SourcePosition> complete_at;
};

// Loads one table at a time into the target: begin_table empties it (unless resuming after a
// checkpoint) and says which format it takes the rows in; checkpoint commits what was written with
// the checkpoint; finish_table commits the rest and forgets the checkpoint.
class SnapshotLoader {
public:
    virtual ~SnapshotLoader() = default;
    // The checkpoint of an interrupted load of `table`, if the target holds one.
    virtual Result<std::optional<LoadCheckpoint>> checkpoint_of(const TableSchema& table) = 0;
    // `as_of`: the source position the rows that follow are read at (until a chunk names a newer one).
    virtual Result<CopyFormat> begin_table(const TableSchema& table, bool resume, const SourcePosition& as_of) = 0;
    virtual Status write(const SnapshotChunk& chunk) = 0;
    virtual Status checkpoint(const LoadCheckpoint& checkpoint) = 0;
    virtual Status finish_table() = 0;
};

}  // namespace ferry
