// The canonical form of values read from either engine (verify across engines: MariaDB <->
// PostgreSQL): one text per value that is the same on both sides exactly when the values are equal
// under the pipeline's type mapping (README, "Types at a PostgreSQL target" and "Types from
// PostgreSQL at a MariaDB target"). The form follows from the source column's type alone, so both
// sides canonicalise a column alike; each side reads the column with an expression of its own that
// gives the text this expects (bytes in hex, BIT as binary digits, FLOAT at double precision,
// arrays as JSON). Pure: unit-tested without a server.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/event.hpp"

namespace ferry::verify {

enum class Canon : std::uint8_t {
    AsIs,
    Boolean,       // t/true/1 -> 1, f/false/0 -> 0
    Decimal,       // trailing fractional zeros dropped: 1.50 = 1.5000 = 1.5
    Float4,        // the float's shortest text (a double-precision reading of it too)
    Float8,        // the double's shortest text
    Time,          // trailing fractional zeros dropped
    Timestamp,     // the same
    TimestampUtc,  // the same, with a "+00" / "+00:00" (UTC) ending dropped
    Year,          // leading zeros dropped (MariaDB prints 0000)
    Bits,          // leading zeros dropped (a fixed width: BIT(n) <-> bit(n))
    Bytes,         // hex, lower case
    Json,          // parsed and printed again: keys sorted, no spaces, numbers as numbers
    PaddedChar,    // trailing blanks dropped (char(n) pads, MariaDB's CHAR strips)
};

// The form of each of the source table's columns (source.engine says whose types they are).
// PostgreSQL domains must have been replaced by their base type.
std::vector<Canon> canonical_forms(const TableSchema& source);

// `text` as the reading expression gave it, in canonical form.
std::string canonical(Canon form, std::string_view text);

}  // namespace ferry::verify
