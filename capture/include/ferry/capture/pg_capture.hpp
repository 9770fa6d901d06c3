// PostgreSQL capture: catalog checks, the publication and slot, snapshot export and readers, and the
// change stream (pgoutput over the streaming replication protocol).
//
// Every object here owns its own libpq connection and belongs to one thread. Factories connect and
// return Errc::Transient when the server is unreachable, Errc::Fatal when the operator must act.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/names.hpp"
#include "ferry/core/ports.hpp"
#include "ferry/core/status.hpp"

namespace spdlog {
class logger;
}

namespace ferry::capture {

using LoggerPtr = std::shared_ptr<spdlog::logger>;

// Empty when `url` is a valid libpq URI or key=value connection string, else libpq's reason.
std::string check_pg_url(const std::string& url);
// host:port/dbname of a connection string, for logs (never the password).
std::string describe_pg_url(const std::string& url);
// The database a connection string names ("" if none).
std::string pg_url_database(const std::string& url);

struct PgSourceConfig {
    std::string conninfo;
    std::string slot_name;
    std::string publication_name;
    std::vector<TablePattern> tables;
    std::chrono::milliseconds feedback_interval{1000};
    std::size_t max_batch_changes = 2000;  // changes per ChangeBatch event
    // Transactions replayed under this replication origin are passed over (their Begin and Commit
    // still come, empty): what this pipeline's reverse applied at the source, which must not come back.
    std::string skip_origin{};
};

struct SlotInfo {
    bool exists = false;
    std::string plugin;
    std::string database;
    PgLsn confirmed_flush;
    PgLsn restart;  // the oldest WAL the slot keeps
    std::string wal_status;  // reserved | extended | unreserved | lost
    bool is_active = false;
};

// A normal (non-replication) connection for catalog queries and startup checks.
class PgCatalog {
public:
    static Result<std::unique_ptr<PgCatalog>> connect(const PgSourceConfig& config, LoggerPtr log);
    virtual ~PgCatalog() = default;

    // wal_level, replication privilege: Errc::Fatal with the fix when something is wrong.
    virtual Status check_server() = 0;
    // Resolves the configured patterns; Errc::InvalidConfig listing every unknown table, and every
    // table that has neither a primary key nor REPLICA IDENTITY FULL/INDEX, with the fix.
    virtual Result<SourceCatalog> resolve_tables() = 0;
    virtual Result<bool> publication_exists() = 0;
    // Creates the publication for exactly these tables, or adds the missing ones to it.
    virtual Status ensure_publication(const std::vector<TableSchema>& tables) = 0;
    virtual Result<SlotInfo> slot_info() = 0;
    virtual Status drop_slot() = 0;
    virtual Result<PgLsn> current_wal_lsn() = 0;
    virtual Result<std::uint64_t> estimate_rows(const TableId& table) = 0;
};

struct ExportedSnapshot {
    PgLsn consistent_point;    // changes committed at or after this are in the stream, not the snapshot
    std::string snapshot_name;  // for SET TRANSACTION SNAPSHOT
    std::string system_identifier;
};

// A replication connection that created a slot with an exported snapshot. The snapshot lives only
// while this object does: keep it until every reader has imported it.
class SnapshotExporter {
public:
    // Creates the pipeline's slot (temporary == false) or a temporary slot that exists only for the
    // exporter's lifetime (temporary == true: a fresh snapshot for tables copied again after a crash).
    static Result<std::unique_ptr<SnapshotExporter>> create(const PgSourceConfig& config, bool temporary, LoggerPtr log);
    virtual ~SnapshotExporter() = default;
    virtual const ExportedSnapshot& snapshot() const = 0;
};

// A reader transaction inside an exported snapshot (REPEATABLE READ, READ ONLY).
Result<std::unique_ptr<SnapshotReader>> open_snapshot_reader(const PgSourceConfig& config,
                                                             const std::string& snapshot_name);

// IDENTIFY_SYSTEM's system identifier (to detect a different server at the same address).
Result<std::string> source_system_identifier(const PgSourceConfig& config);

// Streams changes from the slot, starting after `start` (the end of the last applied transaction).
// `tables` are the captured tables; changes of other relations are ignored.
Result<std::unique_ptr<ChangeSource>> open_change_source(const PgSourceConfig& config, PgLsn start,
                                                         const std::vector<TableSchema>& tables, LoggerPtr log);

}  // namespace ferry::capture
