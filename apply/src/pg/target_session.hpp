// Sessions at a PostgreSQL target.
#pragma once

#include <string>
#include <string_view>

#include "ferry/pq/connection.hpp"

namespace ferry::apply {

// A session that writes whatever the database's default says: the target may be a database kept
// read-only for applications (the old source after `ferry cutover --reverse`, a rollback copy).
Result<pq::Connection> connect_target(const std::string& conninfo, std::string_view purpose);

// Marks the session's transactions with replication origin `origin`, created when missing (needs a
// superuser, or EXECUTE on the pg_replication_origin_* functions).
Status mark_replication_origin(pq::Connection& conn, const std::string& origin);

}  // namespace ferry::apply
