// Identifier quoting and table-name parsing. SQL is never built by pasting an unquoted name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry {

// "name" with embedded quotes doubled: always quoted, so case, spaces and reserved words survive.
std::string quote_ident(std::string_view name);
// "schema"."name"
std::string quote_table(const TableId& table);
// 'text' with embedded quotes doubled, for the few places a literal cannot be bound (DDL).
std::string quote_literal(std::string_view text);

// A `tables:` entry of the config: schema.table, each part literal, optionally in double quotes
// ("" for a quote inside); "*" as the whole table part means every table of the schema.
struct TablePattern {
    std::string schema;
    std::string table;  // "*" for every table
    bool is_wildcard() const { return table == "*"; }
    bool matches(const TableId& id) const { return schema == id.schema && (is_wildcard() || table == id.name); }
};
Result<TablePattern> parse_table_pattern(std::string_view text);

}  // namespace ferry
