#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "ferry/capture/mysql_capture.hpp"
#include "ferry/core/mysql_types.hpp"
#include "ferry/my/connection.hpp"
#include "binlog_status.hpp"
#include "gtid_state.hpp"

namespace ferry::capture {

namespace {

Status need_setting(std::string_view name, std::string_view is, std::string_view want) {
    return Status::error(Errc::Fatal, "the source's " + std::string(name) + " is " + std::string(is) + ", Ferry needs "
                                          + std::string(want) + ": set " + std::string(name) + "=" + std::string(want)
                                          + " in the server's configuration (and SET GLOBAL " + std::string(name)
                                          + " = '" + std::string(want) + "'), then start again");
}

// Column names whose CHECK is json_valid(`name`): MariaDB's JSON type.
Result<std::set<std::tuple<std::string, std::string, std::string>>> json_columns(my::Connection& conn) {
    auto rows = conn.query(
        "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
        "WHERE CHECK_CLAUSE LIKE 'json_valid(%'",
        "reading JSON check constraints");
    if (!rows.ok()) {
        // MySQL before 8.0.16 has no CHECK_CONSTRAINTS, and its JSON is a type of its own anyway.
        return std::set<std::tuple<std::string, std::string, std::string>>{};
    }
    std::set<std::tuple<std::string, std::string, std::string>> out;
    for (const auto& r : rows.value()) {
        const std::string clause = my::field(r, 2);
        const auto open = clause.find('`');
        const auto close = clause.rfind('`');
        if (open != std::string::npos && close > open && clause.substr(close) == "`)") {
            std::string col = clause.substr(open + 1, close - open - 1);
            std::string unquoted;
            for (std::size_t i = 0; i < col.size(); ++i) {
                unquoted.push_back(col[i]);
                if (col[i] == '`' && i + 1 < col.size() && col[i + 1] == '`') {
                    ++i;
                }
            }
            out.emplace(my::field(r, 0), my::field(r, 1), unquoted);
        }
    }
    return out;
}

class MysqlCatalogImpl final : public MysqlCatalog {
public:
    MysqlCatalogImpl(MysqlSourceConfig config, my::Connection conn, LoggerPtr log)
        : config_(std::move(config)), conn_(std::move(conn)), log_(std::move(log)) {}

    Status check_server() override {
        auto row = conn_.query_row("SELECT @@log_bin, @@binlog_format, @@binlog_row_image, @@version, @@server_id",
                                   "reading the source's binlog settings");
        if (!row.ok()) {
            return row.status();
        }
        const auto& r = *row.value();
        version_ = my::field(r, 3);
        if (my::field(r, 0) != "1") {
            return Status::error(Errc::Fatal, "binary logging is off on the source: start it with log_bin, "
                                              "binlog_format=ROW, binlog_row_image=FULL and binlog_row_metadata=FULL "
                                              "(or MINIMAL)");
        }
        if (my::field(r, 1) != "ROW") {
            return need_setting("binlog_format", my::field(r, 1), "ROW");
        }
        if (my::field(r, 2) != "FULL") {
            return need_setting("binlog_row_image", my::field(r, 2), "FULL");
        }
        auto metadata = conn_.query_row("SHOW GLOBAL VARIABLES LIKE 'binlog_row_metadata'", "reading binlog_row_metadata");
        if (!metadata.ok()) {
            return metadata.status();
        }
        const std::string meta = metadata.value() ? my::field(*metadata.value(), 1) : "(not available)";
        // MINIMAL carries what decoding needs (signedness, character sets); column names, keys and
        // ENUM/SET labels then come from the schema history (FULL also lets every table map be
        // checked by name).
        if (meta != "FULL" && meta != "MINIMAL") {
            return Status::error(Errc::Fatal, "the source's binlog_row_metadata is " + meta
                                                  + ", Ferry needs MINIMAL or FULL: set binlog_row_metadata=FULL in the "
                                                    "server's configuration (and SET GLOBAL binlog_row_metadata = "
                                                    "'FULL'), then start again");
        }
        if (auto logs = conn_.query("SHOW BINARY LOGS", "listing binary logs"); !logs.ok()) {
            return Status::error(Errc::Fatal, logs.status().message()
                                                  + "; grant the replication user REPLICATION SLAVE and "
                                                    "BINLOG MONITOR (MariaDB) or REPLICATION CLIENT (MySQL)");
        }
        return {};
    }

