// A thin owning layer over libpq shared by capture/ and apply/ (linked PRIVATE by both; never part
// of their public headers). Classifies server errors once, near the call, and keeps row data out of
// messages: only the primary message and SQLSTATE are reported, and for data errors (classes 22, 23)
// only the part before the first ':' (the rest quotes the offending value).
//
// Not thread-safe: a Connection belongs to one thread.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/c_handle.hpp"
#include "ferry/core/status.hpp"

namespace ferry::pq {

using ConnPtr = std::unique_ptr<PGconn, CDeleter<&PQfinish>>;
using ResultPtr = std::unique_ptr<PGresult, CDeleter<&PQclear>>;
using CopyBufferPtr = std::unique_ptr<char, CDeleter<&PQfreemem>>;

// Session settings applied to every connection so that the text form of every value is exact and
// reads back identically on the other side (ISO dates, UTC, shortest-exact floats, hex bytea).
inline constexpr char kSessionOptions[] =
    "-c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=3 -c TimeZone=UTC -c bytea_output=hex "
    "-c client_encoding=UTF8";

enum class Mode : std::uint8_t { Normal, Replication };

// Returns an empty string when `conninfo` parses (URI or key=value), else libpq's reason.
std::string check_conninfo(const std::string& conninfo);
// host:port/dbname for logs: never the user's password.
std::string describe_conninfo(const std::string& conninfo);
// The database a connection string names (libpq's default: the user's name); "" if it names neither.
std::string conninfo_database(const std::string& conninfo);

class Connection {
public:
    // `purpose` names the connection in errors and in pg_stat_activity.application_name.
    static Result<Connection> connect(const std::string& conninfo, Mode mode, std::string_view purpose);
    // A Normal session that writes whatever the database's default says (a database kept read-only
    // for applications: a frozen source during cutover, the old source its reverse writes into).
    static Result<Connection> connect_writable(const std::string& conninfo, std::string_view purpose);

    PGconn* get() const { return conn_.get(); }
    bool is_ok() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

    Result<ResultPtr> exec(const std::string& sql, std::string_view what);
    Result<ResultPtr> exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                                  std::string_view what);
    Status run(const std::string& sql, std::string_view what);  // exec and drop the result

    // Classifies the outcome of a result obtained on this connection; OK for success statuses.
    Status check(const PGresult* res, std::string_view what) const;

private:
    explicit Connection(ConnPtr conn) : conn_(std::move(conn)) {}
    ConnPtr conn_;
};

// Errc for a SQLSTATE (class 08 and shutdown/serialization -> Transient, else Fatal).
Errc classify_sqlstate(std::string_view sqlstate);
// Message without row data, prefixed with `what`.
std::string safe_error_message(const PGresult* res, const PGconn* conn, std::string_view what);

// libpq's paramValues for text-format parameters: nullptr for SQL NULL. Points into `params`.
std::vector<const char*> param_values(const std::vector<std::optional<std::string>>& params);

// Field accessors that tolerate NULL.
inline std::string field(const PGresult* res, int row, int col) {
    return PQgetisnull(res, row, col) != 0 ? std::string() : std::string(PQgetvalue(res, row, col));
}
inline bool is_null(const PGresult* res, int row, int col) { return PQgetisnull(res, row, col) != 0; }

}  // namespace ferry::pq
