// Target preparation: schemas, user types, tables and the ferry-owned position table.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "ferry/apply/pg_apply.hpp"
#include "ferry/core/names.hpp"
#include "mysql_to_pg.hpp"
#include "ferry/pq/connection.hpp"
#include "target_catalog.hpp"

namespace ferry::apply {

namespace {

constexpr char kPositionTableDdl[] =
    "CREATE SCHEMA IF NOT EXISTS _ferry; "
    "CREATE TABLE IF NOT EXISTS _ferry.applied_position (pipeline text PRIMARY KEY, position text NOT NULL, "
    "updated_at timestamptz NOT NULL DEFAULT now()); "
    "CREATE TABLE IF NOT EXISTS _ferry.snapshot_checkpoint (pipeline text, table_schema text, table_name text, "
    "resume_key text NOT NULL, rows bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), "
    "PRIMARY KEY (pipeline, table_schema, table_name))";

std::string create_table_sql(const TableSchema& table, bool with_primary_key) {
    std::string sql = "CREATE TABLE " + quote_table(table.id) + " (";
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        const auto& c = table.columns[i];
        sql += (i == 0 ? "" : ", ") + quote_ident(c.name) + " " + c.type_name + (c.is_nullable ? "" : " NOT NULL");
    }
    if (with_primary_key && !table.primary_key.empty()) {
        std::string keys;
        for (const auto& k : table.primary_key) {
            keys += (keys.empty() ? "" : ", ") + quote_ident(k);
        }
        sql += ", PRIMARY KEY (" + keys + ")";
    }
    return sql + ")";
}

Result<bool> table_exists(pq::Connection& conn, const TableId& id) {
    auto res = conn.exec_params(
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 "
        "AND c.relkind IN ('r', 'p')",
        {id.schema, id.name}, "looking up target table " + display_name(id));
    if (!res.ok()) {
        return res.status();
    }
    return PQntuples(res.value().get()) > 0;
}

Status prepare_table(pq::Connection& conn, const TableSchema& table, bool defer_primary_keys, spdlog::logger& log) {
    auto exists = table_exists(conn, table.id);
    if (!exists.ok()) {
        return exists.status();
    }
    if (!exists.value()) {
        if (Status st = conn.run(create_table_sql(table, !defer_primary_keys), "creating target table " + display_name(table.id));
            !st.ok()) {
            return st;
        }
        log.info("created target table {}", display_name(table.id));
        return {};
    }
    auto missing = pg::missing_columns(conn, table);
    if (!missing.ok()) {
        return missing.status();
    }
    // Columns the table lacks (it predates them, or a copy of it restarts after DDL) are added, as
    // NULLable: the copy fills them.
    for (const auto& name : missing.value()) {
        const auto col = std::find_if(table.columns.begin(), table.columns.end(),
                                      [&](const Column& c) { return c.name == name; });
        const std::string sql = "ALTER TABLE " + quote_table(table.id) + " ADD COLUMN " + quote_ident(name) + " "
                                + col->type_name;
        if (Status st = conn.run(sql, "adding a column to target table " + display_name(table.id)); !st.ok()) {
            return st;
        }
        log.info("added column {} to target table {}", quote_ident(name), display_name(table.id));
    }
    return {};
}

}  // namespace

Status prepare_target(const PgTargetConfig& config, const SourceCatalog& source_catalog, bool defer_primary_keys,
                      LoggerPtr log) {
    // Tables from MySQL/MariaDB get PostgreSQL types (and enum types) first.
    SourceCatalog catalog = source_catalog;
    for (auto& t : catalog.tables) {
        if (t.engine == Engine::MySql) {
            auto translated = pg::translate_mysql_table(t);
            t = translated.table;
            catalog.types.insert(catalog.types.end(), translated.types.begin(), translated.types.end());
        }
    }
    auto conn = pq::Connection::connect_writable(config.conninfo, "target setup");
    if (!conn.ok()) {
        return conn.status();
    }
    auto& c = conn.value();
    if (Status st = c.run(kPositionTableDdl, "creating Ferry's tables in schema _ferry at the target"); !st.ok()) {
        return st;
    }
    std::set<std::string> schemas;
    for (const auto& t : catalog.tables) {
        schemas.insert(t.id.schema);
    }
    for (const auto& t : catalog.types) {
        schemas.insert(t.schema);
    }
    for (const auto& s : schemas) {
        if (Status st = c.run("CREATE SCHEMA IF NOT EXISTS " + quote_ident(s), "creating target schema"); !st.ok()) {
            return st;
        }
    }
    if (Status st = pg::create_missing_types(c, catalog.types); !st.ok()) {
        return st;
    }
    for (const auto& t : catalog.tables) {
        if (Status st = prepare_table(c, t, defer_primary_keys, *log); !st.ok()) {
            return st;
        }
    }
    return {};
}

Status forget_applied_position(const PgTargetConfig& config) {
    auto conn = pq::Connection::connect_writable(config.conninfo, "target setup");
    if (!conn.ok()) {
        return conn.status();
    }
    if (Status st = conn.value().run(kPositionTableDdl, "creating Ferry's tables in schema _ferry at the target"); !st.ok()) {
        return st;
    }
    for (const char* sql : {"DELETE FROM _ferry.applied_position WHERE pipeline = $1",
                            "DELETE FROM _ferry.snapshot_checkpoint WHERE pipeline = $1"}) {
        auto res = conn.value().exec_params(sql, {config.pipeline}, "resetting the applied position");
        if (!res.ok()) {
            return res.status();
        }
    }
    return {};
}

Status drop_target_columns(const PgTargetConfig& config, const TableId& table, const std::vector<std::string>& columns) {
    auto conn = pq::Connection::connect_writable(config.conninfo, "target setup");
    if (!conn.ok()) {
        return conn.status();
    }
    auto present = pg::column_names(conn.value(), table);
    if (!present.ok()) {
        return present.status();
    }
    for (const auto& c : columns) {
        if (!present.value().contains(c)) {
            continue;
        }
        if (Status st = conn.value().run("ALTER TABLE " + quote_table(table) + " DROP COLUMN " + quote_ident(c),
                                         "dropping a column of target table " + display_name(table));
            !st.ok()) {
            return st;
        }
    }
    return {};
}

}  // namespace ferry::apply
