// Preparing a MySQL/MariaDB target: databases, tables and the position table.
#include "mysql_target_schema.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "ferry/core/names.hpp"
#include "sql_builder.hpp"

namespace ferry::apply {

namespace mysql {

Result<my::Connection> connect_target(const MysqlTargetConfig& config, std::string_view purpose) {
    auto url = my::parse_url(config.url);
    if (!url.ok()) {
        return url.status();
    }
    my::Connection::Options options;
    options.found_rows = true;
    auto conn = my::Connection::connect(url.value(), purpose, options);
    if (!conn.ok()) {
        return conn.status();
    }
    std::vector<std::string> setup{"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", "SET SESSION foreign_key_checks = 0"};
    if (config.session_server_id != 0) {
        setup.push_back("SET SESSION server_id = " + std::to_string(config.session_server_id));
    }
    for (const auto& sql : setup) {
        if (Status st = conn.value().run(sql, std::string(purpose) + ": session set-up"); !st.ok()) {
            return st;
        }
    }
    return conn;
}

TargetFlavor flavor_of(const my::Connection& conn) {
    return TargetFlavor{conn.is_mariadb() && conn.server_version() >= 100700};
}

Result<std::set<std::string>> column_names(my::Connection& conn, const TableId& table) {
    auto rows = conn.query("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                               + conn.literal(table.schema) + " AND TABLE_NAME = " + conn.literal(table.name),
                           "reading the columns of target table " + display_name(table));
    if (!rows.ok()) {
        return rows.status();
    }
    std::set<std::string> present;
    for (const auto& r : rows.value()) {
        present.insert(my::field(r, 0));
    }
    return present;
}

Result<std::vector<const Column*>> missing_columns(my::Connection& conn, const TableSchema& table) {
    auto present = column_names(conn, table.id);
    if (!present.ok()) {
        return present.status();
    }
    std::vector<const Column*> missing;
    for (const auto& c : table.columns) {
        if (!present.value().contains(c.name)) {
            missing.push_back(&c);
        }
    }
    return missing;
}

Status add_columns(my::Connection& conn, const TableSchema& table, const std::vector<const Column*>& columns) {
    for (const Column* c : columns) {
        const std::string sql = "ALTER TABLE " + my::quote_table(table.id.schema, table.id.name) + " ADD COLUMN "
                                + my::quote_ident(c->name) + " " + c->type_name + " NULL";
        if (Status st = conn.run(sql, "adding column " + c->name + " to target table " + display_name(table.id));
            !st.ok()) {
            return st;
        }
    }
    return {};
}

}  // namespace mysql

std::string check_mysql_target_url(const std::string& url) {
    auto parsed = my::parse_url(url);
    return parsed.ok() ? std::string() : parsed.status().message();
}

std::string describe_mysql_target(const std::string& url) {
    auto parsed = my::parse_url(url);
    return parsed.ok() ? my::describe_url(parsed.value()) : std::string("(invalid url)");
}

Status prepare_mysql_target(const MysqlTargetConfig& config, const SourceCatalog& catalog,
                            std::shared_ptr<spdlog::logger> log) {
    auto conn = mysql::connect_target(config, "target");
    if (!conn.ok()) {
        return conn.status();
    }
    auto& c = conn.value();
    const auto flavor = mysql::flavor_of(c);
    std::set<std::string> schemas{"_ferry"};
    for (const auto& t : catalog.tables) {
        schemas.insert(t.id.schema);
    }
    for (const auto& s : schemas) {
        if (Status st = c.run("CREATE DATABASE IF NOT EXISTS " + my::quote_ident(s)
                                  + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                              "creating database " + s + " at the target");
            !st.ok()) {
            return st;
        }
    }
    if (Status st = c.run(std::string("CREATE TABLE IF NOT EXISTS ") + mysql::kPositionTable
                              + " (pipeline VARCHAR(255) NOT NULL PRIMARY KEY, position VARCHAR(2048) NOT NULL, "
                                "updated_at DATETIME(6) NOT NULL) ENGINE=InnoDB",
                          "creating the applied-position table at the target");
        !st.ok()) {
        return st;
    }
    if (Status st = c.run(std::string("CREATE TABLE IF NOT EXISTS ") + mysql::kCheckpointTable
                              + " (pipeline VARCHAR(255) NOT NULL, table_schema VARCHAR(128) NOT NULL, table_name "
                                "VARCHAR(128) NOT NULL, resume_key LONGTEXT NOT NULL, `rows` BIGINT UNSIGNED NOT NULL, "
                                "updated_at DATETIME(6) NOT NULL, PRIMARY KEY (pipeline, table_schema, table_name)) "
                                "ENGINE=InnoDB",
                          "creating the snapshot checkpoint table at the target");
        !st.ok()) {
        return st;
    }
    for (const auto& source : catalog.tables) {
        auto t = mysql::translate_table(source, catalog.types, flavor);
        if (!t.ok()) {
            return t.status();
        }
        const TableSchema& table = t.value().table;
        if (Status st = c.run(mysql::build_create_table(table), "creating target table " + display_name(table.id));
            !st.ok()) {
            return st;
        }
        auto missing = mysql::missing_columns(c, table);
        if (!missing.ok()) {
            return missing.status();
        }
        // Columns the table lacks (it predates them, or a copy of it restarts after DDL) are added,
        // as NULLable: the copy fills them.
        for (const Column* col : missing.value()) {
            if (Status st = c.run("ALTER TABLE " + my::quote_table(table.id.schema, table.id.name) + " ADD COLUMN "
                                      + my::quote_ident(col->name) + " " + col->type_name + " NULL",
                                  "adding a column to target table " + display_name(table.id));
                !st.ok()) {
                return st;
            }
            log->info("added column {} to target table {}", my::quote_ident(col->name), display_name(table.id));
        }
    }
    log->info("target ready: {} tables", catalog.tables.size());
    return {};
}

Status drop_mysql_target_columns(const MysqlTargetConfig& config, const TableId& table,
                                 const std::vector<std::string>& columns) {
    auto conn = mysql::connect_target(config, "target");
    if (!conn.ok()) {
        return conn.status();
    }
    auto present = mysql::column_names(conn.value(), table);
    if (!present.ok()) {
        return present.status();
    }
    for (const auto& c : columns) {
        if (!present.value().contains(c)) {
            continue;
        }
        if (Status st = conn.value().run("ALTER TABLE " + my::quote_table(table.schema, table.name)
                                             + " DROP COLUMN " + my::quote_ident(c),
                                         "dropping a column of target table " + display_name(table));
            !st.ok()) {
            return st;
        }
    }
    return {};
}

Status forget_mysql_applied_position(const MysqlTargetConfig& config) {
    auto conn = mysql::connect_target(config, "target");
    if (!conn.ok()) {
        return conn.status();
    }
    auto& c = conn.value();
    for (const char* table : {mysql::kPositionTable, mysql::kCheckpointTable}) {
        if (Status st = c.run(std::string("DELETE FROM ") + table + " WHERE pipeline = " + c.literal(config.pipeline),
                              "clearing the applied position at the target");
            !st.ok()) {
            return st;
        }
    }
    return {};
}

}  // namespace ferry::apply
