// MySQL/MariaDB target: schema preparation, snapshot loading, and ordered change apply.
//
// As for PostgreSQL, the applied source position is written to `_ferry`.`applied_position` in the
// same target transaction as the changes (invariant 3). Statements run with every value bound, for
// many rows per round trip (MariaDB's bulk execution). Tables are created utf8mb4 with the binary
// collation, InnoDB, with the source's primary key. Every object owns its own connection and
// belongs to one thread.
#pragma once

#include <memory>
#include <string>

#include "ferry/core/event.hpp"
#include "ferry/core/ports.hpp"
#include "ferry/core/status.hpp"

namespace spdlog {
class logger;
}

namespace ferry::apply {

struct MysqlTargetConfig {
    std::string url;       // mysql://user:password@host:port/
    std::string pipeline;  // key of this pipeline's row in _ferry.applied_position
    std::size_t batch_bytes = 4U << 20U;  // values per bulk execution, at most
    // Sessions write under this server_id (SET SESSION server_id, MariaDB), so that a capture of
    // this server's binlog can tell their transactions from the application's; 0: the server's own.
    std::uint32_t session_server_id = 0;
};

// "" when `url` is a valid mysql:// URL, else why not.
std::string check_mysql_target_url(const std::string& url);
std::string describe_mysql_target(const std::string& url);

// Creates missing databases (one per source schema) and tables, and `_ferry`.`applied_position`.
// Existing tables are used as they are, but must have every column.
Status prepare_mysql_target(const MysqlTargetConfig& config, const SourceCatalog& catalog,
                            std::shared_ptr<spdlog::logger> log);

// Loads whole tables: begin_table empties the table, rows go in with bulk INSERTs in one
// transaction, finish_table commits it.
Result<std::unique_ptr<SnapshotLoader>> open_mysql_snapshot_loader(const MysqlTargetConfig& config,
                                                                   const SourceCatalog& catalog);

// Applies changes; several source transactions share one target transaction.
Result<std::unique_ptr<ChangeSink>> open_mysql_change_sink(const MysqlTargetConfig& config, const SourceCatalog& catalog,
                                                           std::shared_ptr<spdlog::logger> log);

Status forget_mysql_applied_position(const MysqlTargetConfig& config);
// Drops these columns of a target table where it has them (source columns the source dropped).
Status drop_mysql_target_columns(const MysqlTargetConfig& config, const TableId& table,
                                 const std::vector<std::string>& columns);

}  // namespace ferry::apply
