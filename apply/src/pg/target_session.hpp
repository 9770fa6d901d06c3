// Sessions at a PostgreSQL target (opened with pq::Connection::connect_writable: the target may be
// a database kept read-only for applications, the old source after `ferry cutover --reverse`).
#pragma once

#include <string>
#include <string_view>

#include "ferry/pq/connection.hpp"

namespace ferry::apply {

// Marks the session's transactions with replication origin `origin`, created when missing (needs a
// superuser, or EXECUTE on the pg_replication_origin_* functions).
Status mark_replication_origin(pq::Connection& conn, const std::string& origin);

}  // namespace ferry::apply
