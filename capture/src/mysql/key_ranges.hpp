// Reading a table in primary-key ranges (keyset pagination): each range is one
// `SELECT ... WHERE key > <last key> ORDER BY key LIMIT n`, so a copy interrupted by a crash can
// resume after the last key the target committed, in a new snapshot. Pure: builds SQL text and
// encodes keys; no server.
//
// Bounds are written as literals the server cannot misread, since they come back from the target's
// checkpoint table: integers and decimals are checked to be digits, temporal values to be digits
// and separators, strings and bytes go as hex (`_utf8mb4 X'..'` takes the column's collation, so
// the comparison is the one ORDER BY uses). Keys with other types (FLOAT, ENUM, SET, BIT, JSON)
// are not ranged: such tables are read in one pass and a crash copies them again.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::capture::mysql {

struct KeyRanges {
    enum class Literal : std::uint8_t { Number, Temporal, Text, Bytes };
    std::vector<std::size_t> columns;  // indexes into the table's columns, in primary-key order
    std::vector<Literal> literals;     // how each key column's bound is written
};

// nullopt when the table has no primary key or a key column of a type that is not ranged.
std::optional<KeyRanges> plan_key_ranges(const TableSchema& table);

// `WHERE` condition selecting rows after `key` (the key columns' server text, in key order) in
// primary-key order, e.g. "(`a` > 1) OR (`a` = 1 AND `b` > X'00')".
Result<std::string> after_key_condition(const TableSchema& table, const KeyRanges& plan,
                                        const std::vector<std::string>& key);
// " ORDER BY `a`, `b`"
std::string key_order(const TableSchema& table, const KeyRanges& plan);

// The resume key stored at the target: each key column's server text in hex, joined by ','.
std::string encode_resume_key(const std::vector<std::string>& key);
Result<std::vector<std::string>> decode_resume_key(std::string_view encoded, std::size_t columns);

}  // namespace ferry::capture::mysql
