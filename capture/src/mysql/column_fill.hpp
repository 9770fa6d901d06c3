// The value that the rows a table already has get when ALTER TABLE ... ADD COLUMN adds a column:
// the server writes it into every row without a single row event, so the target must fill its rows
// the same way. Pure: from the column's definition alone.
#pragma once

#include <optional>
#include <string>

#include "alter_table.hpp"
#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::capture::mysql {

// The column's DEFAULT, or MySQL's implicit default for a NOT NULL column without one (0, '', the
// first ENUM label, zero dates), in Ferry's text forms (mysql_values.hpp); nullopt when the rows get
// NULL. Errc::Unsupported saying why when the statement alone cannot tell: AUTO_INCREMENT and
// generated columns, DEFAULT expressions, TIMESTAMP (its literal is read in the session's time
// zone), and literals the server would round or reinterpret (more decimals than the column has,
// two-digit years, other date spellings).
Result<std::optional<std::string>> added_column_fill(const ColumnDefinition& column);

}  // namespace ferry::capture::mysql
