// MySQL/MariaDB capture: server checks, table discovery, consistent snapshots with their binlog
// position, and the change stream (the binlog, read as a replica through MariaDB Connector/C's
// mariadb_rpl API and decoded by Ferry's own pure decoders).
//
// Every object owns its own connection and belongs to one thread. Factories return Errc::Transient
// when the server is unreachable and Errc::Fatal/SourceGone when the operator must act.
#pragma once

#include <cstdint>
#include <map>
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

// Empty when `url` is a valid mysql:// URL, else the reason.
std::string check_mysql_url(const std::string& url);
// host:port/database, for logs (never the password).
std::string describe_mysql_url(const std::string& url);

// The binlog files the server keeps, oldest first, with their sizes, and where it ends now.
struct BinlogFiles {
    std::vector<std::pair<std::string, std::uint64_t>> files;
    BinlogPosition end;
};
// Binlog bytes from `from` to the end of `files` (what a reader at `from` still has to read), or
// nullopt when `from`'s file is no longer among them (purged). Pure.
std::optional<std::uint64_t> binlog_bytes_after(const BinlogFiles& files, const BinlogPosition& from);

struct MysqlSourceConfig {
    std::string url;
    std::uint32_t server_id = 0;  // the replica id Ferry registers with; unique among the server's replicas
    std::vector<TablePattern> tables;
    std::size_t max_batch_changes = 2000;  // changes per ChangeBatch event
    // Snapshot readers move to a newer snapshot between tables and key ranges (no long metadata
    // locks; the stream converges the rows). false: each reader stays in one snapshot, for copies no
    // stream follows (snapshot: only).
    bool renew_snapshots = true;
    // Row events written under this server_id are passed over: what this pipeline's reverse applied
    // at the source (its sessions set it), which must not come back. 0: none.
    std::uint32_t skip_server_id = 0;
};

class MysqlCatalog {
public:
    static Result<std::unique_ptr<MysqlCatalog>> connect(const MysqlSourceConfig& config, LoggerPtr log);
    virtual ~MysqlCatalog() = default;

    // log_bin, binlog_format=ROW, binlog_row_image=FULL, binlog_row_metadata=FULL, privileges:
    // Errc::Fatal naming the setting and the fix.
    virtual Status check_server() = 0;
    // Errc::InvalidConfig listing unknown tables; tables in engines without consistent snapshots.
    virtual Result<SourceCatalog> resolve_tables() = 0;
    // What identifies the server (MySQL server_uuid; MariaDB server_id), recorded in the state.
    virtual Result<std::string> server_identity() = 0;
    // The end of the binlog now, with the GTID state there.
    virtual Result<BinlogPosition> current_position() = 0;
    // Errc::SourceGone when the binlog at `position` is no longer on the server (purged), or when
    // the server's GTID state there differs from the recorded one (a different server or a reset).
    virtual Status check_position(const BinlogPosition& position) = 0;
    virtual Result<std::uint64_t> estimate_rows(const TableId& table) = 0;
    virtual Result<BinlogFiles> binlog_files() = 0;
};

// A reader inside its own consistent snapshot; it sees every transaction before `position` and
// none at or after it.
struct MysqlSnapshot {
    std::unique_ptr<SnapshotReader> reader;
    BinlogPosition position;
};
Result<MysqlSnapshot> open_mysql_snapshot(const MysqlSourceConfig& config);

// What the stream knows about its tables beyond their schemas.
struct MysqlStreamScope {
    // The catalog that listed the tables was read after this position: a table that starts to match
    // source.tables later (CREATE TABLE, RENAME TABLE) is not among them, and the stream stops with a
    // retryable error so that the catalog is read again and the table copied. Earlier such
    // statements concern tables that are gone again.
    std::optional<BinlogPosition> catalog_read_after;
    // Tables whose schema comes from the catalog, as of their copy's snapshot: their events before
    // that position are left out (the copy holds their effect), DDL included.
    std::map<TableId, BinlogPosition> schema_valid_from;
};

// Streams the binlog from `start` (a transaction boundary: the end of the last applied transaction).
Result<std::unique_ptr<ChangeSource>> open_mysql_change_source(const MysqlSourceConfig& config,
                                                               const BinlogPosition& start,
                                                               const std::vector<TableSchema>& tables,
                                                               const MysqlStreamScope& scope, LoggerPtr log);

}  // namespace ferry::capture
