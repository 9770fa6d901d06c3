// Pure decoders for the PostgreSQL streaming replication protocol (CopyData messages) and the
// pgoutput logical replication messages, protocol version 1. No I/O; tested on recorded bytes.
// https://www.postgresql.org/docs/15/protocol-replication.html
// https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "ferry/core/status.hpp"

namespace ferry::capture::pg {

// CopyData payloads on the replication connection.
struct XLogData {
    std::uint64_t wal_start = 0;
    std::uint64_t wal_end = 0;
    std::int64_t send_time = 0;
    std::span<const std::byte> payload;  // a pgoutput message; points into the input
};
struct PrimaryKeepalive {
    std::uint64_t wal_end = 0;
    std::int64_t send_time = 0;
    bool reply_requested = false;
};
using CopyMessage = std::variant<XLogData, PrimaryKeepalive>;
Result<CopyMessage> decode_copy_message(std::span<const std::byte> in);

// Standby status update ('r'): written, flushed, applied positions and the client's clock.
std::string encode_standby_status(std::uint64_t written, std::uint64_t flushed, std::uint64_t applied,
                                  std::int64_t now_pg_micros, bool reply_requested);
// Microseconds since 2000-01-01 (PostgreSQL epoch) for the current time.
std::int64_t pg_now_micros();

// One column of a TupleData.
struct TupleValue {
    enum class Kind : char { Null = 'n', Unchanged = 'u', Text = 't', Binary = 'b' };
    Kind kind = Kind::Null;
    std::string data;
};
using Tuple = std::vector<TupleValue>;

struct BeginMsg {
    std::uint64_t final_lsn = 0;
    std::int64_t commit_time = 0;  // microseconds since 2000-01-01 UTC
    std::uint32_t xid = 0;
};
struct CommitMsg {
    std::uint8_t flags = 0;
    std::uint64_t commit_lsn = 0;
    std::uint64_t end_lsn = 0;
    std::int64_t commit_time = 0;
};
struct OriginMsg {
    std::uint64_t commit_lsn = 0;
    std::string name;
};
struct RelationColumn {
    bool is_key = false;
    std::string name;
    std::uint32_t type_oid = 0;
    std::int32_t type_modifier = -1;
};
struct RelationMsg {
    std::uint32_t relid = 0;
    std::string schema;
    std::string name;
    char replica_identity = 'd';
    std::vector<RelationColumn> columns;
};
struct TypeMsg {
    std::uint32_t oid = 0;
    std::string schema;
    std::string name;
};
struct InsertMsg {
    std::uint32_t relid = 0;
    Tuple new_tuple;
};
struct UpdateMsg {
    std::uint32_t relid = 0;
    char old_kind = 0;  // 0 (no old tuple), 'K' (key columns) or 'O' (whole old row)
    Tuple old_tuple;
    Tuple new_tuple;
};
struct DeleteMsg {
    std::uint32_t relid = 0;
    char old_kind = 'K';
    Tuple old_tuple;
};
struct TruncateMsg {
    bool cascade = false;
    bool restart_identity = false;
    std::vector<std::uint32_t> relids;
};
struct LogicalMessageMsg {
    bool transactional = false;
    std::uint64_t lsn = 0;
    std::string prefix;
    std::string content;
};

using PgoutputMessage = std::variant<BeginMsg, CommitMsg, OriginMsg, RelationMsg, TypeMsg, InsertMsg, UpdateMsg,
                                     DeleteMsg, TruncateMsg, LogicalMessageMsg>;

// Decodes one pgoutput message; Errc::Corruption for truncated or malformed input, Errc::Unsupported
// for message types of later protocol versions.
Result<PgoutputMessage> decode_pgoutput(std::span<const std::byte> in);

}  // namespace ferry::capture::pg
