// What an ALTER TABLE does to a table's columns and primary key, read from its text: the part of
// MySQL/MariaDB's grammar that changes the shape of rows in the binlog. Clauses that do not (indexes,
// defaults, table options, ALGORITHM/LOCK) are recognised and left out; anything else comes back as
// Unsupported with the clause's first words, so the caller can stop with an error naming it. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::capture::mysql {

// A column's DEFAULT clause as written.
struct DefaultClause {
    enum class Kind : std::uint8_t {
        None,        // no DEFAULT, or DEFAULT NULL
        String,      // 'text' (an _charset introducer dropped); `text` unescaped
        Number,      // 42, -1.5, 2e3, TRUE (1), FALSE (0); `text` as written, with its sign
        Bits,        // b'0101'; `text` the digits
        Hex,         // x'0aff', 0x0aff; `text` the hex digits
        Expression,  // (expr), CURRENT_TIMESTAMP, NOW(): a value the statement does not state
    };
    Kind kind = Kind::None;
    std::string text;
};

struct ColumnDefinition {
    std::string name;
    std::string type_name;  // COLUMN_TYPE spelling: "int(11) unsigned", "enum('a','b')", "decimal(10,0)"
    bool nullable = true;
    bool primary_key = false;  // PRIMARY KEY written on the column
    DefaultClause default_value;
    bool computed = false;  // AUTO_INCREMENT or generated (AS ...): values the statement does not state
};

struct AlterOp {
    enum class Kind : std::uint8_t {
        AddColumn, DropColumn, ModifyColumn, RenameColumn, AddPrimaryKey, DropPrimaryKey, RenameTable, Unsupported
    };
    enum class Place : std::uint8_t { Keep, Last, First, After };
    Kind kind = Kind::Unsupported;
    std::string column;            // Drop, Modify (CHANGE: the old name), Rename: the column it acts on
    ColumnDefinition definition;   // Add, Modify (CHANGE: with the new name)
    std::string new_name;          // RenameColumn
    Place place = Place::Keep;     // Add (Last unless FIRST/AFTER), Modify
    std::string after;             // Place::After
    std::vector<std::string> key;  // AddPrimaryKey
    TableId new_table;             // RenameTable
    std::string clause;            // Unsupported: the clause's first words
};

// The column-level effect of an ALTER TABLE statement, in clause order. Errc::Unsupported when the
// statement is not an ALTER TABLE this parser can read at all.
Result<std::vector<AlterOp>> parse_alter_table(std::string_view statement, std::string_view default_schema);

// The COLUMN_TYPE spelling of a data type as written in DDL ("INTEGER UNSIGNED" -> "int unsigned",
// "BOOL" -> "tinyint(1)", "DECIMAL" -> "decimal(10,0)", "ENUM('a','b')"); exposed for tests.
std::string column_type_from_ddl(std::string_view data_type);

}  // namespace ferry::capture::mysql
