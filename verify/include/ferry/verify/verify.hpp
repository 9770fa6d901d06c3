// Comparing a source table with its copy at the target while both may be live (`ferry verify`).
//
// A table is read in chunks of the source's key order; each chunk is compared by row count and a
// digest the database computes over its rows, so that only two numbers per chunk travel. A chunk
// that differs is looked at again once the pipeline has applied past the source position at
// which it was read, and, if it still differs, narrowed to the rows that differ, each of which is
// settled the same way. A row counts as different only when the target, read after it had applied
// past a reading of the source row, still differs while the source row stayed as it was: that
// cannot be a change in flight.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::verify {

using Key = std::vector<std::string>;  // the key columns' values, in text form

struct ChunkSum {
    std::uint64_t rows = 0;
    std::string digest;
    bool operator==(const ChunkSum&) const = default;
};

struct RowDigest {
    Key key;
    std::string digest;
};

// A row as read: its digest, and a version that changes whenever the row is written (PostgreSQL:
// xmin; "" where the engine has none, and the digest alone tells).
struct RowRead {
    std::string digest;
    std::string version;
    bool operator==(const RowRead&) const = default;
};

// One database's side of one table. Both sides use the source's schema (columns, key order), so
// that their digests are comparable.
class TableReader {
public:
    virtual ~TableReader() = default;
    // The key `step` rows after `after` (nullopt: from the first row) in key order; nullopt when
    // fewer rows are left.
    virtual Result<std::optional<Key>> next_bound(const std::optional<Key>& after, std::size_t step) = 0;
    // The rows whose key is in (lo, hi] (nullopt: unbounded on that side).
    virtual Result<ChunkSum> chunk_sum(const std::optional<Key>& lo, const std::optional<Key>& hi) = 0;
    // Their keys and digests, in key order.
    virtual Result<std::vector<RowDigest>> row_digests(const std::optional<Key>& lo, const std::optional<Key>& hi) = 0;
    // The rows with these keys (a key without a row is left out).
    virtual Result<std::map<Key, RowRead>> read_rows(const std::vector<Key>& keys) = 0;
};

class Database {
public:
    virtual ~Database() = default;
    virtual Result<std::unique_ptr<TableReader>> open_table(const TableSchema& source_table) = 0;
    // A position at or after every transaction visible to reads that started before this call.
    virtual Result<SourcePosition> current_position() = 0;
    // The collation text keys sort in by default. Where the two sides' differ, both are told to
    // sort text keys byte-wise, so that a chunk holds the same keys on both.
    virtual std::string text_order() const = 0;
    virtual void sort_text_bytewise() = 0;
};

// Where a chunk's digests are computed: by the server (both ends PostgreSQL, the same types), or
// here over rows read in a canonical form both engines' values map to (any other pair).
enum class Digests : std::uint8_t { Server, Canonical };

// PostgreSQL, as a source or as a target.
Result<std::unique_ptr<Database>> open_postgres(const std::string& conninfo, Digests digests);
// MySQL/MariaDB (mysql:// URL), as a source or as a target; digests are always canonical.
Result<std::unique_ptr<Database>> open_mysql(const std::string& url);

struct Settings {
    std::size_t chunk_rows = 10000;
    std::size_t chunk_rounds = 3;   // looks at a differing chunk before narrowing it to rows
    std::size_t row_rounds = 10;    // looks at a differing row before calling it unsettled
    std::size_t listed_keys = 10;   // differing keys named per table
    std::chrono::milliseconds settle_timeout{60000};  // waiting for the pipeline to apply past a read
};

// The pipeline's durable position now (nullopt: none yet): what the target holds at least.
using AppliedPosition = std::function<Result<std::optional<SourcePosition>>()>;

struct TableResult {
    TableId table;
    std::uint64_t source_rows = 0;  // summed over the chunks' first looks (both sides may move meanwhile)
    std::uint64_t target_rows = 0;
    std::uint64_t chunks = 0;
    std::uint64_t chunks_rechecked = 0;  // differed at first and were looked at again
    std::uint64_t rows_different = 0;    // persistent differences
    std::uint64_t rows_unsettled = 0;    // kept changing, or the pipeline did not catch up in time
    std::vector<std::string> first_keys;      // of the rows different, as key text
    std::vector<std::string> unsettled_keys;  // of the rows unsettled
    std::string unsettled_reason;
    bool equal() const { return rows_different == 0 && rows_unsettled == 0; }
};

// Compares one table; errors are the databases' (a verdict is in the result).
Result<TableResult> compare_table(const TableSchema& table, Database& source, Database& target,
                                  const AppliedPosition& applied, const Settings& settings);

}  // namespace ferry::verify
