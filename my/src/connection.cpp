#include "ferry/my/connection.hpp"

#include <errmsg.h>
#include <mysqld_error.h>

namespace ferry::my {

namespace {

constexpr char kSessionSetup[] =
    "SET NAMES utf8mb4, time_zone = '+00:00', "
    "sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'";

// Keeps row data out of messages: for data errors (SQLSTATE classes 22 and 23) the server quotes the
// offending value after the first quote.
std::string safe_message(std::string msg, std::string_view state) {
    if (state.size() == 5 && (state.substr(0, 2) == "22" || state.substr(0, 2) == "23")) {
        if (const auto quote = msg.find('\''); quote != std::string::npos) {
            msg = msg.substr(0, quote) + "(value withheld)";
        }
    }
    return msg;
}

std::string safe_message(MYSQL* conn) { return safe_message(mysql_error(conn), mysql_sqlstate(conn)); }

}  // namespace

Errc classify_errno(unsigned err) {
    switch (err) {
        case CR_CONNECTION_ERROR:
        case CR_CONN_HOST_ERROR:
        case CR_SERVER_GONE_ERROR:
        case CR_SERVER_LOST:
        case CR_SERVER_LOST_EXTENDED:
        case ER_SERVER_SHUTDOWN:
        case ER_CON_COUNT_ERROR:
        case ER_LOCK_DEADLOCK:
        case ER_LOCK_WAIT_TIMEOUT:
        case ER_CONNECTION_KILLED:
        case ER_QUERY_INTERRUPTED:
        case ER_NET_READ_ERROR:
        case ER_NET_READ_INTERRUPTED:
        case ER_NET_ERROR_ON_WRITE:
        case ER_NET_WRITE_INTERRUPTED:
            return Errc::Transient;
        default:
            return Errc::Fatal;
    }
}

bool is_binlog_gone(unsigned err) { return err == ER_MASTER_FATAL_ERROR_READING_BINLOG; }

std::string quote_ident(std::string_view name) {
    std::string out = "`";
    for (const char c : name) {
        out.push_back(c);
        if (c == '`') {
            out.push_back('`');
        }
    }
    out.push_back('`');
    return out;
}

std::string quote_table(std::string_view schema, std::string_view name) {
    return quote_ident(schema) + "." + quote_ident(name);
}

Result<Connection> Connection::connect(const Url& url, std::string_view purpose, Options options) {
    MysqlPtr conn{mysql_init(nullptr)};
    if (!conn) {
        return Status::error(Errc::Transient, std::string(purpose) + ": out of memory creating a connection");
    }
    const unsigned connect_timeout = 10;
    mysql_optionsv(conn.get(), MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    if (options.read_timeout_s != 0) {
        mysql_optionsv(conn.get(), MYSQL_OPT_READ_TIMEOUT, &options.read_timeout_s);
        mysql_optionsv(conn.get(), MYSQL_OPT_WRITE_TIMEOUT, &options.read_timeout_s);
    }
    mysql_optionsv(conn.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const std::string program = "ferry " + std::string(purpose);
    mysql_optionsv(conn.get(), MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", program.c_str());
    const unsigned long flags = (options.multi_statements ? CLIENT_MULTI_STATEMENTS : 0UL)
                                | (options.found_rows ? CLIENT_FOUND_ROWS : 0UL);
    if (mysql_real_connect(conn.get(), url.host.c_str(), url.user.c_str(), url.password.c_str(),
                           url.database.empty() ? nullptr : url.database.c_str(), url.port, nullptr, flags)
        == nullptr) {
        const unsigned err = mysql_errno(conn.get());
        const Errc code = err == ER_ACCESS_DENIED_ERROR || err == ER_DBACCESS_DENIED_ERROR || err == ER_BAD_DB_ERROR
                              ? Errc::Fatal
                              : Errc::Transient;
        return Status::error(code, std::string(purpose) + ": cannot connect to " + describe_url(url) + ": "
                                       + mysql_error(conn.get()));
    }
    Connection c(std::move(conn));
    if (Status st = c.run(kSessionSetup, purpose); !st.ok()) {
        return st;
    }
    return c;
}

Status Connection::last_error(std::string_view what) const {
    const unsigned err = mysql_errno(conn_.get());
    return Status::error(classify_errno(err),
                         std::string(what) + ": " + safe_message(conn_.get()) + " (error " + std::to_string(err) + ")");
}

Status statement_error(MYSQL_STMT* stmt, std::string_view what) {
    const unsigned err = mysql_stmt_errno(stmt);
    return Status::error(classify_errno(err), std::string(what) + ": "
                                                  + safe_message(mysql_stmt_error(stmt), mysql_stmt_sqlstate(stmt))
                                                  + " (error " + std::to_string(err) + ")");
}

bool Connection::is_mariadb() const { return mariadb_connection(conn_.get()) != 0; }

unsigned long Connection::server_version() const { return mysql_get_server_version(conn_.get()); }

bool Connection::supports_bulk() const {
    unsigned long extended = 0;
    if (mariadb_get_infov(conn_.get(), MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &extended) != 0) {
        return false;
    }
    return is_mariadb() && (extended & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32U)) != 0;
}

Status Connection::run(const std::string& sql, std::string_view what) {
    if (mysql_real_query(conn_.get(), sql.data(), sql.size()) != 0) {
        return last_error(what);
    }
    // Drain every result (a statement may return one; multi-statements return several).
    do {
        ResultPtr res{mysql_store_result(conn_.get())};
        if (!res && mysql_field_count(conn_.get()) != 0) {
            return last_error(what);
        }
    } while (mysql_next_result(conn_.get()) == 0);
    if (mysql_errno(conn_.get()) != 0) {
        return last_error(what);
    }
    return {};
}

Result<std::vector<Row>> Connection::query(const std::string& sql, std::string_view what) {
    if (mysql_real_query(conn_.get(), sql.data(), sql.size()) != 0) {
        return last_error(what);
    }
    ResultPtr res{mysql_store_result(conn_.get())};
    if (!res) {
        if (mysql_field_count(conn_.get()) != 0) {
            return last_error(what);
        }
        return std::vector<Row>{};
    }
    const unsigned ncols = mysql_num_fields(res.get());
    std::vector<Row> rows;
    rows.reserve(mysql_num_rows(res.get()));
    while (MYSQL_ROW r = mysql_fetch_row(res.get())) {
        const unsigned long* lengths = mysql_fetch_lengths(res.get());
        Row row(ncols);
        for (unsigned i = 0; i < ncols; ++i) {
            if (r[i] != nullptr) {
                row[i] = std::string(r[i], lengths[i]);
            }
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

Result<std::optional<Row>> Connection::query_row(const std::string& sql, std::string_view what) {
    auto rows = query(sql, what);
    if (!rows.ok()) {
        return rows.status();
    }
    if (rows.value().empty()) {
        return std::optional<Row>{};
    }
    return std::optional<Row>{std::move(rows.value().front())};
}

std::string Connection::literal(std::string_view value) const {
    std::string out(value.size() * 2 + 3, '\0');
    out[0] = '\'';
    const auto n = mysql_real_escape_string(conn_.get(), out.data() + 1, value.data(), value.size());
    out.resize(n + 1);
    out.push_back('\'');
    return out;
}

}  // namespace ferry::my
