#include "binlog_event.hpp"

#include <zlib.h>

#include <cstdio>

#include "le_reader.hpp"

namespace ferry::capture::mysql {

namespace {

constexpr std::size_t kChecksumSize = 4;
constexpr std::size_t kTableIdSize = 6;
constexpr std::size_t kServerVersionSize = 50;
constexpr std::uint64_t kMaxColumns = 4096;

Status corrupt(std::string_view what) { return Status::error(Errc::Corruption, "binlog event: " + std::string(what)); }

std::uint32_t crc_of(std::string_view bytes) {
    return static_cast<std::uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

bool read_bitmap(LeReader& r, std::uint64_t bits, std::vector<bool>& out) {
    std::string_view bytes;
    if (!r.bytes((bits + 7) / 8, bytes)) {
        return false;
    }
    out.resize(bits);
    for (std::uint64_t i = 0; i < bits; ++i) {
        out[i] = ((static_cast<std::uint8_t>(bytes[i / 8]) >> (i % 8)) & 1U) != 0;
    }
    return true;
}

// MariaDB's compressed payload: a header byte 0x80|n (zlib), n bytes of big-endian length, zlib data.
Result<std::string> uncompress_payload(std::string_view in) {
    if (in.empty() || (static_cast<std::uint8_t>(in[0]) & 0xE0U) != 0x80U) {
        return corrupt("compressed payload with an unknown header (only zlib is known)");
    }
    const unsigned lenlen = static_cast<std::uint8_t>(in[0]) & 0x07U;
    if (lenlen == 0 || lenlen > 4 || in.size() < 1 + lenlen) {
        return corrupt("compressed payload with a bad length header");
    }
    std::uint32_t len = 0;
    for (unsigned i = 0; i < lenlen; ++i) {
        len = (len << 8U) | static_cast<std::uint8_t>(in[1 + i]);
    }
    std::string out(len, '\0');
    uLongf out_len = len;
    const auto* src = reinterpret_cast<const Bytef*>(in.data() + 1 + lenlen);
    if (uncompress(reinterpret_cast<Bytef*>(out.data()), &out_len, src, static_cast<uLong>(in.size() - 1 - lenlen))
            != Z_OK
        || out_len != len) {
        return corrupt("compressed payload does not inflate to its announced length");
    }
    return out;
}

bool is_numeric(std::uint8_t type) {
    switch (type) {
        case kTypeTiny: case kTypeShort: case kTypeInt24: case kTypeLong: case kTypeLongLong:
        case kTypeNewDecimal: case kTypeFloat: case kTypeDouble:
            return true;
        default:
            return false;
    }
}

bool is_character(std::uint8_t type, bool mariadb) {
    switch (type) {
        case kTypeString: case kTypeVarString: case kTypeVarchar: case kTypeBlob: case kTypeTinyBlob:
        case kTypeMediumBlob: case kTypeLongBlob:
            return true;
        case kTypeGeometry:
            return mariadb;  // MariaDB counts GEOMETRY (a BLOB underneath) among the character columns
        default:
            return false;
    }
}

bool is_enum_or_set(std::uint8_t type) { return type == kTypeEnum || type == kTypeSet; }

// Reads a column's type-specific metadata from the table map's metadata block.
bool read_column_meta(LeReader& r, TableMapColumn& c) {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    switch (c.type) {
        case kTypeFloat: case kTypeDouble:
            return r.uint(1, a) && (c.scale = static_cast<std::uint8_t>(a), true);
        case kTypeTimestamp2: case kTypeDateTime2: case kTypeTime2:
            return r.uint(1, a) && a <= 6 && (c.scale = static_cast<std::uint8_t>(a), true);
        case kTypeBlob: case kTypeTinyBlob: case kTypeMediumBlob: case kTypeLongBlob: case kTypeGeometry: case kTypeJson:
            return r.uint(1, a) && a >= 1 && a <= 4 && (c.length = static_cast<std::uint32_t>(a), true);
        case kTypeVarchar: case kTypeVarString:
            return r.uint(2, a) && (c.length = static_cast<std::uint32_t>(a), true);
        case kTypeNewDecimal:
            if (!r.uint(1, a) || !r.uint(1, b)) {
                return false;
            }
            c.precision = static_cast<std::uint8_t>(a);
            c.scale = static_cast<std::uint8_t>(b);
            return true;
        case kTypeBit:
            if (!r.uint(1, a) || !r.uint(1, b)) {
                return false;
            }
            c.length = static_cast<std::uint32_t>(b * 8 + a);
            return true;
        case kTypeString: case kTypeEnum: case kTypeSet: {
            if (!r.uint(1, a) || !r.uint(1, b)) {
                return false;
            }
            const auto byte0 = static_cast<std::uint32_t>(a);
            const auto byte1 = static_cast<std::uint32_t>(b);
            if (c.type == kTypeString && (byte0 & 0x30U) != 0x30U) {  // CHAR longer than 255 bytes
                c.length = byte1 | (((byte0 & 0x30U) ^ 0x30U) << 4U);
                return true;
            }
            if (c.type == kTypeString) {
                c.type = static_cast<std::uint8_t>(byte0);  // STRING, ENUM or SET
            }
            c.length = byte1;
            return true;
        }
        default:
            return true;
    }
}

bool read_lenenc_string(LeReader& r, std::string& out) {
    std::uint64_t n = 0;
    std::string_view bytes;
    if (!r.lenenc(n) || !r.bytes(n, bytes)) {
        return false;
    }
    out.assign(bytes);
    return true;
}

// Assigns collations from DEFAULT_CHARSET-style (default + (index, collation) pairs) or
// COLUMN_CHARSET-style (one per column) metadata to the columns selected by `pick`.
template <class Pick>
bool assign_collations(std::string_view value, bool per_column, std::vector<TableMapColumn>& cols, Pick pick) {
    std::vector<TableMapColumn*> selected;
    for (auto& c : cols) {
        if (pick(c)) {
            selected.push_back(&c);
        }
    }
    LeReader r(value);
    std::uint64_t v = 0;
    if (per_column) {
        for (auto* c : selected) {
            if (!r.lenenc(v)) {
                return false;
            }
            c->collation = static_cast<std::uint32_t>(v);
        }
        return r.at_end();
    }
    if (!r.lenenc(v)) {
        return false;
    }
    for (auto* c : selected) {
        c->collation = static_cast<std::uint32_t>(v);
    }
    while (!r.at_end()) {
        std::uint64_t index = 0;
        if (!r.lenenc(index) || !r.lenenc(v) || index >= selected.size()) {
            return false;
        }
        selected[index]->collation = static_cast<std::uint32_t>(v);
    }
    return true;
}

bool read_labels(std::string_view value, std::vector<TableMapColumn>& cols, std::uint8_t type) {
    LeReader r(value);
    for (auto& c : cols) {
        if (c.type != type) {
            continue;
        }
        std::uint64_t count = 0;
        if (!r.lenenc(count) || count > 65535) {
            return false;
        }
        c.labels.resize(count);
        for (auto& label : c.labels) {
            if (!read_lenenc_string(r, label)) {
                return false;
            }
        }
    }
    return r.at_end();
}

bool read_optional_metadata(LeReader& r, TableMap& map, bool mariadb) {
    auto& cols = map.columns;
    const auto character = [mariadb](const TableMapColumn& c) { return is_character(c.type, mariadb); };
    while (!r.at_end()) {
        std::uint64_t kind = 0;
        std::uint64_t len = 0;
        std::string_view value;
        if (!r.uint(1, kind) || !r.lenenc(len) || !r.bytes(len, value)) {
            return false;
        }
        LeReader v(value);
        switch (kind) {
            case 1: {  // SIGNEDNESS: one bit per numeric column, most significant first
                std::size_t bit = 0;
                for (auto& c : cols) {
                    if (!is_numeric(c.type)) {
                        continue;
                    }
                    if (bit / 8 >= value.size()) {
                        return false;
                    }
                    c.is_unsigned = ((static_cast<std::uint8_t>(value[bit / 8]) >> (7 - bit % 8)) & 1U) != 0;
                    ++bit;
                }
                break;
            }
            case 2: case 3:  // DEFAULT_CHARSET, COLUMN_CHARSET
                if (!assign_collations(value, kind == 3, cols, character)) {
                    return false;
                }
                break;
            case 4:  // COLUMN_NAME
                for (auto& c : cols) {
                    if (!read_lenenc_string(v, c.name)) {
                        return false;
                    }
                }
                map.has_full_metadata = true;
                break;
            case 5: case 6:  // SET_STR_VALUE, ENUM_STR_VALUE
                if (!read_labels(value, cols, kind == 5 ? kTypeSet : kTypeEnum)) {
                    return false;
                }
                break;
            case 8: case 9: {  // SIMPLE_PRIMARY_KEY, PRIMARY_KEY_WITH_PREFIX
                while (!v.at_end()) {
                    std::uint64_t index = 0;
                    std::uint64_t prefix = 0;
                    if (!v.lenenc(index) || index >= cols.size() || (kind == 9 && !v.lenenc(prefix))) {
                        return false;
                    }
                    cols[index].is_key = true;
                }
                break;
            }
            case 10: case 11:  // ENUM_AND_SET_DEFAULT_CHARSET, ENUM_AND_SET_COLUMN_CHARSET
                if (!assign_collations(value, kind == 11, cols, [](const TableMapColumn& c) { return is_enum_or_set(c.type); })) {
                    return false;
                }
                break;
            default:  // GEOMETRY_TYPE, COLUMN_VISIBILITY and later additions: not needed
                break;
        }
    }
    return true;
}

}  // namespace

bool is_rows_event(std::uint8_t type) {
    return (type >= kWriteRowsV1 && type <= kDeleteRowsV1) || (type >= kWriteRowsV2 && type <= kDeleteRowsV2)
           || (type >= kMariaWriteRowsCompressedV1 && type <= kMariaDeleteRowsCompressed);
}

Result<DecodedEvent> split_event(std::string_view event, Checksum checksum) {
    LeReader r(event);
    DecodedEvent out;
    auto& h = out.header;
    if (!r.u(4, h.timestamp) || !r.u(1, h.type) || !r.u(4, h.server_id) || !r.u(4, h.event_size)
        || !r.u(4, h.next_position) || !r.u(2, h.flags)) {
        return corrupt("shorter than its header");
    }
    if (h.event_size != event.size()) {
        return corrupt("its size field (" + std::to_string(h.event_size) + ") does not match the bytes received ("
                       + std::to_string(event.size()) + ")");
    }
    if (h.type == kFormatDescriptionEvent && event.size() > kEventHeaderSize + kChecksumSize) {
        checksum = static_cast<std::uint8_t>(event[event.size() - kChecksumSize - 1]) == 1 ? Checksum::Crc32
                                                                                         : Checksum::None;
    }
    std::size_t end = event.size();
    if (checksum == Checksum::Crc32) {
        if (event.size() < kEventHeaderSize + kChecksumSize) {
            return corrupt("too short for its checksum");
        }
        end -= kChecksumSize;
        LeReader footer(event.substr(end));
        std::uint32_t stored = 0;
        footer.u(4, stored);
        if (stored != crc_of(event.substr(0, end))) {
            return corrupt("CRC32 mismatch (type " + std::to_string(h.type) + ")");
        }
    }
    out.body = event.substr(kEventHeaderSize, end - kEventHeaderSize);
    return out;
}

Result<FormatDescription> decode_format_description(std::string_view event) {
    auto split = split_event(event, Checksum::None);
    if (!split.ok()) {
        return split.status();
    }
    LeReader r(split.value().body);
    FormatDescription fd;
    std::string_view version;
    if (split.value().header.type != kFormatDescriptionEvent || !r.u(2, fd.binlog_version) || !r.bytes(kServerVersionSize, version)) {
        return corrupt("format description too short");
    }
    if (fd.binlog_version != 4) {
        return Status::error(Errc::Unsupported, "binlog format version " + std::to_string(fd.binlog_version)
                                                    + " (only version 4, MySQL 5.0 and later, is supported)");
    }
    fd.server_version.assign(version.substr(0, version.find('\0')));
    fd.checksum = static_cast<std::uint8_t>(event[event.size() - kChecksumSize - 1]) == 1 ? Checksum::Crc32
                                                                                       : Checksum::None;
    return fd;
}

Result<RotateEvent> decode_rotate(const DecodedEvent& ev) {
    LeReader r(ev.body);
    RotateEvent out;
    if (!r.u(8, out.position) || r.at_end()) {
        return corrupt("rotate event too short");
    }
    out.next_file.assign(r.rest());
    return out;
}

Result<MariaGtidEvent> decode_maria_gtid(const DecodedEvent& ev) {
    LeReader r(ev.body);
    MariaGtidEvent out;
    if (!r.u(8, out.sequence) || !r.u(4, out.domain) || !r.u(1, out.flags)) {
        return corrupt("GTID event too short");
    }
    return out;
}

Result<std::vector<MariaGtid>> decode_maria_gtid_list(const DecodedEvent& ev) {
    LeReader r(ev.body);
    std::uint32_t count = 0;
    if (!r.u(4, count)) {
        return corrupt("GTID list event too short");
    }
    count &= 0x0FFFFFFFU;  // the top four bits are flags
    if (count > r.remaining() / 16) {
        return corrupt("GTID list event shorter than its count");
    }
    std::vector<MariaGtid> out(count);
    for (auto& g : out) {
        if (!r.u(4, g.domain) || !r.u(4, g.server_id) || !r.u(8, g.sequence)) {
            return corrupt("GTID list event truncated");
        }
    }
    return out;
}

Result<MysqlGtidEvent> decode_mysql_gtid(const DecodedEvent& ev) {
    LeReader r(ev.body);
    MysqlGtidEvent out;
    std::string_view uuid;
    std::uint64_t number = 0;
    if (!r.skip(1) || !r.bytes(16, uuid) || !r.uint(8, number)) {
        return corrupt("MySQL GTID event too short");
    }
    for (std::size_t i = 0; i < 16; ++i) {
        out.source_uuid[i] = static_cast<std::uint8_t>(uuid[i]);
    }
    out.number = static_cast<std::int64_t>(number);
    return out;
}

Result<std::uint64_t> decode_xid(const DecodedEvent& ev) {
    LeReader r(ev.body);
    std::uint64_t xid = 0;
    if (!r.uint(8, xid)) {
        return corrupt("XID event too short");
    }
    return xid;
}

Result<QueryEvent> decode_query(const DecodedEvent& ev) {
    LeReader r(ev.body);
    std::uint64_t db_len = 0;
    std::uint64_t status_len = 0;
    std::string_view db;
    if (!r.skip(8) || !r.uint(1, db_len) || !r.skip(2) || !r.uint(2, status_len) || !r.skip(status_len)
        || !r.bytes(db_len, db) || !r.skip(1)) {
        return corrupt("query event too short");
    }
    QueryEvent out;
    out.database.assign(db);
    if (ev.header.type == kMariaQueryCompressed) {
        auto text = uncompress_payload(r.rest());
        if (!text.ok()) {
            return text.status();
        }
        out.statement = std::move(text).value();
    } else {
        out.statement.assign(r.rest());
    }
    return out;
}

Result<TableMap> decode_table_map(const DecodedEvent& ev, bool mariadb) {
    LeReader r(ev.body);
    TableMap map;
    std::uint64_t db_len = 0;
    std::uint64_t table_len = 0;
    std::uint64_t ncols = 0;
    std::uint64_t meta_len = 0;
    std::string_view db;
    std::string_view table;
    std::string_view types;
    std::string_view meta;
    if (!r.uint(kTableIdSize, map.table_id) || !r.skip(2) || !r.uint(1, db_len) || !r.bytes(db_len, db) || !r.skip(1)
        || !r.uint(1, table_len) || !r.bytes(table_len, table) || !r.skip(1) || !r.lenenc(ncols)
        || ncols > kMaxColumns || !r.bytes(ncols, types) || !r.lenenc(meta_len) || !r.bytes(meta_len, meta)) {
        return corrupt("table map too short");
    }
    map.database.assign(db);
    map.table.assign(table);
    map.columns.resize(ncols);
    LeReader m(meta);
    for (std::size_t i = 0; i < ncols; ++i) {
        map.columns[i].type = static_cast<std::uint8_t>(types[i]);
        if (!read_column_meta(m, map.columns[i])) {
            return corrupt("table map column metadata too short");
        }
    }
    std::vector<bool> nullable;
    if (!m.at_end() || !read_bitmap(r, ncols, nullable)) {
        return corrupt("table map metadata length or null bitmap wrong");
    }
    for (std::size_t i = 0; i < ncols; ++i) {
        map.columns[i].nullable = nullable[i];
    }
    if (!read_optional_metadata(r, map, mariadb)) {
        return corrupt("table map optional metadata malformed");
    }
    return map;
}

Result<RowsEvent> decode_rows(const DecodedEvent& ev) {
    const std::uint8_t type = ev.header.type;
    RowsEvent out;
    switch (type) {
        case kWriteRowsV1: case kWriteRowsV2: case kMariaWriteRowsCompressedV1: case kMariaWriteRowsCompressed:
            out.kind = RowsKind::Write;
            break;
        case kUpdateRowsV1: case kUpdateRowsV2: case kMariaUpdateRowsCompressedV1: case kMariaUpdateRowsCompressed:
            out.kind = RowsKind::Update;
            break;
        case kDeleteRowsV1: case kDeleteRowsV2: case kMariaDeleteRowsCompressedV1: case kMariaDeleteRowsCompressed:
            out.kind = RowsKind::Delete;
            break;
        default:
            return corrupt("not a rows event");
    }
    const bool v2 = (type >= kWriteRowsV2 && type <= kDeleteRowsV2) || type >= kMariaWriteRowsCompressed;
    const bool compressed = type >= kMariaWriteRowsCompressedV1;
    LeReader r(ev.body);
    if (!r.uint(kTableIdSize, out.table_id) || !r.u(2, out.flags)) {
        return corrupt("rows event too short");
    }
    if (v2) {
        std::uint64_t extra = 0;
        if (!r.uint(2, extra) || extra < 2 || !r.skip(extra - 2)) {
            return corrupt("rows event extra data malformed");
        }
    }
    if (!r.lenenc(out.width) || out.width > kMaxColumns) {
        return corrupt("rows event column count malformed");
    }
    std::vector<bool> first;
    if (!read_bitmap(r, out.width, first)) {
        return corrupt("rows event column bitmap too short");
    }
    if (out.kind == RowsKind::Update) {
        out.before_columns = std::move(first);
        if (!read_bitmap(r, out.width, out.after_columns)) {
            return corrupt("rows event after-image bitmap too short");
        }
    } else if (out.kind == RowsKind::Write) {
        out.after_columns = std::move(first);
    } else {
        out.before_columns = std::move(first);
    }
    if (compressed) {
        auto rows = uncompress_payload(r.rest());
        if (!rows.ok()) {
            return rows.status();
        }
        out.rows = std::move(rows).value();
    } else {
        out.rows.assign(r.rest());
    }
    return out;
}

std::string format_uuid(const std::array<std::uint8_t, 16>& uuid) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", uuid[0],
                  uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9], uuid[10], uuid[11],
                  uuid[12], uuid[13], uuid[14], uuid[15]);
    return buf;
}

}  // namespace ferry::capture::mysql
