// Just enough of MySQL's DDL to know which tables a statement in the binlog touches (what an ALTER
// TABLE does to them is alter_table.hpp's): pure text analysis, no server.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/event.hpp"

namespace ferry::capture::mysql {

struct DdlStatement {
    enum class Kind { NotDdl, Truncate, AlterTable, RenameTable, DropTable, CreateTable, DropDatabase, OtherDdl };
    Kind kind = Kind::NotDdl;
    std::string database;         // DropDatabase
    std::vector<TableId> tables;  // tables named (RENAME: old and new names)
    bool temporary = false;       // CREATE/DROP TEMPORARY TABLE: a session's own table, never captured
};

// `default_schema` is the query event's current database, for unqualified names.
DdlStatement classify_statement(std::string_view statement, std::string_view default_schema);

// The first `max` characters of a statement on one line, for error messages.
std::string statement_excerpt(std::string_view statement, std::size_t max = 200);

}  // namespace ferry::capture::mysql
