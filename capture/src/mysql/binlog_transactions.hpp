// Turns the binlog's event stream into Ferry's transaction events: TxnBegin, ChangeBatch...,
// TxnCommit for every transaction that touched a captured table, with the position after each
// whole transaction (never inside one) and the GTID state there. Pure: whole events in, Events out.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "binlog_event.hpp"
#include "ddl_statement.hpp"
#include "ferry/core/event.hpp"
#include "ferry/core/names.hpp"
#include "ferry/core/status.hpp"
#include "gtid_state.hpp"
#include "row_decoder.hpp"

namespace ferry::capture::mysql {

class TransactionAssembler {
public:
    TransactionAssembler(const std::vector<TableSchema>& tables, CollationCharsets charsets, BinlogPosition start,
                         std::size_t max_batch_changes);

    // `patterns`: source.tables. A statement after `catalog_read_after` that makes a table match
    // them (CREATE TABLE, RENAME TABLE) marks its transaction's TxnCommit tables_changed: the
    // catalog must be read again for the table to be copied. Tables in `schema_valid_from` are left
    // out before that position.
    void set_scope(std::vector<TablePattern> patterns, std::optional<BinlogPosition> catalog_read_after,
                   std::map<TableId, BinlogPosition> schema_valid_from);

    // Row events written under `server_id` are passed over (0: none).
    void skip_server_id(std::uint32_t server_id) { skip_server_id_ = server_id; }

    // Consumes one whole event (header, body, checksum); appends the events it completes to `out`.
    Status feed(std::string_view event, std::deque<Event>& out);

    bool in_transaction() const { return in_group_; }
    // The end of the last whole transaction seen (where a restart would resume).
    const BinlogPosition& position() const { return position_; }

private:
    struct MappedTable {
        TableMap map;
        SchemaPtr schema;  // null: not captured
    };

    Status on_query(const DecodedEvent& ev, std::deque<Event>& out);
    Status on_ddl(const QueryEvent& q, const DecodedEvent& ev, std::deque<Event>& out);
    Status on_alter(const QueryEvent& q, const SchemaPtr& table, const DecodedEvent& ev, std::deque<Event>& out);
    Status on_table_map(const DecodedEvent& ev);
    Status on_rows(const DecodedEvent& ev, std::deque<Event>& out);
    void begin_group(const DecodedEvent& ev);
    void end_group(const DecodedEvent& ev, std::deque<Event>& out);
    void ensure_begun(const DecodedEvent& ev, std::deque<Event>& out);
    void flush_batch(std::deque<Event>& out);
    Result<SchemaPtr> schema_for(TableMap& map, const DecodedEvent& ev);
    std::string where(const DecodedEvent& ev) const;

    // The table's schema, if it is captured and its schema applies to the open group.
    SchemaPtr captured(const TableId& id) const;
    // A table that starts to match source.tables after the catalog was read.
    bool appears(const TableId& id) const;
    void drop(const SchemaPtr& table, const QueryEvent& q, const DecodedEvent& ev, std::deque<Event>& out);
    Status on_rename(const DdlStatement& ddl, const QueryEvent& q, const DecodedEvent& ev, std::deque<Event>& out);
    static std::optional<DdlStatement> renamed_by_alter(const DdlStatement& ddl, const QueryEvent& q);

    std::map<TableId, SchemaPtr> schemas_;
    std::vector<TablePattern> patterns_;
    std::optional<BinlogPosition> catalog_read_after_;
    std::map<TableId, BinlogPosition> schema_valid_from_;
    CollationCharsets charsets_;
    std::size_t max_batch_changes_;
    Checksum checksum_ = Checksum::None;
    bool seen_format_ = false;
    bool mariadb_ = true;
    std::string file_;
    BinlogPosition position_;
    std::uint32_t skip_server_id_ = 0;
    GtidState gtid_;
    std::unordered_map<std::uint64_t, MappedTable> tables_;

    bool in_group_ = false;
    bool standalone_ = false;
    bool begun_ = false;  // TxnBegin emitted for the open group
    bool tables_changed_ = false;  // for the open group's TxnCommit
    BinlogPosition group_start_;
    std::uint32_t group_domain_ = 0;
    std::uint32_t group_server_ = 0;
    std::uint64_t group_sequence_ = 0;
    std::string group_mysql_uuid_;
    std::int64_t group_mysql_number_ = 0;
    ChangeBatch batch_;
};

}  // namespace ferry::capture::mysql
