#include "pg_key_sql.hpp"

#include "ferry/core/names.hpp"
#include "table_keys.hpp"

namespace ferry::verify {

PgKeySql::PgKeySql(std::string from, std::vector<PgKeyColumn> keys) : from_(std::move(from)), keys_(std::move(keys)) {}

std::string PgKeySql::select_list() const {
    std::string out;
    for (std::size_t k = 0; k < keys_.size(); ++k) {
        out += (out.empty() ? "" : ", ") + keys_[k].read + " AS ferry_key" + std::to_string(k);
    }
    return out;
}

std::string PgKeySql::order_by() const { return key_list(); }

std::string PgKeySql::key_list() const {
    std::string out;
    for (const auto& k : keys_) {
        out += (out.empty() ? "" : ", ") + k.expr;
    }
    return out;
}

std::string PgKeySql::placeholders(const Key& key, Params& params) const {
    std::string out;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        params.push_back(key[i]);
        out += (i == 0 ? "" : ", ") + keys_[i].bind_before + "$" + std::to_string(params.size()) + keys_[i].bind_after;
    }
    return out;
}

std::string PgKeySql::compare(const char* op, const Key& key, Params& params) const {
    return "(" + key_list() + ") " + op + " (" + placeholders(key, params) + ")";
}

std::string PgKeySql::after(const std::optional<Key>& after, Params& params) const {
    return after ? " WHERE " + compare(">", *after, params) : "";
}

std::string PgKeySql::range(const std::optional<Key>& lo, const std::optional<Key>& hi, Params& params) const {
    std::string where;
    if (lo) {
        where += " WHERE " + compare(">", *lo, params);
    }
    if (hi) {
        where += (lo ? " AND " : " WHERE ") + compare("<=", *hi, params);
    }
    return where;
}

std::string PgKeySql::in_list(const std::vector<Key>& keys, std::size_t first, std::size_t last, Params& params) const {
    std::string list;
    for (std::size_t i = first; i < last && i < keys.size(); ++i) {
        list += (list.empty() ? "(" : ", (") + placeholders(keys[i], params) + ")";
    }
    return " WHERE (" + key_list() + ") IN (" + list + ")";
}

Key PgKeySql::row_key(const PGresult* result, int row, int first) const {
    Key key;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        key.push_back(pq::field(result, row, first + static_cast<int>(i)));
    }
    return key;
}

Result<std::map<std::string, PgColumnInfo>> read_pg_columns(pq::Connection& conn, const TableId& table,
                                                            const std::string& where) {
    const std::string name = quote_ident(table.schema) + "." + quote_ident(table.name);
    auto res = conn.exec_params(
        "SELECT a.attname, format_type(a.atttypid, NULL), format_type(coalesce(nullif(t.typbasetype, 0), a.atttypid), NULL), "
        "t.typcategory = 'A', a.attcollation <> 0, format_type(t.typelem, NULL) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
        {name}, "reading the columns of " + name);
    if (!res.ok()) {
        return res.status();
    }
    const PGresult* r = res.value().get();
    if (PQntuples(r) == 0) {
        return Status::error(Errc::Fatal, "table " + display_name(table) + " is missing at " + where);
    }
    std::map<std::string, PgColumnInfo> columns;
    for (int i = 0; i < PQntuples(r); ++i) {
        columns[pq::field(r, i, 0)] = {pq::field(r, i, 1), pq::field(r, i, 2), pq::field(r, i, 3) == "t", pq::field(r, i, 5),
                                       pq::field(r, i, 4) == "t"};
    }
    return columns;
}

Result<PgKeySql> pg_key_sql(const TableSchema& source, const std::map<std::string, PgColumnInfo>& columns,
                            bool bytewise, bool canonical) {
    std::vector<PgKeyColumn> keys;
    for (std::size_t index : key_column_indexes(source)) {
        const std::string& name = source.columns[index].name;
        const auto it = columns.find(name);
        if (it == columns.end()) {
            return Status::error(Errc::Fatal, "key column " + name + " of " + display_name(source.id) + " is missing");
        }
        const PgColumnInfo& c = it->second;
        const std::string collate = bytewise && c.collatable ? " COLLATE \"C\"" : "";
        PgKeyColumn key{quote_ident(name) + collate, quote_ident(name) + "::text", "", "::" + c.type + collate};
        if (canonical && c.base == "bytea") {
            key = {quote_ident(name), "encode(" + quote_ident(name) + ", 'hex')", "decode(", ", 'hex')"};
        }
        keys.push_back(std::move(key));
    }
    return PgKeySql(quote_ident(source.id.schema) + "." + quote_ident(source.id.name), std::move(keys));
}

Result<std::optional<Key>> pg_next_bound(pq::Connection& conn, const PgKeySql& keys, const std::optional<Key>& after,
                                         std::size_t step) {
    Params params;
    auto res = conn.exec_params("SELECT " + keys.select_list() + " FROM " + keys.from() + keys.after(after, params)
                                    + " ORDER BY " + keys.order_by() + " LIMIT 1 OFFSET " + std::to_string(step - 1),
                                params, "finding chunk bounds of " + keys.from());
    if (!res.ok()) {
        return res.status();
    }
    if (PQntuples(res.value().get()) == 0) {
        return std::optional<Key>{};
    }
    return std::optional<Key>{keys.row_key(res.value().get(), 0, 0)};
}

}  // namespace ferry::verify
