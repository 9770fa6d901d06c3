// The statements that apply row changes at a MySQL/MariaDB target, and where each placeholder's
// value comes from. Pure: no I/O, unit-tested.
//
// Inserts are INSERT ... ON DUPLICATE KEY UPDATE on tables with a key (a replay is harmless);
// updates and deletes find the row by its key, or by every column (null-safe <=>, LIMIT 1) on
// tables without one.
#pragma once

#include <string>
#include <vector>

#include "ferry/my/bulk_statement.hpp"
#include "to_mysql.hpp"

namespace ferry::apply::mysql {

struct Placeholder {
    std::size_t column = 0;
    bool from_before = false;  // the old row image (WHERE), else the new one
};

struct RowStatement {
    std::string cache_key;  // same key <=> same SQL (for one translated table)
    std::string sql;
    std::vector<Placeholder> placeholders;
    std::vector<my::BindAs> kinds;
    bool must_match = false;  // UPDATE: every execution must find its row
};

RowStatement build_row_statement(const MysqlTranslation& table, const RowChange& change);
// The cache_key build_row_statement would give `change`, without building the SQL (per row).
std::string statement_key(const RowChange& change);

// INSERT of every column, for loading an emptied table (no ON DUPLICATE KEY: nothing to replace).
RowStatement build_load_statement(const MysqlTranslation& table);

// Converts a whole row (every column, in table order: the load statement's values) in place.
Status convert_row(const MysqlTranslation& table, std::vector<std::optional<std::string>>& row);

// The values of one change for `statement`, converted for the target; errors name the column.
Result<std::vector<std::optional<std::string>>> statement_values(const MysqlTranslation& table,
                                                                 const RowStatement& statement,
                                                                 const RowChange& change);

// CREATE TABLE IF NOT EXISTS for a translated table (utf8mb4 with the binary collation, so keys
// that differ at the source differ at the target).
std::string build_create_table(const TableSchema& table);

}  // namespace ferry::apply::mysql
