// Catalog lookups at the target shared by table preparation and the change sink.
#pragma once

#include <string>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/pq/connection.hpp"

namespace ferry::apply::pg {

// Source columns the target table lacks, in source order.
Result<std::vector<std::string>> missing_columns(pq::Connection& conn, const TableSchema& table);

}  // namespace ferry::apply::pg