    Result<SourceCatalog> resolve_tables() override;

    Result<std::string> server_identity() override {
        if (is_mariadb()) {
            auto row = conn_.query_row("SELECT @@server_id", "reading server_id");
            if (!row.ok()) {
                return row.status();
            }
            return "mariadb server_id " + my::field(*row.value(), 0);
        }
        auto row = conn_.query_row("SELECT @@server_uuid", "reading server_uuid");
        if (!row.ok()) {
            return row.status();
        }
        return "mysql server_uuid " + my::field(*row.value(), 0);
    }

    Result<BinlogPosition> current_position() override { return mysql::master_status(conn_, is_mariadb()); }

    Result<BinlogFiles> binlog_files() override {
        auto logs = conn_.query("SHOW BINARY LOGS", "listing binary logs");
        auto end = logs.ok() ? current_position() : Result<BinlogPosition>(logs.status());
        if (!end.ok()) {
            return end.status();
        }
        BinlogFiles out;
        for (const auto& r : logs.value()) {
            out.files.emplace_back(my::field(r, 0), std::stoull("0" + my::field(r, 1)));
        }
        out.end = end.value();
        return out;
    }

    Status check_position(const BinlogPosition& position) override {
        auto logs = conn_.query("SHOW BINARY LOGS", "listing binary logs");
        if (!logs.ok()) {
            return logs.status();
        }
        bool present = false;
        for (const auto& r : logs.value()) {
            present = present || my::field(r, 0) == position.file;
        }
        if (!present) {
            return Status::error(Errc::SourceGone, "binlog file " + position.file + " (needed to resume from "
                                                       + format_binlog_position(position)
                                                       + ") is no longer on the source (purged): changes after it are "
                                                         "lost; start over with an empty state_dir (tables are copied again)");
        }
        if (is_mariadb() && !position.gtid.empty()) {
            auto gtid = mysql::gtid_at(conn_, position.file, position.offset);
            if (!gtid.ok()) {
                return gtid.status();
            }
            if (mysql::GtidState::parse(gtid.value()).format() != mysql::GtidState::parse(position.gtid).format()) {
                return Status::error(Errc::SourceGone, "the source's binlog at " + position.file + ":"
                                                           + std::to_string(position.offset) + " has GTID state "
                                                           + gtid.value() + ", the state_dir recorded " + position.gtid
                                                           + ": a different server or a reset binlog; start over with an "
                                                             "empty state_dir");
            }
        }
        return {};
    }

    Result<std::uint64_t> estimate_rows(const TableId& table) override {
        auto row = conn_.query_row("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                                       + conn_.literal(table.schema) + " AND TABLE_NAME = " + conn_.literal(table.name),
                                   "estimating rows");
        if (!row.ok()) {
            return row.status();
        }
        return row.value() ? std::stoull("0" + my::field(*row.value(), 0)) : 0ULL;
    }

private:
    bool is_mariadb() const { return version_.find("MariaDB") != std::string::npos; }

