#include "copy_overlap.hpp"

#include <algorithm>

namespace ferry::agent {

namespace {

bool key_changed(const RowChange& update) {
    if (update.before.empty()) {
        return false;  // the source sends the old key only when it changed
    }
    const auto& columns = update.table->columns;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].is_key && i < update.before.size() && i < update.after.size()
            && !(update.before[i] == update.after[i])) {
            return true;
        }
    }
    return false;
}

}  // namespace

void fit_to_copies(std::vector<RowChange>& changes, const SourcePosition& commit, const CopyPositions& copies) {
    if (copies.empty()) {
        return;
    }
    const auto copied_at = [&](const RowChange& c) -> const CopiedAt* {
        const auto it = copies.find(c.table->id);
        return it == copies.end() ? nullptr : &it->second;
    };
    std::erase_if(changes, [&](const RowChange& c) {
        const CopiedAt* at = copied_at(c);
        return at != nullptr && position_before(commit, at->converge_from);
    });
    const bool any_converging = std::any_of(changes.begin(), changes.end(), [&](const RowChange& c) {
        const CopiedAt* at = copied_at(c);
        return at != nullptr && position_before(commit, at->exact_from);
    });
    if (!any_converging) {
        return;
    }
    std::vector<RowChange> out;
    out.reserve(changes.size());
    for (auto& c : changes) {
        const CopiedAt* at = copied_at(c);
        if (at == nullptr || !position_before(commit, at->exact_from) || c.op == Op::Truncate) {
            out.push_back(std::move(c));
            continue;
        }
        if (c.op == Op::Update) {
            if (key_changed(c)) {
                out.push_back(RowChange{Op::Delete, c.table, c.before, {}});
                out.back().converging = true;
            }
            c.op = Op::Insert;
            c.before.clear();
        }
        c.converging = true;
        out.push_back(std::move(c));
    }
    changes = std::move(out);
}

}  // namespace ferry::agent
