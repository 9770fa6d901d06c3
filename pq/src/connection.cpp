#include "ferry/pq/connection.hpp"

#include <array>

namespace ferry::pq {

namespace {
using ConninfoPtr = std::unique_ptr<PQconninfoOption, CDeleter<&PQconninfoFree>>;

ConninfoPtr parse(const std::string& conninfo, std::string* error) {
    char* err = nullptr;
    ConninfoPtr opts{PQconninfoParse(conninfo.c_str(), &err)};
    if (err != nullptr) {
        if (error != nullptr) {
            *error = err;
            while (!error->empty() && error->back() == '\n') {
                error->pop_back();
            }
        }
        PQfreemem(err);
    }
    return opts;
}

std::string option_value(const PQconninfoOption* opts, std::string_view key) {
    for (const auto* o = opts; o != nullptr && o->keyword != nullptr; ++o) {
        if (key == o->keyword && o->val != nullptr) {
            return o->val;
        }
    }
    return {};
}
}  // namespace

std::string check_conninfo(const std::string& conninfo) {
    std::string error;
    auto opts = parse(conninfo, &error);
    if (!opts) {
        return error.empty() ? "unparseable connection string" : error;
    }
    return {};
}

std::string describe_conninfo(const std::string& conninfo) {
    auto opts = parse(conninfo, nullptr);
    if (!opts) {
        return "(unparseable connection string)";
    }
    std::string host = option_value(opts.get(), "host");
    std::string port = option_value(opts.get(), "port");
    std::string db = option_value(opts.get(), "dbname");
    return (host.empty() ? "localhost" : host) + ":" + (port.empty() ? "5432" : port) + "/" + db;
}

std::string conninfo_database(const std::string& conninfo) {
    auto opts = parse(conninfo, nullptr);
    if (!opts) {
        return {};
    }
    std::string db = option_value(opts.get(), "dbname");
    return db.empty() ? option_value(opts.get(), "user") : db;
}

Result<Connection> Connection::connect_writable(const std::string& conninfo, std::string_view purpose) {
    auto conn = connect(conninfo, Mode::Normal, purpose);
    if (!conn.ok()) {
        return conn.status();
    }
    if (Status st = conn.value().run("SET default_transaction_read_only = off", "setting up the session"); !st.ok()) {
        return st;
    }
    return conn;
}

Result<Connection> Connection::connect(const std::string& conninfo, Mode mode, std::string_view purpose) {
    auto opts = parse(conninfo, nullptr);
    std::string options = kSessionOptions;
    if (opts) {
        const std::string user_options = option_value(opts.get(), "options");
        if (!user_options.empty()) {
            options = user_options + " " + options;
        }
    }
    const std::string app = "ferry " + std::string(purpose);
    std::array<const char*, 6> keys{"dbname", "options", "application_name", nullptr, nullptr, nullptr};
    std::array<const char*, 6> values{conninfo.c_str(), options.c_str(), app.c_str(), nullptr, nullptr, nullptr};
    if (mode == Mode::Replication) {
        keys[3] = "replication";
        values[3] = "database";
    }
    ConnPtr conn{PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1)};
    if (!conn) {
        return Status::error(Errc::Transient, std::string(purpose) + ": out of memory creating a connection");
    }
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        std::string msg = PQerrorMessage(conn.get());
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
            msg.pop_back();
        }
        for (auto& c : msg) {
            if (c == '\n') {
                c = ' ';
            }
        }
        // Authentication and missing databases need the operator; anything else may be a restart.
        const bool fatal = msg.find("authentication") != std::string::npos || msg.find("does not exist") != std::string::npos
                           || msg.find("password") != std::string::npos || msg.find("no pg_hba.conf") != std::string::npos;
        return Status::error(fatal ? Errc::Fatal : Errc::Transient,
                             std::string(purpose) + ": cannot connect to " + describe_conninfo(conninfo) + ": " + msg);
    }
    // Server notices ("already exists, skipping") are not errors; libpq would print them to stderr.
    PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
    return Connection(std::move(conn));
}

Errc classify_sqlstate(std::string_view sqlstate) {
    if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03"
        || sqlstate == "40001" || sqlstate == "40P01" || sqlstate.starts_with("53") || sqlstate == "55006") {
        return Errc::Transient;
    }
    return Errc::Fatal;
}

std::string safe_error_message(const PGresult* res, const PGconn* conn, std::string_view what) {
    const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = primary != nullptr ? primary : PQerrorMessage(conn);
    const std::string sqlstate = state != nullptr ? state : "";
    if (sqlstate.starts_with("22") || sqlstate.starts_with("23")) {
        if (const auto colon = message.find(':'); colon != std::string::npos) {
            message.resize(colon);
        }
    }
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
    }
    for (auto& c : message) {
        if (c == '\n') {
            c = ' ';
        }
    }
    std::string out(what);
    out += ": ";
    out += message;
    if (!sqlstate.empty()) {
        out += " (SQLSTATE " + sqlstate + ")";
    }
    return out;
}

Status Connection::check(const PGresult* res, std::string_view what) const {
    const auto st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN || st == PGRES_COPY_OUT
        || st == PGRES_COPY_BOTH || st == PGRES_PIPELINE_SYNC) {
        return {};
    }
    const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const Errc code = (state == nullptr || PQstatus(conn_.get()) != CONNECTION_OK) ? Errc::Transient
                                                                                   : classify_sqlstate(state);
    return Status::error(code, safe_error_message(res, conn_.get(), what));
}

Result<ResultPtr> Connection::exec(const std::string& sql, std::string_view what) {
    ResultPtr res{PQexec(conn_.get(), sql.c_str())};
    if (Status st = check(res.get(), what); !st.ok()) {
        return st;
    }
    return res;
}

Result<ResultPtr> Connection::exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                                          std::string_view what) {
    const auto values = param_values(params);
    ResultPtr res{PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                               nullptr, 0)};
    if (Status st = check(res.get(), what); !st.ok()) {
        return st;
    }
    return res;
}

std::vector<const char*> param_values(const std::vector<std::optional<std::string>>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) {
        values.push_back(p ? p->c_str() : nullptr);
    }
    return values;
}

Status Connection::run(const std::string& sql, std::string_view what) {
    auto res = exec(sql, what);
    return res.ok() ? Status() : res.status();
}

}  // namespace ferry::pq
