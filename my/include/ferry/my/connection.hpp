// A thin owning layer over MariaDB Connector/C (libmariadb) shared by capture/ and apply/ (linked
// PRIVATE by both; never part of their public headers). Works with MariaDB and MySQL servers.
// Classifies server errors once, near the call, and keeps row data out of messages: for data errors
// (SQLSTATE classes 22 and 23) only the part before the first quote is kept (the rest quotes the
// offending value).
//
// Every session is set up the same way: utf8mb4, time_zone '+00:00' (TIMESTAMP values read and
// written in UTC), strict mode, zero dates allowed, explicit 0 kept in AUTO_INCREMENT columns.
//
// Not thread-safe: a Connection belongs to one thread.
#pragma once

#include <mysql.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/c_handle.hpp"
#include "ferry/core/status.hpp"

namespace ferry::my {

using MysqlPtr = std::unique_ptr<MYSQL, CDeleter<&mysql_close>>;
using ResultPtr = std::unique_ptr<MYSQL_RES, CDeleter<&mysql_free_result>>;
using StmtPtr = std::unique_ptr<MYSQL_STMT, CDeleter<&mysql_stmt_close>>;

// mysql://user:password@host:port/database  (user and password percent-decoded; port 3306 by
// default; host "localhost" means 127.0.0.1, never a socket guess).
struct Url {
    std::string user;
    std::string password;
    std::string host = "127.0.0.1";
    unsigned port = 3306;
    std::string database;
};
// Errc::InvalidConfig with the reason when `url` is not a valid mysql:// URL.
Result<Url> parse_url(std::string_view url);
// host:port/database for logs: never the password.
std::string describe_url(const Url& url);

using Row = std::vector<std::optional<std::string>>;
// Field `i` of a row; "" for NULL or a missing column.
inline std::string field(const Row& row, std::size_t i) { return i < row.size() && row[i] ? *row[i] : std::string(); }

class Connection {
public:
    struct Options {
        unsigned read_timeout_s = 0;  // 0: the library's default
        bool multi_statements = false;
        // UPDATE reports the rows it matched, not the rows it changed (to notice a missing row).
        bool found_rows = false;
    };
    // `purpose` names the connection in errors and in the server's program_name attribute.
    static Result<Connection> connect(const Url& url, std::string_view purpose, Options options);
    static Result<Connection> connect(const Url& url, std::string_view purpose) { return connect(url, purpose, {}); }

    MYSQL* get() const { return conn_.get(); }

    Status run(const std::string& sql, std::string_view what);
    // Runs a query and returns every row (for catalog-sized results).
    Result<std::vector<Row>> query(const std::string& sql, std::string_view what);
    // The first row of a query, or nullopt when it returned none.
    Result<std::optional<Row>> query_row(const std::string& sql, std::string_view what);

    // The last error on this connection, classified, as "what: message (errno)".
    Status last_error(std::string_view what) const;
    // A quoted string literal for this connection's character set.
    std::string literal(std::string_view value) const;

    bool is_mariadb() const;
    unsigned long server_version() const;  // e.g. 101106 for 10.11.6
    // The server executes a statement for an array of parameter rows in one round trip
    // (MariaDB's COM_STMT_BULK_EXECUTE).
    bool supports_bulk() const;

private:
    explicit Connection(MysqlPtr conn) : conn_(std::move(conn)) {}
    MysqlPtr conn_;
};

// The last error of a prepared statement, classified like Connection::last_error.
Status statement_error(MYSQL_STMT* stmt, std::string_view what);

// Errc for a client or server error number: lost connections, server shutdown, deadlocks and lock
// waits are Transient; everything else is Fatal.
Errc classify_errno(unsigned err);
// Server error numbers that say a requested binlog position is gone (purged or never existed).
bool is_binlog_gone(unsigned err);

// `name` in backticks, a backtick inside doubled.
std::string quote_ident(std::string_view name);
std::string quote_table(std::string_view schema, std::string_view name);

}  // namespace ferry::my
