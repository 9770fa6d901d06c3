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

// TRUNCATE for consecutive Truncate changes, as one statement (foreign keys between them hold).
std::string build_truncate(const std::vector<const RowChange*>& changes);

}  // namespace ferry::apply::pg
