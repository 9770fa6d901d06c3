#include "pgoutput.hpp"

#include <chrono>

#include "byte_reader.hpp"

namespace ferry::capture::pg {

namespace {
// Sanity bounds on counts read from the wire (PostgreSQL's own limits).
constexpr std::uint16_t kMaxColumns = 1664;
constexpr std::uint32_t kMaxTruncateRelations = 1U << 20U;
// Seconds between 1970-01-01 and 2000-01-01.
constexpr std::int64_t kPgEpochOffsetSeconds = 946684800;

Status truncated(std::string_view what) {
    return Status::error(Errc::Corruption, "truncated or malformed pgoutput " + std::string(what) + " message");
}

bool read_tuple(ByteReader& r, Tuple& out) {
    std::uint16_t ncols = 0;
    if (!r.u16(ncols) || ncols > kMaxColumns) {
        return false;
    }
    out.resize(ncols);
    for (auto& value : out) {
        std::uint8_t kind = 0;
        if (!r.u8(kind)) {
            return false;
        }
        switch (kind) {
            case 'n': value.kind = TupleValue::Kind::Null; break;
            case 'u': value.kind = TupleValue::Kind::Unchanged; break;
            case 't':
            case 'b': {
                value.kind = kind == 't' ? TupleValue::Kind::Text : TupleValue::Kind::Binary;
                std::int32_t len = 0;
                if (!r.i32(len) || len < 0 || !r.bytes(static_cast<std::size_t>(len), value.data)) {
                    return false;
                }
                break;
            }
            default: return false;
        }
    }
    return true;
}

Result<PgoutputMessage> decode_relation(ByteReader& r) {
    RelationMsg m;
    std::uint8_t identity = 0;
    std::uint16_t ncols = 0;
    if (!r.u32(m.relid) || !r.cstring(m.schema) || !r.cstring(m.name) || !r.u8(identity) || !r.u16(ncols)
        || ncols > kMaxColumns) {
        return truncated("Relation");
    }
    m.replica_identity = static_cast<char>(identity);
    m.columns.resize(ncols);
    for (auto& c : m.columns) {
        std::uint8_t flags = 0;
        if (!r.u8(flags) || !r.cstring(c.name) || !r.u32(c.type_oid) || !r.i32(c.type_modifier)) {
            return truncated("Relation");
        }
        c.is_key = (flags & 1U) != 0;
    }
    return PgoutputMessage{std::move(m)};
}

Result<PgoutputMessage> decode_update(ByteReader& r) {
    UpdateMsg m;
    std::uint8_t kind = 0;
    if (!r.u32(m.relid) || !r.u8(kind)) {
        return truncated("Update");
    }
    if (kind == 'K' || kind == 'O') {
        m.old_kind = static_cast<char>(kind);
        if (!read_tuple(r, m.old_tuple) || !r.u8(kind)) {
            return truncated("Update");
        }
    }
    if (kind != 'N' || !read_tuple(r, m.new_tuple)) {
        return truncated("Update");
    }
    return PgoutputMessage{std::move(m)};
}

Result<PgoutputMessage> decode_truncate(ByteReader& r) {
    TruncateMsg m;
    std::uint32_t nrels = 0;
    std::uint8_t options = 0;
    if (!r.u32(nrels) || nrels > kMaxTruncateRelations || !r.u8(options) || r.remaining() < nrels * 4ULL) {
        return truncated("Truncate");
    }
    m.cascade = (options & 1U) != 0;
    m.restart_identity = (options & 2U) != 0;
    m.relids.resize(nrels);
    for (auto& id : m.relids) {
        if (!r.u32(id)) {
            return truncated("Truncate");
        }
    }
    return PgoutputMessage{std::move(m)};
}

Result<PgoutputMessage> decode_message(ByteReader& r) {
    LogicalMessageMsg m;
    std::uint8_t flags = 0;
    std::int32_t len = 0;
    if (!r.u8(flags) || !r.u64(m.lsn) || !r.cstring(m.prefix) || !r.i32(len) || len < 0
        || !r.bytes(static_cast<std::size_t>(len), m.content)) {
        return truncated("Message");
    }
    m.transactional = (flags & 1U) != 0;
    return PgoutputMessage{std::move(m)};
}
}  // namespace

Result<CopyMessage> decode_copy_message(std::span<const std::byte> in) {
    ByteReader r(in);
    std::uint8_t kind = 0;
    if (!r.u8(kind)) {
        return Status::error(Errc::Corruption, "empty replication CopyData message");
    }
    if (kind == 'w') {
        XLogData m;
        if (!r.u64(m.wal_start) || !r.u64(m.wal_end) || !r.i64(m.send_time)) {
            return Status::error(Errc::Corruption, "truncated XLogData header");
        }
        m.payload = r.rest();
        return CopyMessage{m};
    }
    if (kind == 'k') {
        PrimaryKeepalive m;
        std::uint8_t reply = 0;
        if (!r.u64(m.wal_end) || !r.i64(m.send_time) || !r.u8(reply)) {
            return Status::error(Errc::Corruption, "truncated primary keepalive message");
        }
        m.reply_requested = reply != 0;
        return CopyMessage{m};
    }
    return Status::error(Errc::Corruption, "unknown replication CopyData message type");
}

std::string encode_standby_status(std::uint64_t written, std::uint64_t flushed, std::uint64_t applied,
                                  std::int64_t now_pg_micros, bool reply_requested) {
    std::string out;
    out.reserve(34);
    out.push_back('r');
    const auto put64 = [&out](std::uint64_t v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((v >> static_cast<unsigned>(shift)) & 0xFFU));
        }
    };
    put64(written);
    put64(flushed);
    put64(applied);
    put64(static_cast<std::uint64_t>(now_pg_micros));
    out.push_back(reply_requested ? 1 : 0);
    return out;
}

