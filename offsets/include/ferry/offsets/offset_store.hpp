// OffsetStore: the pipeline's durable state in one RocksDB directory (`state_dir`).
//
// Holds the durable source position, the source identity, per-table snapshot progress and the schema
// of captured tables. Durable writes use WriteOptions.sync = true and happen once per batch, never per
// row. Status writes (progress counters for `ferry status`) are not synced.
// Single writer: the process that opened it read-write (RocksDB's LOCK file enforces one per directory).
// Read-only opens (ferry status) may run beside it. Not thread-safe for writes; owned by the agent.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::offsets {

enum class TableState : std::uint8_t { Pending = 0, Copying = 1, Done = 2 };

struct TableProgress {
    TableState state = TableState::Pending;
    // For Done tables: changes committed before this position are already in the copy.
    SourcePosition snapshot_position;
    std::uint64_t rows_copied = 0;
    std::uint64_t rows_estimated = 0;
    // The earliest snapshot whose rows may be in the copy (a load resumed in a later snapshot):
    // changes from here up to snapshot_position are applied converging (RowChange::converging).
    // Equal to snapshot_position when one snapshot copied the whole table.
    SourcePosition converge_from;
};

class OffsetStore {
public:
    // Opens or creates the store. Read-only opens fail if the directory holds no store.
    // On error nothing is created; Errc::Fatal when another process holds the write lock.
    static Result<std::unique_ptr<OffsetStore>> open(const std::string& dir, bool read_only);
    ~OffsetStore();
    OffsetStore(const OffsetStore&) = delete;
    OffsetStore& operator=(const OffsetStore&) = delete;

    Result<std::optional<SourcePosition>> load_position();
    // Durable on return, together with the schemas of tables whose columns changed up to `position`
    // (a schema history: the stored schemas always describe the source at the stored position), and
    // without the schema and copy progress of tables dropped at the source.
    Status commit_position(const SourcePosition& position, const std::vector<TableSchema>& changed = {},
                           const std::vector<TableId>& dropped = {});

    Result<std::optional<std::string>> get_meta(const std::string& key);
    Status put_meta(const std::string& key, const std::string& value);  // durable on return

    Result<std::map<TableId, TableProgress>> table_progress();
    Status put_table_progress(const TableId& table, const TableProgress& progress, bool durable);
    Status clear_table_progress();

    Result<std::vector<TableSchema>> schemas();
    Status put_schemas(const std::vector<TableSchema>& tables);  // replaces all, durable

    // Lightweight status values for `ferry status` (phase, timestamps); not synced.
    Status put_status(const std::string& key, const std::string& value);
    Result<std::map<std::string, std::string>> status_values();

    Status close();

private:
    struct Impl;
    explicit OffsetStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Encodings, public for tests. Each starts with a version byte.
std::string encode_position(const SourcePosition& position);
Result<SourcePosition> decode_position(std::string_view bytes);
std::string encode_schema(const TableSchema& table);
Result<TableSchema> decode_schema(std::string_view bytes);

}  // namespace ferry::offsets
