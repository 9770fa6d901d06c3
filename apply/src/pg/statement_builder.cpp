#include "statement_builder.hpp"

#include <algorithm>
#include <cstdio>

#include "ferry/core/copy_text.hpp"
#include "ferry/core/hex.hpp"
#include "ferry/core/names.hpp"

namespace ferry::apply::pg {

namespace {

bool is_unchanged(const Value& v) { return std::holds_alternative<Unchanged>(v); }

std::string mask(const std::vector<Value>& values) {
    std::string out;
    out.reserve(values.size());
    for (const auto& v : values) {
        out.push_back(is_unchanged(v) ? 'u' : 'v');
    }
    return out;
}

struct Builder {
    BoundStatement stmt;
    Status error;

    std::string param(const Value& v) {
        auto text = value_text(v);
        if (!text.ok()) {
            error = text.status();
            return "NULL";
        }
        stmt.params.push_back(std::move(text).value());
        return "$" + std::to_string(stmt.params.size());
    }
};

// WHERE clause that finds the row: key columns by equality, or every sent column of the old row
// compared by text form (exact for every type, including those without an equality operator).
std::string where_clause(Builder& b, const RowChange& change, const std::vector<Value>& identity_values) {
    const TableSchema& t = *change.table;
    std::string where;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const auto& c = t.columns[i];
        if (!c.is_key || is_unchanged(identity_values[i])) {
            continue;
        }
        where += where.empty() ? "" : " AND ";
        if (t.identity == Identity::FullRow) {
            where += quote_ident(c.name) + "::text IS NOT DISTINCT FROM " + b.param(identity_values[i]) + "::text";
        } else {
            where += quote_ident(c.name) + " = " + b.param(identity_values[i]);
        }
    }
    if (t.identity == Identity::FullRow) {
        // Exactly one row, even when the table holds identical duplicates.
        return " WHERE ctid = (SELECT ctid FROM " + quote_table(t.id) + " WHERE " + where + " LIMIT 1)";
    }
    return " WHERE " + where;
}

// " ON CONFLICT (key) DO UPDATE SET ...": a converging insert replaces the row with its key.
Result<std::string> replace_on_conflict(const RowChange& change) {
    const TableSchema& t = *change.table;
    std::string keys;
    std::string set;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const std::string name = quote_ident(t.columns[i].name);
        if (t.columns[i].is_key) {
            keys += (keys.empty() ? "" : ", ") + name;
        } else if (!is_unchanged(change.after[i])) {
            set += (set.empty() ? "" : ", ") + name + " = EXCLUDED." + name;
        }
    }
    if (t.identity != Identity::Key || keys.empty()) {
        return Status::error(Errc::Internal, "a converging insert into " + display_name(t.id) + ", which has no key");
    }
    return " ON CONFLICT (" + keys + ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
}

}  // namespace