std::int64_t pg_now_micros() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::microseconds>(now).count() - kPgEpochOffsetSeconds * 1000000;
}

Result<PgoutputMessage> decode_pgoutput(std::span<const std::byte> in) {
    ByteReader r(in);
    std::uint8_t kind = 0;
    if (!r.u8(kind)) {
        return Status::error(Errc::Corruption, "empty pgoutput message");
    }
    switch (kind) {
        case 'B': {
            BeginMsg m;
            if (!r.u64(m.final_lsn) || !r.i64(m.commit_time) || !r.u32(m.xid)) {
                return truncated("Begin");
            }
            return PgoutputMessage{m};
        }
        case 'C': {
            CommitMsg m;
            if (!r.u8(m.flags) || !r.u64(m.commit_lsn) || !r.u64(m.end_lsn) || !r.i64(m.commit_time)) {
                return truncated("Commit");
            }
            return PgoutputMessage{m};
        }
        case 'O': {
            OriginMsg m;
            if (!r.u64(m.commit_lsn) || !r.cstring(m.name)) {
                return truncated("Origin");
            }
            return PgoutputMessage{std::move(m)};
        }
        case 'R': return decode_relation(r);
        case 'Y': {
            TypeMsg m;
            if (!r.u32(m.oid) || !r.cstring(m.schema) || !r.cstring(m.name)) {
                return truncated("Type");
            }
            return PgoutputMessage{std::move(m)};
        }
        case 'I': {
            InsertMsg m;
            std::uint8_t marker = 0;
            if (!r.u32(m.relid) || !r.u8(marker) || marker != 'N' || !read_tuple(r, m.new_tuple)) {
                return truncated("Insert");
            }
            return PgoutputMessage{std::move(m)};
        }
        case 'U': return decode_update(r);
        case 'D': {
            DeleteMsg m;
            std::uint8_t marker = 0;
            if (!r.u32(m.relid) || !r.u8(marker) || (marker != 'K' && marker != 'O') || !read_tuple(r, m.old_tuple)) {
                return truncated("Delete");
            }
            m.old_kind = static_cast<char>(marker);
            return PgoutputMessage{std::move(m)};
        }
        case 'T': return decode_truncate(r);
        case 'M': return decode_message(r);
        default:
            return Status::error(Errc::Unsupported,
                                 "pgoutput message type '" + std::string(1, static_cast<char>(kind))
                                     + "' is not part of protocol version 1");
    }
}

}  // namespace ferry::capture::pg
