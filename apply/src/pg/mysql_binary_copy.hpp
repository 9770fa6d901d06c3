// Rows from MySQL/MariaDB in PostgreSQL's binary COPY format, for snapshot loads into tables whose
// columns have exactly the types of the README's mapping (mysql_to_pg.hpp). PostgreSQL parses binary
// fields for a fraction of the cost of text (no datetime or numeric parsing), and its backend is the
// busiest process of a MySQL -> PostgreSQL copy, so this is where the copy's speed is won.
//
// The values are Ferry's MySQL text forms (capture/src/mysql/mysql_values.hpp); each is checked by
// the same rule as on the text path (check_value) so that a value PostgreSQL cannot hold is the
// same error either way, and encodes the value the text path would have produced (tested against
// the stream, which takes the text path).
// https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.4
#pragma once

#include <string>
#include <string_view>

#include "ferry/core/status.hpp"
#include "mysql_to_pg.hpp"

namespace ferry::apply::pg {

// The signature, flags and header extension that start every binary COPY, and the end marker.
void append_binary_copy_header(std::string& out);
void append_binary_copy_trailer(std::string& out);

// Rows of COPY text holding MySQL value forms, one field per column of `t`, appended to `out` as
// binary COPY tuples. Errors name the column.
Status append_binary_rows(const PgTranslation& t, std::string_view copy_text, std::string& out);

// One non-NULL value: its length word and its binary form.
Status append_binary_value(BinaryForm form, ValueRule rule, std::string_view mysql_text, std::string& out);

}  // namespace ferry::apply::pg
