// The event model shared by capture, apply, offsets and the agent.
//
// A source emits, in commit order: TxnBegin, one or more ChangeBatch, TxnCommit for every source
// transaction, so that a transaction of any size streams through bounded memory (invariant 9).
// Heartbeat carries a position at which nothing is in flight. Values are text: for PostgreSQL sources
// the server's text form (exact for every type); for MySQL/MariaDB sources the forms documented in
// capture/mysql (mysql_values.hpp). The table's engine and the column's type tell how to read them.
#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ferry {

struct PgLsn {
    std::uint64_t value = 0;
    auto operator<=>(const PgLsn&) const = default;
};
std::string format_lsn(PgLsn lsn);            // "16/B374D848"
bool parse_lsn(std::string_view text, PgLsn& out);

// A place in a MySQL/MariaDB server's binlog: always between two transactions. Ordered by the file's
// sequence number, then the offset (one server's binlog is one totally ordered log); `gtid` is the
// server's GTID state at that point (MariaDB "0-1-42,1-2-7", MySQL "uuid:1-42"), empty without GTIDs.
struct BinlogPosition {
    std::string file;  // e.g. "binlog.000012"
    std::uint64_t offset = 0;
    std::string gtid;
    std::strong_ordering operator<=>(const BinlogPosition& other) const;
    bool operator==(const BinlogPosition& other) const { return (*this <=> other) == 0; }
};
std::string format_binlog_position(const BinlogPosition& position);  // "binlog.000012:4567 gtid 0-1-42"
bool parse_binlog_position(std::string_view text, BinlogPosition& out);

using SourcePosition = std::variant<PgLsn, BinlogPosition>;
std::string format_position(const SourcePosition& position);
bool parse_position(std::string_view text, SourcePosition& out);  // inverse of format_position
// a < b for positions of the same kind; positions of different kinds never compare as before.
bool position_before(const SourcePosition& a, const SourcePosition& b);

struct Null {
    bool operator==(const Null&) const = default;
};
// The source did not send the value (PostgreSQL unchanged TOAST): the target keeps what it has.
struct Unchanged {
    bool operator==(const Unchanged&) const = default;
};
using Bytes = std::vector<std::byte>;
using Value = std::variant<Null, Unchanged, bool, std::int64_t, std::uint64_t, double, std::string, Bytes>;

struct TableId {
    std::string schema;
    std::string name;
    auto operator<=>(const TableId&) const = default;
};
// For logs and messages: schema.name with each part quoted the PostgreSQL way when needed.
std::string display_name(const TableId& table);

struct Column {
    std::string name;
    std::string type_name;         // as the source spells it, e.g. "numeric(12,2)", "public.mood[]",
                                   // MySQL's COLUMN_TYPE: "bigint(20) unsigned", "enum('a','b')"
    std::uint32_t type_oid = 0;    // PostgreSQL type OID at the source (0 if unknown or MySQL)
    bool is_key = false;           // part of the replica identity used to find the row
    bool is_nullable = true;
    bool operator==(const Column&) const = default;
};

enum class Identity : std::uint8_t { Key = 1, FullRow = 2 };

// Which server's type system a table's columns (type_name, value text forms) come from.
// Persisted: never renumber.
enum class Engine : std::uint8_t { Postgres = 1, MySql = 2 };

struct TableSchema {
    TableId id;
    std::vector<Column> columns;
    Identity identity = Identity::Key;
    std::vector<std::string> primary_key;  // column names of the source's primary key (may be empty)
    Engine engine = Engine::Postgres;
    bool same_shape(const TableSchema& other) const {
        return id == other.id && columns == other.columns && identity == other.identity && engine == other.engine;
    }
};
using SchemaPtr = std::shared_ptr<const TableSchema>;

// A user-defined type that captured columns use and that the target must have before its tables.
struct UserType {
    enum class Kind : std::uint8_t { Enum = 1, Domain = 2 };
    std::string schema;
    std::string name;
    Kind kind = Kind::Enum;
    std::vector<std::string> labels;       // Enum, in sort order
    std::string base_type;                 // Domain: the base type as the source spells it
    bool is_not_null = false;              // Domain
    std::vector<std::string> constraints;  // Domain: CHECK (...) clauses as the source prints them
};

// What a target needs to hold the captured tables.
struct SourceCatalog {
    std::vector<TableSchema> tables;
    std::vector<UserType> types;  // in creation order (a domain after the types it uses)
    // source.tables entries (schema, table or "*") that matched no table: MySQL/MariaDB pipelines
    // may still follow such tables from their schema history; PostgreSQL catalogs refuse them.
    std::vector<TableId> unmatched;
};

// Persisted and sent to Kafka: values are part of the wire format, never renumber.
enum class Op : std::uint8_t { Insert = 1, Update = 2, Delete = 3, Truncate = 4 };

struct RowChange {
    Op op = Op::Insert;
    SchemaPtr table;
    std::vector<Value> before;  // identity columns (Key) or the whole old row (FullRow); may be empty
    std::vector<Value> after;   // empty for Delete and Truncate
    bool truncate_cascade = false;
    bool truncate_restart_identity = false;
    // The target may already hold this change, or a later state of the row (its table was copied
    // across several snapshots and this change falls between them): an Insert replaces the row
    // with its key, a Delete finds no row without error. Set by the agent; Update never has it.
    bool converging = false;
};

struct TxnBegin {
    std::uint32_t xid = 0;
    SourcePosition commit_position;  // PG: LSN of the commit record; known at Begin, orders transactions
    std::chrono::system_clock::time_point commit_time;
    // MySQL/MariaDB: the transaction's own GTID ("" without GTIDs) and the server that wrote it.
    std::string gtid;
    std::uint32_t server_id = 0;
};
struct ChangeBatch {
    std::vector<RowChange> changes;
};
struct TxnCommit {
    SourcePosition commit_position;  // same as TxnBegin's
    SourcePosition end_position;     // PG: end of the commit record; the resume point once applied
    std::chrono::system_clock::time_point commit_time;
    // The transaction made a table match the captured set (CREATE/RENAME TABLE): once it is
    // applied, the source's catalog must be read again so that the table is copied and captured.
    bool tables_changed = false;
};
struct Heartbeat {
    SourcePosition position;
};

// One thing a DDL statement did to a table's columns (what a comparison of the schemas before and
// after cannot tell apart: a rename from a drop and an add, a retype from nothing).
struct ColumnChange {
    enum class Kind : std::uint8_t { Add = 1, Drop = 2, Rename = 3, Retype = 4 };
    Kind kind = Kind::Add;
    std::string name;      // the column (Rename: its old name)
    std::string new_name;  // Rename
    // Add: the value the rows already there get (the source fills them without row events), in the
    // source's value text form; Null for none.
    Value fill = Null{};
    bool operator==(const ColumnChange&) const = default;
};

// A captured table's columns changed at the source (MySQL/MariaDB DDL in the binlog), inside the
// source transaction that changed them; the changes after it in the stream use `after`. Without
// `after`, the table was dropped (DROP TABLE) and is captured no more.
struct SchemaChange {
    SchemaPtr before;
    SchemaPtr after;  // null: dropped
    const TableId& table() const { return (after ? after : before)->id; }
    std::vector<ColumnChange> changes;  // in statement order
    std::string statement;              // an excerpt, for messages
};

using Event = std::variant<TxnBegin, ChangeBatch, TxnCommit, Heartbeat, SchemaChange>;

}  // namespace ferry
