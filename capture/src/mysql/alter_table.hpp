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

struct ColumnDefinition {
    std::string name;
    std::string type_name;  // COLUMN_TYPE spelling: "int(11) unsigned", "enum('a','b')", "decimal(10,0)"
    bool nullable = true;
    bool primary_key = false;  // PRIMARY KEY written on the column
    // The column gets values by itself: a DEFAULT other than NULL, AUTO_INCREMENT, or generated (AS).
    // Added to a table, it fills the existing rows without any row event.
    bool self_filled = false;
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
