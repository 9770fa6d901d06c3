// Decodes the row images of a rows event into Ferry's text values (mysql_values.hpp), using the
// table map that precedes it. Pure: bytes in, values or an error out.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "binlog_event.hpp"
#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::capture::mysql {

// How the bytes of a character column are turned into UTF-8.
enum class TextEncoding : std::uint8_t { Utf8 = 1, Latin1 = 2, Binary = 3 };

// Collation id -> character set name, as the server lists them (information_schema.COLLATIONS).
using CollationCharsets = std::unordered_map<std::uint32_t, std::string>;

// Errc::Unsupported naming the character set when Ferry cannot convert it.
Result<TextEncoding> encoding_of(std::uint32_t collation, const CollationCharsets& charsets);

struct RowImage {
    std::vector<Value> before;  // Update and Delete
    std::vector<Value> after;   // Write and Update
};

// Every image must hold every column (binlog_row_image=FULL); anything else is an error, never a
// row with missing values.
Result<std::vector<RowImage>> decode_row_images(const RowsEvent& rows, const TableMap& map,
                                                const CollationCharsets& charsets);

}  // namespace ferry::capture::mysql
