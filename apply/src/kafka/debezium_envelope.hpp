// Kafka records in Debezium's change event format (Kafka Connect JSON converter, schemas off), so
// that consumers written for Debezium read Ferry's topics unchanged:
//   key    {"<key column>": value, ...}: the primary key (every column for a table without one);
//          none for a truncate
//   value  {"before": {...} | null, "after": {...} | null, "source": {...}, "op": "r|c|u|d|t",
//           "ts_ms": N, "transaction": {"id", "total_order", "data_collection_order"} | null}
// `source` carries the position: lsn and txId for PostgreSQL; file, pos, gtid and server_id for
// MySQL/MariaDB. Column values are debezium_value.hpp's.
// https://debezium.io/documentation/reference/stable/connectors/postgresql.html#postgresql-events
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "debezium_value.hpp"
#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::apply::kafka {

// Milliseconds since 1970, as ts_ms fields carry them.
inline std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The pipeline's part of every record's `source` block.
struct SourceBlock {
    std::string version;    // Ferry's version
    std::string name;       // the topic prefix (Debezium's topic.prefix)
    std::string database;   // PostgreSQL: the database; MySQL/MariaDB: unused (the table's schema is its db)
    std::uint32_t server_id = 0;  // MySQL/MariaDB: the source's server_id
};

// One change's place: its source transaction and its order in it.
struct ChangeContext {
    SourcePosition position;          // PG: the commit's LSN; MySQL/MariaDB: where the transaction starts
    std::uint32_t txid = 0;           // PostgreSQL's xid (0: none)
    std::string gtid;                 // MySQL/MariaDB: the transaction's GTID ("" for none, or a copy)
    std::uint32_t server_id = 0;      // MySQL/MariaDB: the server that wrote it (0: the configured one)
    std::int64_t commit_ms = 0;       // source.ts_ms: when the source committed it
    std::int64_t now_ms = 0;          // ts_ms: when Ferry made the record
    const char* snapshot = "false";   // source.snapshot: "true" for copied rows, "last" for a copy's last
    bool snapshot_read = false;       // op "r" instead of "c"
    std::uint64_t total_order = 0;    // 1-based among the transaction's changes; 0: no transaction block
    std::uint64_t collection_order = 0;  // 1-based among the transaction's changes to this table
};

// Transaction metadata (Debezium's provide.transaction.metadata), on <topic_prefix>.transaction:
//   key    {"id": "<transaction id>"}
//   value  {"status": "BEGIN"|"END", "id", "ts_ms", "event_count": null | N,
//           "data_collections": null | [{"data_collection": "<schema>.<table>", "event_count": N}, ...]}
struct CollectionCount {
    TableId table;
    std::uint64_t events = 0;
};
std::string transaction_key(const ChangeContext& context);
std::string transaction_begin(const ChangeContext& context);
std::string transaction_end(const ChangeContext& context, const std::vector<CollectionCount>& collections);

// Makes the records of many changes, keeping what is the same between them: per table its column
// forms, key columns and quoted names; per transaction its id. The caller reuses the output
// strings, so that a record costs no allocation once they have grown.
class RecordEncoder {
public:
    // `types`: the source's user types; a domain's values take the form of its base type.
    RecordEncoder(ValueOptions options, SourceBlock source, const std::vector<UserType>& types = {});
    // The key into `out`; false (and `out` empty) for a change without one (a truncate).
    Result<bool> key(const RowChange& change, std::string& out);
    Status value(const RowChange& change, const ChangeContext& context, std::string& out);

private:
    struct TableEncoding {
        TableEncoding(SchemaPtr schema, const std::map<std::string, std::string>& domain_bases);
        SchemaPtr table;  // held: the cache is keyed by its address
        std::vector<ColumnForm> forms;
        std::vector<bool> in_key;
        std::vector<std::string> names;  // each column's name as a JSON key, with its colon
        std::string schema_and_table;    // the source block's part that names the table
    };
    const TableEncoding& encoding_of(const SchemaPtr& table);
    Status append_row(std::string& out, const TableEncoding& e, const std::vector<Value>& row,
                      const std::vector<bool>* only) const;
    void append_source(std::string& out, const TableEncoding& e, const ChangeContext& context) const;

    ValueOptions options_;
    SourceBlock source_;
    std::map<std::string, std::string> domain_bases_;  // domain ("name" and "schema.name") -> base type
    std::unordered_map<const TableSchema*, TableEncoding> tables_;
    const TableEncoding* last_ = nullptr;
    SourcePosition transaction_of_;
    std::uint32_t transaction_txid_ = 0;
    std::string transaction_gtid_;
    std::string transaction_id_;  // as JSON, of transaction_of_
};

// One record at a time (tests).
Result<std::optional<std::string>> record_key(const RowChange& change, const ValueOptions& options);
Result<std::string> record_value(const RowChange& change, const SourceBlock& source, const ChangeContext& context,
                                 const ValueOptions& options);

}  // namespace ferry::apply::kafka
