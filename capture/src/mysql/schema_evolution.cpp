#include "schema_evolution.hpp"

#include <algorithm>

#include "column_fill.hpp"

namespace ferry::capture::mysql {

namespace {

using Kind = AlterOp::Kind;
using Place = AlterOp::Place;

Status unsupported(const std::string& what) {
    return Status::error(Errc::Unsupported, what);
}

std::vector<Column>::iterator find(TableSchema& t, const std::string& name) {
    return std::find_if(t.columns.begin(), t.columns.end(), [&](const Column& c) { return c.name == name; });
}

// Keeps is_key and identity in step with primary_key.
void set_primary_key(TableSchema& t, std::vector<std::string> key) {
    t.primary_key = std::move(key);
    t.identity = t.primary_key.empty() ? Identity::FullRow : Identity::Key;
    for (auto& c : t.columns) {
        c.is_key = t.identity == Identity::FullRow
                   || std::find(t.primary_key.begin(), t.primary_key.end(), c.name) != t.primary_key.end();
    }
}

Status place(TableSchema& t, Column column, Place where, const std::string& after, std::size_t keep_at) {
    std::size_t at = keep_at;
    if (where == Place::Last) {
        at = t.columns.size();
    } else if (where == Place::First) {
        at = 0;
    } else if (where == Place::After) {
        const auto it = find(t, after);
        if (it == t.columns.end()) {
            return unsupported("AFTER names column " + after + ", which " + display_name(t.id) + " does not have");
        }
        at = static_cast<std::size_t>(it - t.columns.begin()) + 1;
    }
    t.columns.insert(t.columns.begin() + static_cast<std::ptrdiff_t>(std::min(at, t.columns.size())), std::move(column));
    return {};
}

Column column_from(const ColumnDefinition& def) {
    Column c;
    c.name = def.name;
    c.type_name = def.type_name;
    c.is_nullable = def.nullable && !def.primary_key;
    return c;
}

Status apply_one(TableSchema& t, const AlterOp& op, std::vector<ColumnChange>& changes) {
    const std::string table = display_name(t.id);
    switch (op.kind) {
        case Kind::AddColumn: {
            if (find(t, op.definition.name) != t.columns.end()) {
                return unsupported("ADD COLUMN " + op.definition.name + ": " + table + " already has it");
            }
            // The source fills the rows already there without row events; the target must too.
            auto fill = added_column_fill(op.definition);
            if (!fill.ok()) {
                return unsupported("ADD COLUMN " + op.definition.name + ": " + fill.status().message());
            }
            if (Status st = place(t, column_from(op.definition), op.place, op.after, t.columns.size()); !st.ok()) {
                return st;
            }
            ColumnChange added{ColumnChange::Kind::Add, op.definition.name, "", Null{}};
            if (fill.value()) {
                added.fill = std::move(*fill.value());
            }
            changes.push_back(std::move(added));
            if (op.definition.primary_key) {
                set_primary_key(t, {op.definition.name});
            }
            break;
        }
        case Kind::DropColumn: {
            const auto it = find(t, op.column);
            if (it == t.columns.end()) {
                return unsupported("DROP COLUMN " + op.column + ": " + table + " has no such column");
            }
            t.columns.erase(it);
            auto key = t.primary_key;
            std::erase(key, op.column);
            set_primary_key(t, key);
            changes.push_back({ColumnChange::Kind::Drop, op.column, ""});
            break;
        }
        case Kind::ModifyColumn: {
            const auto it = find(t, op.column);
            if (it == t.columns.end()) {
                return unsupported("MODIFY/CHANGE COLUMN " + op.column + ": " + table + " has no such column");
            }
            if (op.definition.name != op.column && find(t, op.definition.name) != t.columns.end()) {
                return unsupported("CHANGE COLUMN " + op.column + " " + op.definition.name + ": " + table
                                   + " already has a column " + op.definition.name);
            }
            const std::size_t at = static_cast<std::size_t>(it - t.columns.begin());
            const Column old = *it;
            t.columns.erase(it);
            Column c = column_from(op.definition);
            c.is_nullable = c.is_nullable && !old.is_key;
            if (Status st = place(t, c, op.place, op.after, at); !st.ok()) {
                return st;
            }
            auto key = t.primary_key;
            std::replace(key.begin(), key.end(), op.column, op.definition.name);
            set_primary_key(t, key);
            if (op.definition.name != op.column) {
                changes.push_back({ColumnChange::Kind::Rename, op.column, op.definition.name});
            }
            if (c.type_name != old.type_name || c.is_nullable != old.is_nullable) {
                changes.push_back({ColumnChange::Kind::Retype, op.definition.name, ""});
            }
            break;
        }
        case Kind::RenameColumn: {
            const auto it = find(t, op.column);
            if (it == t.columns.end() || find(t, op.new_name) != t.columns.end()) {
                return unsupported("RENAME COLUMN " + op.column + " TO " + op.new_name + " does not fit " + table);
            }
            it->name = op.new_name;
            auto key = t.primary_key;
            std::replace(key.begin(), key.end(), op.column, op.new_name);
            set_primary_key(t, key);
            changes.push_back({ColumnChange::Kind::Rename, op.column, op.new_name});
            break;
        }
        case Kind::AddPrimaryKey:
            for (const auto& k : op.key) {
                if (find(t, k) == t.columns.end()) {
                    return unsupported("ADD PRIMARY KEY names column " + k + ", which " + table + " does not have");
                }
            }
            set_primary_key(t, op.key);
            break;
        case Kind::DropPrimaryKey:
            set_primary_key(t, {});
            break;
        case Kind::RenameTable:
            return unsupported("renaming captured table " + table + " is not followed yet");
        case Kind::Unsupported:
            return unsupported("\"" + op.clause + "\" on " + table + " is not followed");
    }
    return {};
}

}  // namespace

Result<Evolution> apply_alter(const TableSchema& table, const std::vector<AlterOp>& ops) {
    Evolution out{table, {}};
    for (const auto& op : ops) {
        if (Status st = apply_one(out.table, op, out.changes); !st.ok()) {
            return st;
        }
    }
    set_primary_key(out.table, out.table.primary_key);  // added columns of a keyless table identify rows too
    return out;
}

}  // namespace ferry::capture::mysql
