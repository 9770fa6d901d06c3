#include "target_session.hpp"

namespace ferry::apply {

Status mark_replication_origin(pq::Connection& conn, const std::string& origin) {
    for (const char* sql : {"SELECT pg_replication_origin_create($1) WHERE NOT EXISTS "
                            "(SELECT FROM pg_replication_origin WHERE roname = $1)",
                            "SELECT pg_replication_origin_session_setup($1)"}) {
        auto res = conn.exec_params(sql, {origin}, "marking the session with its replication origin");
        if (!res.ok()) {
            return Status::error(res.status().code(), res.status().message()
                                                          + " (the target user must be a superuser, or have EXECUTE on "
                                                            "pg_replication_origin_create and pg_replication_origin_session_setup)");
        }
    }
    return {};
}

}  // namespace ferry::apply
