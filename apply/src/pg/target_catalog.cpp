#include "target_catalog.hpp"

#include <set>

#include "ferry/core/names.hpp"

namespace ferry::apply::pg {

// Every source column must exist at the target; returns the missing ones.
Result<std::vector<std::string>> missing_columns(pq::Connection& conn, const TableSchema& table) {
    auto res = conn.exec_params(
        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
        {table.id.schema, table.id.name}, "reading target columns of " + display_name(table.id));
    if (!res.ok()) {
        return res.status();
    }
    std::set<std::string> present;
    for (int i = 0; i < PQntuples(res.value().get()); ++i) {
        present.insert(pq::field(res.value().get(), i, 0));
    }
    std::vector<std::string> missing;
    for (const auto& c : table.columns) {
        if (!present.contains(c.name)) {
            missing.push_back(c.name);
        }
    }
    return missing;
}

}  // namespace ferry::apply::pg
