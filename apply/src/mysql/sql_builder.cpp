#include "sql_builder.hpp"

#include <algorithm>
#include <cstdio>

#include "ferry/my/connection.hpp"

namespace ferry::apply::mysql {

namespace {

using my::quote_ident;

bool is_unchanged(const Value& v) { return std::holds_alternative<Unchanged>(v); }

std::string table_name(const TableSchema& t) { return my::quote_table(t.id.schema, t.id.name); }

// How a value enters the statement: BIT columns take numbers, FLOAT columns compare as FLOAT.
std::string placeholder(const ColumnRule& rule, bool in_where) {
    if (rule.rule == ValueRule::BitsToNumber) {
        return "CAST(? AS UNSIGNED)";
    }
    return in_where && rule.is_float ? "CAST(? AS FLOAT)" : "?";
}

struct Builder {
    const MysqlTranslation& t;
    RowStatement out;
    std::string add(std::size_t column, bool from_before, bool in_where) {
        out.placeholders.push_back({column, from_before});
        out.kinds.push_back(t.rules[column].rule == ValueRule::HexToBytes ? my::BindAs::Bytes : my::BindAs::Text);
        return placeholder(t.rules[column], in_where);
    }
    // Key columns by equality, or (no key) every sent column of the old row, null-safe.
    std::string where(const std::vector<Value>& identity, bool from_before) {
        const TableSchema& s = t.table;
        const bool full_row = s.identity == Identity::FullRow;
        std::string sql;
        for (std::size_t i = 0; i < s.columns.size(); ++i) {
            if ((!full_row && !s.columns[i].is_key) || is_unchanged(identity[i])) {
                continue;
            }
            sql += (sql.empty() ? " WHERE " : " AND ") + quote_ident(s.columns[i].name) + (full_row ? " <=> " : " = ")
                   + add(i, from_before, true);
        }
        return sql + (full_row ? " LIMIT 1" : "");
    }
};

std::string mask(const std::vector<Value>& values) {
    std::string m;
    for (const auto& v : values) {
        m.push_back(is_unchanged(v) ? 'u' : 'v');
    }
    return m;
}

std::vector<std::string> key_columns(const TableSchema& t) {
    if (!t.primary_key.empty()) {
        return t.primary_key;
    }
    std::vector<std::string> keys;
    if (t.identity == Identity::Key) {
        for (const auto& c : t.columns) {
            if (c.is_key) {
                keys.push_back(c.name);
            }
        }
    }
    return keys;
}

std::string value_text(const Value& v) {
    struct Visitor {
        std::string operator()(const Null&) const { return {}; }
        std::string operator()(const Unchanged&) const { return {}; }
        std::string operator()(bool b) const { return b ? "1" : "0"; }
        std::string operator()(std::int64_t n) const { return std::to_string(n); }
        std::string operator()(std::uint64_t n) const { return std::to_string(n); }
        std::string operator()(double d) const {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", d);
            return buf;
        }
        std::string operator()(const std::string& s) const { return s; }
        std::string operator()(const Bytes& b) const { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
    };
    return std::visit(Visitor{}, v);
}

}  // namespace

std::string statement_key(const RowChange& change) {
    switch (change.op) {
        case Op::Insert: return "I" + mask(change.after);
        case Op::Update: return "U" + mask(change.after) + "/" + (change.before.empty() ? "-" : mask(change.before));
        case Op::Delete: return "D" + mask(change.before);
        case Op::Truncate: break;
    }
    return "T";
}

RowStatement build_row_statement(const MysqlTranslation& t, const RowChange& change) {
    const TableSchema& s = t.table;
    Builder b{t, {}};
    const std::string table = table_name(s);
    switch (change.op) {
        case Op::Insert: {
            std::string columns;
            std::string values;
            std::string updates;
            const auto keys = key_columns(s);
            for (std::size_t i = 0; i < s.columns.size(); ++i) {
                if (is_unchanged(change.after[i])) {
                    continue;
                }
                const std::string name = quote_ident(s.columns[i].name);
                columns += (columns.empty() ? "" : ", ") + name;
                values += (values.empty() ? "" : ", ") + b.add(i, false, false);
                if (std::find(keys.begin(), keys.end(), s.columns[i].name) == keys.end()) {
                    updates += (updates.empty() ? "" : ", ") + name + " = VALUES(" + name + ")";
                }
            }
            b.out.sql = "INSERT INTO " + table + " (" + columns + ") VALUES (" + values + ")";
            if (!keys.empty()) {  // a replayed insert overwrites the row with the same values
                const std::string first_key = quote_ident(keys.front());
                b.out.sql += " ON DUPLICATE KEY UPDATE "
                             + (updates.empty() ? first_key + " = VALUES(" + first_key + ")" : updates);
            }
            break;
        }
        case Op::Update: {
            const bool has_before = !change.before.empty();
            std::string set;
            for (std::size_t i = 0; i < s.columns.size(); ++i) {
                if (!is_unchanged(change.after[i])) {
                    set += (set.empty() ? "" : ", ") + quote_ident(s.columns[i].name) + " = " + b.add(i, false, false);
                }
            }
            b.out.sql = "UPDATE " + table + " SET " + set + b.where(has_before ? change.before : change.after, has_before);
            b.out.must_match = true;
            break;
        }
        case Op::Delete:
            b.out.sql = "DELETE FROM " + table + b.where(change.before, true);
            break;
        case Op::Truncate:  // not a row statement: the sink empties the table itself
            break;
    }
    b.out.cache_key = statement_key(change);
    return std::move(b.out);
}

RowStatement build_load_statement(const MysqlTranslation& t) {
    Builder b{t, {}};
    std::string columns;
    std::string values;
    for (std::size_t i = 0; i < t.table.columns.size(); ++i) {
        columns += (columns.empty() ? "" : ", ") + quote_ident(t.table.columns[i].name);
        values += (values.empty() ? "" : ", ") + b.add(i, false, false);
    }
    b.out.sql = "INSERT INTO " + table_name(t.table) + " (" + columns + ") VALUES (" + values + ")";
    b.out.cache_key = "L";
    return std::move(b.out);
}

namespace {

Status convert_column(const MysqlTranslation& t, std::size_t column, std::string& text) {
    if (Status st = convert_value(t.rules[column], text); !st.ok()) {
        return st.with_context(display_name(t.table.id) + " column " + t.table.columns[column].name);
    }
    return {};
}

}  // namespace

Status convert_row(const MysqlTranslation& t, std::vector<std::optional<std::string>>& row) {
    if (!t.converts) {
        return {};
    }
    for (std::size_t i = 0; i < row.size(); ++i) {
        if (row[i] && t.rules[i].rule != ValueRule::AsIs) {
            if (Status st = convert_column(t, i, *row[i]); !st.ok()) {
                return st;
            }
        }
    }
    return {};
}

Result<std::vector<std::optional<std::string>>> statement_values(const MysqlTranslation& t, const RowStatement& stmt,
                                                                 const RowChange& change) {
    std::vector<std::optional<std::string>> out;
    out.reserve(stmt.placeholders.size());
    for (const auto& p : stmt.placeholders) {
        const Value& v = (p.from_before ? change.before : change.after)[p.column];
        if (std::holds_alternative<Null>(v)) {
            out.emplace_back();
            continue;
        }
        std::string text = value_text(v);
        if (!std::holds_alternative<Bytes>(v)) {
            if (Status st = convert_column(t, p.column, text); !st.ok()) {
                return st;
            }
        }
        out.emplace_back(std::move(text));
    }
    return out;
}

std::string build_create_table(const TableSchema& t) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + table_name(t) + " (";
    const auto keys = key_columns(t);
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const auto& c = t.columns[i];
        const bool key = std::find(keys.begin(), keys.end(), c.name) != keys.end();
        sql += (i == 0 ? "" : ", ") + quote_ident(c.name) + " " + c.type_name
               + (c.is_nullable && !key ? " NULL" : " NOT NULL");
    }
    if (!keys.empty()) {
        std::string list;
        for (const auto& k : keys) {
            list += (list.empty() ? "" : ", ") + quote_ident(k);
        }
        sql += ", PRIMARY KEY (" + list + ")";
    }
    return sql + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
}

}  // namespace ferry::apply::mysql