    MysqlSourceConfig config_;
    my::Connection conn_;
    LoggerPtr log_;
    std::string version_;
};

Result<SourceCatalog> MysqlCatalogImpl::resolve_tables() {
    auto rows = conn_.query(
        "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, t.ENGINE "
        "FROM information_schema.COLUMNS c JOIN information_schema.TABLES t "
        "ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME "
        "WHERE t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_SCHEMA NOT IN "
        "('mysql', 'information_schema', 'performance_schema', 'sys') "
        "ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION",
        "listing the source's tables");
    if (!rows.ok()) {
        return rows.status();
    }
    auto keys = conn_.query(
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION",
        "reading primary keys");
    if (!keys.ok()) {
        return keys.status();
    }
    auto json = json_columns(conn_);
    if (!json.ok()) {
        return json.status();
    }
    std::map<TableId, TableSchema> all;
    std::map<TableId, std::string> engines;
    for (const auto& r : rows.value()) {
        const TableId id{my::field(r, 0), my::field(r, 1)};
        auto& t = all[id];
        t.id = id;
        t.engine = Engine::MySql;
        Column c;
        c.name = my::field(r, 2);
        c.type_name = json.value().count({id.schema, id.name, c.name}) != 0 ? "json" : my::field(r, 3);
        c.is_nullable = my::field(r, 4) == "YES";
        t.columns.push_back(std::move(c));
        engines[id] = my::field(r, 5);
    }
    for (const auto& k : keys.value()) {
        const auto it = all.find(TableId{my::field(k, 0), my::field(k, 1)});
        if (it != all.end()) {
            it->second.primary_key.push_back(my::field(k, 2));
        }
    }
    SourceCatalog out;
    std::vector<std::string> problems;
    std::set<TableId> taken;
    for (const auto& pattern : config_.tables) {
        bool matched = false;
        for (const auto& [id, t] : all) {
            if (!pattern.matches(id)) {
                continue;
            }
            matched = true;
            if (!taken.insert(id).second) {
                continue;
            }
            const std::string& engine = engines[id];
            if (engine != "InnoDB") {
                problems.push_back(display_name(id) + " uses the " + engine
                                   + " engine, which has no consistent snapshots; convert it to InnoDB or leave it out");
                continue;
            }
            TableSchema table = t;
            table.identity = table.primary_key.empty() ? Identity::FullRow : Identity::Key;
            for (auto& c : table.columns) {
                c.is_key = table.identity == Identity::FullRow
                           || std::find(table.primary_key.begin(), table.primary_key.end(), c.name)
                                  != table.primary_key.end();
                if (parse_mysql_type(c.type_name).kind == MysqlType::Kind::Other) {
                    problems.push_back(display_name(id) + " column " + c.name + " has type " + c.type_name
                                       + ", which Ferry cannot carry; leave the table out");
                }
            }
            out.tables.push_back(std::move(table));
        }
        if (!matched) {
            out.unmatched.push_back({pattern.schema, pattern.table});
        }
    }
    if (!problems.empty()) {
        std::string msg;
        for (const auto& p : problems) {
            msg += (msg.empty() ? "" : "; ") + p;
        }
        return Status::error(Errc::InvalidConfig, msg);
    }
    return out;
}

}  // namespace

std::string check_mysql_url(const std::string& url) {
    auto parsed = my::parse_url(url);
    return parsed.ok() ? std::string() : parsed.status().message();
}

std::string describe_mysql_url(const std::string& url) {
    auto parsed = my::parse_url(url);
    return parsed.ok() ? my::describe_url(parsed.value()) : "(invalid mysql URL)";
}

Result<std::unique_ptr<MysqlCatalog>> MysqlCatalog::connect(const MysqlSourceConfig& config, LoggerPtr log) {
    auto conn = mysql::connect_source(config.url, "catalog");
    if (!conn.ok()) {
        return conn.status();
    }
    return std::unique_ptr<MysqlCatalog>(
        std::make_unique<MysqlCatalogImpl>(config, std::move(conn).value(), std::move(log)));
}

std::optional<std::uint64_t> binlog_bytes_after(const BinlogFiles& files, const BinlogPosition& from) {
    std::optional<std::uint64_t> bytes;
    for (const auto& [name, size] : files.files) {
        if (name == from.file) {
            bytes = size > from.offset ? size - from.offset : 0;
        } else if (bytes) {
            *bytes += size;
        }
    }
    return bytes;
}

}  // namespace ferry::capture
