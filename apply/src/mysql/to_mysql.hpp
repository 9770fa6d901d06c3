// Tables at a MySQL/MariaDB target: the type each column gets, and the conversion of values from
// the source's text forms to what the target stores exactly. Pure: unit-tested without a server.
//
// From MySQL/MariaDB: the source's own column types; binary values (\x hex) become bytes, BIT
// values (0/1 text) numbers. From PostgreSQL: the README's mapping; a value MariaDB cannot hold
// exactly (NaN or more digits than the DECIMAL has, infinite floats, dates outside years 1..9999 or
// BC, infinite timestamps) is an error naming table and column, never a rounding or a guess.
// Types without a MariaDB counterpart are stored as PostgreSQL's text form (LONGTEXT, or
// VARCHAR(768) in a key, since InnoDB indexes at most 3072 bytes).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::apply::mysql {

enum class ValueRule : std::uint8_t {
    AsIs,
    HexToBytes,     // "\x00ff" -> the bytes, bound as a BLOB
    BitsToNumber,   // "0101" -> "5", bound through CAST(? AS UNSIGNED)
    PgBoolean,      // t/f -> 1/0
    PgNumeric,      // checked against DECIMAL(precision, scale)
    PgFloat,        // NaN and infinities refused
    PgDate,         // years 1..9999 AD only
    PgTimestamp,    // the same, with a time of day
    PgTimestampUtc, // the same, "+00" (the source session is in UTC) removed
    PgArray,        // PostgreSQL array literal -> JSON array
};

// How an array's elements appear in JSON.
enum class ArrayElement : std::uint8_t { String, Number, Boolean, Json };

struct ColumnRule {
    ValueRule rule = ValueRule::AsIs;
    unsigned precision = 0;  // PgNumeric
    unsigned scale = 0;      // PgNumeric
    ArrayElement element = ArrayElement::String;  // PgArray
    bool is_float = false;   // a FLOAT column: compared through CAST(? AS FLOAT)
};

struct TargetFlavor {
    bool uuid_type = true;  // MariaDB >= 10.7 has UUID; elsewhere CHAR(36)
};

struct MysqlTranslation {
    TableSchema table;  // the same table with MySQL type names (engine MySql)
    std::vector<ColumnRule> rules;  // per column
    bool converts = false;          // some column's values change on the way
};

// `types`: the source catalog's user types (PostgreSQL enums and domains); may be empty.
Result<MysqlTranslation> translate_table(const TableSchema& source, const std::vector<UserType>& types,
                                         TargetFlavor flavor);

// Converts one text value in place for the target; Errc::Unsupported saying why it cannot be held.
Status convert_value(const ColumnRule& rule, std::string& value);

// PostgreSQL array text ("{1,NULL,{2}}", "[0:1]={a,b}") -> JSON ("[1,null,[2]]").
Result<std::string> pg_array_to_json(std::string_view array, ArrayElement element);

// "\x00ff" -> the raw bytes.
Result<std::string> unhex(std::string_view text);

}  // namespace ferry::apply::mysql
