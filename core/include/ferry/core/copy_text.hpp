// Rows in PostgreSQL's COPY text format: columns separated by tab, rows ended by newline, NULL as
// \N, and backslash escapes for tab, newline, carriage return and backslash. Snapshots move rows
// in this form so that a PostgreSQL -> PostgreSQL copy passes the server's bytes through untouched.
// https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.2
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry {

// Text is the interchange form every sink understands. Binary is PostgreSQL's binary COPY format,
// used only between two PostgreSQL servers for tables whose columns have the same built-in types
// (about 30% cheaper to produce and parse).
enum class CopyFormat : std::uint8_t { Text = 1, Binary = 2 };

struct SnapshotChunk {
    std::string copy_data;  // COPY data in the table's chosen format; whole rows for Text
    std::uint64_t rows = 0;
    // Set on a chunk that ends a key range: every row of the table up to this key (in the reader's
    // order) has been delivered, so a load committed here can resume after it in a later snapshot.
    std::string resume_key;
    // Set on the first chunk a reader produced after it moved to a newer snapshot (MySQL/MariaDB
    // readers do between tables and key ranges, so that no metadata lock is held for long): the
    // rows from here on are as of this position.
    std::optional<SourcePosition> snapshot_position;
};

void append_copy_field(std::string& out, std::string_view value);
void append_copy_null(std::string& out);

// One field as it appears between tabs, unescaped; nullopt for \N.
Result<std::optional<std::string>> parse_copy_field(std::string_view raw);
// Splits one row (without its newline) into fields; nullopt for \N.
Result<std::vector<std::optional<std::string>>> parse_copy_row(std::string_view row);

}  // namespace ferry
