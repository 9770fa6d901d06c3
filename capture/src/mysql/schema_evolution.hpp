// A captured MySQL/MariaDB table's schema after an ALTER TABLE, from the statement alone (the
// server's catalog may already be further on): the schema history that names the binlog's columns
// when its table maps do not (binlog_row_metadata=MINIMAL), and that every table map is checked
// against. Pure.
#pragma once

#include <vector>

#include "alter_table.hpp"
#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::capture::mysql {

struct Evolution {
    TableSchema table;                   // after the statement
    std::vector<ColumnChange> changes;   // what it did to the columns, in order
};

// Errc::Unsupported naming the clause when an op cannot be followed (a table rename, a clause that
// changes data or character sets) or names a column the table does not have.
Result<Evolution> apply_alter(const TableSchema& table, const std::vector<AlterOp>& ops);

}  // namespace ferry::capture::mysql
