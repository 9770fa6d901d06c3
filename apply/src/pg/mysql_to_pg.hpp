// MySQL/MariaDB tables at a PostgreSQL target: the type each column gets, and the conversion of
// values from Ferry's MySQL text forms (capture/src/mysql/mysql_values.hpp) to PostgreSQL's. The
// mapping is the README's table; a value PostgreSQL cannot hold exactly (a zero date, a TIME
// beyond 24 h, a TINYINT(1) that is neither 0 nor 1, the empty ENUM value) is an error, never a
// guess. Conversions also normalise to the text PostgreSQL prints, so that a row found by its full
// text form (tables without a key) matches.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::apply::pg {

enum class ValueRule : std::uint8_t { AsIs, Boolean, Year, Date, Time, Timestamp, TimestampUtc, Enum };

// The PostgreSQL type a column is mapped to, as far as its binary COPY form goes
// (mysql_binary_copy.hpp); each has one type OID, but Enum (any enum type).
enum class BinaryForm : std::uint8_t {
    Bool, Int2, Int4, Int8, Numeric, Float4, Float8, Bit, Date, Time, Timestamp, TimestampTz,
    Varchar, Text, Enum, Bytea, Jsonb,
};
std::uint32_t type_oid(BinaryForm form);  // 0 for Enum

struct PgTranslation {
    TableSchema table;            // the same table with PostgreSQL type names
    std::vector<UserType> types;  // enum types its columns use
    std::vector<ValueRule> rules;  // per column
    std::vector<BinaryForm> forms;  // per column
    bool converts = false;         // some column's values change on the way
};

PgTranslation translate_mysql_table(const TableSchema& mysql_table);

// Errc::Unsupported saying why PostgreSQL cannot hold the value, or OK.
Status check_value(ValueRule rule, std::string_view value);

// Converts one value in place to PostgreSQL's text form; errors as check_value.
Status convert_value(ValueRule rule, std::string& value);

// Converts a whole row image; errors name the table and column.
Status convert_row(const PgTranslation& t, std::vector<Value>& row);

}  // namespace ferry::apply::pg
