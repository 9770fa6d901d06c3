// The pipeline configuration file (YAML): parsing, ${VAR} substitution and validation.
// The contract is in shared/design.md ("Configuration file"); unknown keys are errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ferry/apply/kafka_apply.hpp"
#include "ferry/core/names.hpp"

namespace ferry::agent {

enum class SnapshotMode { Initial, Never, Only };

struct Config {
    std::string name;
    struct {
        std::string type;
        std::string url;
        std::vector<TablePattern> tables;
        std::uint32_t server_id = 0;  // mysql: replica server_id (0: derived from the name)
    } source;
    struct {
        std::string type;
        std::string url;             // postgres, mysql
        apply::KafkaTargetConfig kafka;  // kafka (source_database, source_types: from the source)
    } target;
    SnapshotMode snapshot = SnapshotMode::Initial;
    std::string state_dir;
    // Extensions beyond the base contract.
    std::size_t snapshot_jobs = 2;         // tables copied in parallel
    std::size_t batch_transactions = 1000;  // most source transactions per target transaction
    // A table read in key ranges commits a resumable checkpoint at most this often (0: every range).
    std::size_t snapshot_checkpoint_seconds = 10;
    std::string log_level = "info";
    // This pipeline replicates back the changes made at the target of pipeline `reverse_of` (written
    // by `ferry cutover --reverse`): its applier marks what it applies with reverse_origin(), which
    // that pipeline's capture passes over, so that nothing goes round in a loop.
    std::string reverse_of;
    // The HTTP listener for /metrics, /healthz and /readyz; none when host is empty.
    struct {
        std::string host;
        std::uint16_t port = 0;  // 0: any free port (the log says which)
        double ready_max_lag_seconds = 60;  // /readyz fails above this lag
    } http;

    std::string slot_name() const { return "ferry_" + name; }
    // The replication origin of pipeline `forward`'s reverse.
    static std::string reverse_origin(const std::string& forward) { return "ferry reverse of " + forward; }
    // The server_id the sessions of pipeline `forward`'s reverse write under at a MariaDB server.
    static std::uint32_t reverse_server_id(const std::string& forward);
    std::string publication_name() const { return "ferry_" + name; }
    // The server_id Ferry registers with a MySQL/MariaDB source: configured, or a stable hash of the
    // pipeline name in [2^30, 2^31) (unlikely to collide with real replicas' small ids).
    std::uint32_t mysql_server_id() const;
};

// Every problem with the file, each naming the key; empty means `out` is valid.
std::vector<std::string> load_config(const std::string& path, Config& out);
// Same, from YAML text (tests).
std::vector<std::string> parse_config(const std::string& yaml_text, Config& out);

}  // namespace ferry::agent
