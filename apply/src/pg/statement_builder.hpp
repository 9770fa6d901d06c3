// Builds the parameterised statements that apply one row change, and the parameters for them.
// Pure: no I/O, so the SQL for every op and identity kind is unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::apply::pg {

struct BoundStatement {
    std::string cache_key;                          // same key <=> same SQL text
    std::string sql;                                // $1..$n placeholders
    std::vector<std::optional<std::string>> params;  // text form; nullopt is SQL NULL
    bool expects_one_row = false;                   // UPDATE/DELETE must find exactly one row
};

// Text form of a value for a text-format parameter; Unchanged is a caller error.
Result<std::optional<std::string>> value_text(const Value& value);

// INSERT/UPDATE/DELETE for one change (not Truncate).
Result<BoundStatement> build_row_statement(const RowChange& change);

// Runs of at least this many inserts into one table go in with COPY instead of INSERT statements.
inline constexpr std::size_t kMinCopyRun = 64;

// True when `change` can be part of a COPY run into `table` (an insert carrying every column).
bool is_copyable_insert(const RowChange& change, const TableSchema* table);
// COPY ... FROM STDIN (text format) for every column of the table.
std::string build_copy_in(const TableSchema& table);
// Appends the change's row in COPY text format (one line).
Status append_copy_row(std::string& out, const RowChange& change);

// TRUNCATE for consecutive Truncate changes, as one statement (foreign keys between them hold).
std::string build_truncate(const std::vector<const RowChange*>& changes);

}  // namespace ferry::apply::pg
