// Which columns a comparison orders and narrows a table by.
#pragma once

#include <cstddef>
#include <vector>

#include "ferry/core/event.hpp"

namespace ferry::verify {

inline constexpr std::size_t kKeysPerQuery = 1000;  // keys looked up in one statement

// Indexes of the key columns: the primary key's, in its order (its index serves the chunks' ORDER
// BY), else the replica identity's in column order; empty for a table without a key.
inline std::vector<std::size_t> key_column_indexes(const TableSchema& table) {
    std::vector<std::size_t> keys;
    for (const auto& name : table.primary_key) {
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            if (table.columns[i].name == name && table.columns[i].is_key) {
                keys.push_back(i);
            }
        }
    }
    if (keys.size() != table.primary_key.size() || keys.empty()) {
        keys.clear();
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            if (table.columns[i].is_key) {
                keys.push_back(i);
            }
        }
    }
    return keys;
}

}  // namespace ferry::verify
