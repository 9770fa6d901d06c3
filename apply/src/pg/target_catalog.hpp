// Catalog lookups at the target shared by table preparation and the change sink.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/pq/connection.hpp"

namespace ferry::apply::pg {

// Creates the enum and domain types the target lacks.
Status create_missing_types(pq::Connection& conn, const std::vector<UserType>& types);

// Adds the labels the target's enum types lack, next to their neighbours, each committed on a
// connection of its own: PostgreSQL cannot use a label added in the transaction that uses it, and
// an unused label is harmless if that transaction is replayed.
Status add_enum_labels(const std::string& conninfo, const std::vector<UserType>& types);

// The target table's column names.
Result<std::set<std::string>> column_names(pq::Connection& conn, const TableId& table);

// Source columns the target table lacks, in source order.
Result<std::vector<std::string>> missing_columns(pq::Connection& conn, const TableSchema& table);

}  // namespace ferry::apply::pg
