// What the MySQL/MariaDB loader and sink share with prepare_mysql_target: the connection set-up,
// the target's flavour, and the column check.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "ferry/apply/mysql_apply.hpp"
#include "ferry/my/connection.hpp"
#include "to_mysql.hpp"

namespace ferry::apply::mysql {

inline constexpr char kPositionTable[] = "`_ferry`.`applied_position`";
inline constexpr char kCheckpointTable[] = "`_ferry`.`snapshot_checkpoint`";

// A target connection: found_rows on (UPDATE reports matched rows), READ COMMITTED, and no
// foreign-key checks (the source checked them; rows arrive in source order, not FK order).
Result<my::Connection> connect_target(const MysqlTargetConfig& config, std::string_view purpose);

TargetFlavor flavor_of(const my::Connection& conn);

// The target table's column names.
Result<std::set<std::string>> column_names(my::Connection& conn, const TableId& table);

// Columns of `table` (translated) that the target table lacks, in table order.
Result<std::vector<const Column*>> missing_columns(my::Connection& conn, const TableSchema& table);

// ALTER TABLE ... ADD COLUMN for each of `columns`.
Status add_columns(my::Connection& conn, const TableSchema& table, const std::vector<const Column*>& columns);

}  // namespace ferry::apply::mysql
