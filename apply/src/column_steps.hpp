// Which of a DDL statement's column changes a target table still needs, shared by the SQL sinks:
// each step is decided against the target's columns as they are, so a replay repeats nothing.
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"

namespace ferry::apply {

struct ColumnStep {
    ColumnChange::Kind kind = ColumnChange::Kind::Add;
    std::string name;              // the column (Rename: its old name)
    std::string new_name;          // Rename
    const Column* column = nullptr;  // Add, Retype: the column as the target should have it
    const Value* fill = nullptr;     // Add: what the rows already there get (ColumnChange::fill)
};

// `table`: the changed table with the target's types; `present`: the target table's columns now.
// The steps point into `change` and `table`.
inline std::vector<ColumnStep> column_steps(const SchemaChange& change, const TableSchema& table,
                                            std::set<std::string> present) {
    std::vector<ColumnStep> steps;
    for (const auto& c : change.changes) {
        const std::string& final_name = c.kind == ColumnChange::Kind::Rename ? c.new_name : c.name;
        const auto it = std::find_if(table.columns.begin(), table.columns.end(),
                                     [&](const Column& col) { return col.name == final_name; });
        const Column* column = it == table.columns.end() ? nullptr : &*it;
        const bool has = present.contains(c.name);
        switch (c.kind) {
            case ColumnChange::Kind::Add:
                if (has || column == nullptr) {
                    continue;
                }
                present.insert(c.name);
                break;
            case ColumnChange::Kind::Drop:
                if (!has) {
                    continue;
                }
                present.erase(c.name);
                break;
            case ColumnChange::Kind::Rename:
                if (!has || present.contains(c.new_name)) {
                    continue;
                }
                present.erase(c.name);
                present.insert(c.new_name);
                break;
            case ColumnChange::Kind::Retype:
                if (!has || column == nullptr) {
                    continue;
                }
                break;
        }
        steps.push_back({c.kind, c.name, c.new_name, column, &c.fill});
    }
    return steps;
}

}  // namespace ferry::apply
