// Binlog positions as the server reports them, shared by the catalog and the snapshot readers.
#pragma once

#include <string>

#include "ferry/core/event.hpp"
#include "ferry/my/connection.hpp"

namespace ferry::capture::mysql {

// Connects to the source for `purpose` without selecting the URL's database: every statement names
// its tables in full, and a DROP DATABASE of that database must not make reconnecting impossible.
Result<my::Connection> connect_source(std::string_view url, std::string_view purpose,
                                      my::Connection::Options options = {});

// Whether the connected server is MariaDB (its version string says so) rather than MySQL.
Result<bool> is_mariadb(my::Connection& conn);

// The end of the binlog now (SHOW MASTER STATUS) with the GTID state there: MariaDB's from
// BINLOG_GTID_POS, MySQL's Executed_Gtid_Set.
Result<BinlogPosition> master_status(my::Connection& conn, bool mariadb);

// MariaDB's GTID state at a binlog position (BINLOG_GTID_POS).
Result<std::string> gtid_at(my::Connection& conn, const std::string& file, std::uint64_t offset);

}  // namespace ferry::capture::mysql