Result<std::optional<std::string>> value_text(const Value& value) {
    struct Visitor {
        Result<std::optional<std::string>> operator()(const Null&) const { return std::optional<std::string>{}; }
        Result<std::optional<std::string>> operator()(const Unchanged&) const {
            return Status::error(Errc::Internal, "an unchanged value has no text form");
        }
        Result<std::optional<std::string>> operator()(bool b) const { return std::optional<std::string>{b ? "t" : "f"}; }
        Result<std::optional<std::string>> operator()(std::int64_t v) const {
            return std::optional<std::string>{std::to_string(v)};
        }
        Result<std::optional<std::string>> operator()(std::uint64_t v) const {
            return std::optional<std::string>{std::to_string(v)};
        }
        Result<std::optional<std::string>> operator()(double v) const {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", v);
            return std::optional<std::string>{buf};
        }
        Result<std::optional<std::string>> operator()(const std::string& s) const { return std::optional<std::string>{s}; }
        Result<std::optional<std::string>> operator()(const Bytes& bytes) const {
            std::string out = "\\x";
            append_hex(out, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
            return std::optional<std::string>{std::move(out)};
        }
    };
    return std::visit(Visitor{}, value);
}

Result<BoundStatement> build_row_statement(const RowChange& change) {
    const TableSchema& t = *change.table;
    Builder b;
    const std::string table = quote_table(t.id);
    const std::string prefix = std::to_string(reinterpret_cast<std::uintptr_t>(change.table.get()));
    switch (change.op) {
        case Op::Insert: {
            std::string cols;
            std::string vals;
            for (std::size_t i = 0; i < t.columns.size(); ++i) {
                if (is_unchanged(change.after[i])) {
                    continue;
                }
                cols += (cols.empty() ? "" : ", ") + quote_ident(t.columns[i].name);
                vals += (vals.empty() ? "" : ", ") + b.param(change.after[i]);
            }
            b.stmt.sql = "INSERT INTO " + table + " (" + cols + ") VALUES (" + vals + ")";
            b.stmt.cache_key = prefix + "I" + mask(change.after);
            if (change.converging) {
                auto conflict = replace_on_conflict(change);
                if (!conflict.ok()) {
                    return conflict.status();
                }
                b.stmt.sql += conflict.value();
                b.stmt.cache_key += "C";
            }
            break;
        }
        case Op::Update: {
            if (change.converging) {
                return Status::error(Errc::Internal, "a converging update must arrive as a delete and an insert");
            }
            const auto& identity = change.before.empty() ? change.after : change.before;
            if (t.identity == Identity::FullRow && change.before.empty()) {
                return Status::error(Errc::Corruption, "update of " + display_name(t.id) + " without its old row");
            }
            std::string set;
            for (std::size_t i = 0; i < t.columns.size(); ++i) {
                if (!is_unchanged(change.after[i])) {
                    set += (set.empty() ? "" : ", ") + quote_ident(t.columns[i].name) + " = " + b.param(change.after[i]);
                }
            }
            b.stmt.sql = "UPDATE " + table + " SET " + set + where_clause(b, change, identity);
            b.stmt.cache_key = prefix + "U" + mask(change.after) + "/" + mask(change.before);
            b.stmt.expects_one_row = true;
            break;
        }
        case Op::Delete:
            b.stmt.sql = "DELETE FROM " + table + where_clause(b, change, change.before);
            b.stmt.cache_key = prefix + "D" + mask(change.before);
            b.stmt.expects_one_row = !change.converging;
            break;
        case Op::Truncate: return Status::error(Errc::Internal, "TRUNCATE is not a row statement");
    }
    if (!b.error.ok()) {
        return b.error;
    }
    return std::move(b.stmt);
}

bool is_copyable_insert(const RowChange& change, const TableSchema* table) {
    return change.op == Op::Insert && !change.converging && change.table.get() == table
           && std::none_of(change.after.begin(), change.after.end(), is_unchanged);
}

std::string build_copy_in(const TableSchema& table) {
    std::string columns;
    for (const auto& c : table.columns) {
        columns += (columns.empty() ? "" : ", ") + quote_ident(c.name);
    }
    return "COPY " + quote_table(table.id) + " (" + columns + ") FROM STDIN";
}

Status append_copy_row(std::string& out, const RowChange& change) {
    for (std::size_t i = 0; i < change.after.size(); ++i) {
        if (i > 0) {
            out.push_back('\t');
        }
        auto text = value_text(change.after[i]);
        if (!text.ok()) {
            return text.status();
        }
        if (text.value()) {
            append_copy_field(out, *text.value());
        } else {
            append_copy_null(out);
        }
    }
    out.push_back('\n');
    return {};
}

std::string build_truncate(const std::vector<const RowChange*>& changes) {
    std::string sql = "TRUNCATE ";
    bool restart = false;
    for (std::size_t i = 0; i < changes.size(); ++i) {
        sql += (i == 0 ? "" : ", ") + quote_table(changes[i]->table->id);
        restart = restart || changes[i]->truncate_restart_identity;
    }
    return sql + (restart ? " RESTART IDENTITY" : "");
}

}  // namespace ferry::apply::pg
