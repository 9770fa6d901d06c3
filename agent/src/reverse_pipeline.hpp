// `ferry cutover --reverse`: replication back from the new database (the pipeline's target) to the
// old one (its source), so that the old database stays an up-to-date rollback option after the
// switch. The reverse is a pipeline of its own, `<name>_reverse` (`reverse_of: <name>`, `snapshot:
// never`): its config is written next to the forward one (the URLs as written there, ${VAR}s kept)
// and `ferry run` is started on it, while the source is frozen and the two databases are equal,
// so its stream starts exactly at the switch. Its applier marks what it writes (PostgreSQL: a
// replication origin; MariaDB: a session server_id) so that the forward pipeline's capture passes
// it over; the old source stays read-only for applications, the reverse's sessions write anyway.
#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>

#include "config.hpp"
#include "ferry/core/status.hpp"

namespace ferry::agent {

struct ReverseRun {
    std::string config_path;
    std::string log_path;
    pid_t pid = 0;
};

// Before anything is frozen: the target can be captured (PostgreSQL: wal_level=logical, replication
// rights; MariaDB/MySQL: the binlog settings), the source can take the reverse's marked writes while
// read-only, and no earlier reverse's state or slot is in the way.
Status check_reverse(const Config& config);

// Writes the reverse's config and starts `ferry run` on it in a process of its own (its output to
// a log file beside the config); returns once the reverse stream's start is durable, within `limit`.
Result<ReverseRun> start_reverse(const Config& config, const std::string& config_path, std::chrono::seconds limit);

}  // namespace ferry::agent
