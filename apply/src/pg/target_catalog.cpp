#include "target_catalog.hpp"

#include <optional>
#include <set>

#include "ferry/core/names.hpp"

namespace ferry::apply::pg {

namespace {

Result<bool> type_exists(pq::Connection& conn, const UserType& type) {
    auto res = conn.exec_params(
        "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2",
        {type.schema, type.name}, "looking up a target type");
    if (!res.ok()) {
        return res.status();
    }
    return PQntuples(res.value().get()) > 0;
}

std::string create_type_sql(const UserType& type) {
    const std::string name = quote_ident(type.schema) + "." + quote_ident(type.name);
    if (type.kind == UserType::Kind::Enum) {
        std::string labels;
        for (const auto& l : type.labels) {
            labels += (labels.empty() ? "" : ", ") + quote_literal(l);
        }
        return "CREATE TYPE " + name + " AS ENUM (" + labels + ")";
    }
    std::string sql = "CREATE DOMAIN " + name + " AS " + type.base_type + (type.is_not_null ? " NOT NULL" : "");
    for (const auto& c : type.constraints) {
        sql += " " + c;  // the source's own pg_get_constraintdef text
    }
    return sql;
}

}  // namespace

Status create_missing_types(pq::Connection& conn, const std::vector<UserType>& types) {
    for (const auto& type : types) {
        auto exists = type_exists(conn, type);
        if (!exists.ok()) {
            return exists.status();
        }
        if (!exists.value()) {
            if (Status st = conn.run(create_type_sql(type), "creating target type " + type.schema + "." + type.name);
                !st.ok()) {
                return st;
            }
        }
    }
    return {};
}

Status add_enum_labels(const std::string& conninfo, const std::vector<UserType>& types) {
    std::optional<pq::Connection> conn;
    for (const auto& type : types) {
        if (type.kind != UserType::Kind::Enum) {
            continue;
        }
        if (!conn) {
            auto c = pq::Connection::connect_writable(conninfo, "enum labels");
            if (!c.ok()) {
                return c.status();
            }
            conn.emplace(std::move(c).value());
        }
        auto res = conn->exec_params(
            "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = "
            "t.typnamespace WHERE n.nspname = $1 AND t.typname = $2",
            {type.schema, type.name}, "reading the labels of target type " + type.schema + "." + type.name);
        if (!res.ok()) {
            return res.status();
        }
        std::set<std::string> present;
        for (int i = 0; i < PQntuples(res.value().get()); ++i) {
            present.insert(pq::field(res.value().get(), i, 0));
        }
        if (present.empty()) {
            continue;  // created in the open target transaction, with every label
        }
        const std::string name = quote_ident(type.schema) + "." + quote_ident(type.name);
        for (std::size_t i = 0; i < type.labels.size(); ++i) {
            if (present.contains(type.labels[i])) {
                continue;
            }
            // Next to its neighbour in the source's order (MySQL sorts ENUM values by position).
            std::string where;
            if (i > 0 && present.contains(type.labels[i - 1])) {
                where = " AFTER " + quote_literal(type.labels[i - 1]);
            } else if (i + 1 < type.labels.size() && present.contains(type.labels[i + 1])) {
                where = " BEFORE " + quote_literal(type.labels[i + 1]);
            }
            if (Status st = conn->run("ALTER TYPE " + name + " ADD VALUE IF NOT EXISTS " + quote_literal(type.labels[i])
                                          + where,
                                      "adding a label to target type " + type.schema + "." + type.name);
                !st.ok()) {
                return st;
            }
            present.insert(type.labels[i]);
        }
    }
    return {};
}

Result<std::set<std::string>> column_names(pq::Connection& conn, const TableId& table) {
    auto res = conn.exec_params(
        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
        {table.schema, table.name}, "reading target columns of " + display_name(table));
    if (!res.ok()) {
        return res.status();
    }
    std::set<std::string> present;
    for (int i = 0; i < PQntuples(res.value().get()); ++i) {
        present.insert(pq::field(res.value().get(), i, 0));
    }
    return present;
}

// Every source column must exist at the target; returns the missing ones.
Result<std::vector<std::string>> missing_columns(pq::Connection& conn, const TableSchema& table) {
    auto present = column_names(conn, table.id);
    if (!present.ok()) {
        return present.status();
    }
    std::vector<std::string> missing;
    for (const auto& c : table.columns) {
        if (!present.value().contains(c.name)) {
            missing.push_back(c.name);
        }
    }
    return missing;
}

}  // namespace ferry::apply::pg
