// Pure decoders for MySQL/MariaDB binlog events (binlog format v4) as the server sends them to a
// replica. Each takes the bytes of one whole event (19-byte header, body, and the CRC32 footer when
// the binlog has checksums) and returns a value or an error; nothing here does I/O.
// https://mariadb.com/kb/en/replication-protocol/ and MySQL's libbinlogevents are the references.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/status.hpp"

namespace ferry::capture::mysql {

// Event type codes (log_event.h); only those the decoder reads or must refuse are named.
enum EventType : std::uint8_t {
    kQueryEvent = 2,
    kStopEvent = 3,
    kRotateEvent = 4,
    kFormatDescriptionEvent = 15,
    kXidEvent = 16,
    kTableMapEvent = 19,
    kWriteRowsV1 = 23,
    kUpdateRowsV1 = 24,
    kDeleteRowsV1 = 25,
    kHeartbeatEvent = 27,
    kWriteRowsV2 = 30,
    kUpdateRowsV2 = 31,
    kDeleteRowsV2 = 32,
    kMysqlGtidEvent = 33,
    kMysqlAnonymousGtidEvent = 34,
    kMysqlPreviousGtidsEvent = 35,
    kMysqlPartialUpdateRows = 39,
    kMysqlTransactionPayload = 40,
    kMariaAnnotateRows = 160,
    kMariaBinlogCheckpoint = 161,
    kMariaGtidEvent = 162,
    kMariaGtidListEvent = 163,
    kMariaStartEncryption = 164,
    kMariaQueryCompressed = 165,
    kMariaWriteRowsCompressedV1 = 166,
    kMariaUpdateRowsCompressedV1 = 167,
    kMariaDeleteRowsCompressedV1 = 168,
    kMariaWriteRowsCompressed = 169,
    kMariaUpdateRowsCompressed = 170,
    kMariaDeleteRowsCompressed = 171,
};

// Column type codes (mysql_com.h enum_field_types) as they appear in table maps.
enum ColumnType : std::uint8_t {
    kTypeDecimal = 0, kTypeTiny = 1, kTypeShort = 2, kTypeLong = 3, kTypeFloat = 4, kTypeDouble = 5,
    kTypeNull = 6, kTypeTimestamp = 7, kTypeLongLong = 8, kTypeInt24 = 9, kTypeDate = 10, kTypeTime = 11,
    kTypeDateTime = 12, kTypeYear = 13, kTypeNewDate = 14, kTypeVarchar = 15, kTypeBit = 16,
    kTypeTimestamp2 = 17, kTypeDateTime2 = 18, kTypeTime2 = 19, kTypeJson = 245, kTypeNewDecimal = 246,
    kTypeEnum = 247, kTypeSet = 248, kTypeTinyBlob = 249, kTypeMediumBlob = 250, kTypeLongBlob = 251,
    kTypeBlob = 252, kTypeVarString = 253, kTypeString = 254, kTypeGeometry = 255,
};

constexpr std::size_t kEventHeaderSize = 19;
constexpr std::uint16_t kArtificialEventFlag = 0x20;  // LOG_EVENT_ARTIFICIAL_F: generated, not in a file
constexpr std::uint32_t kCollationBinary = 63;

struct EventHeader {
    std::uint32_t timestamp = 0;
    std::uint8_t type = 0;
    std::uint32_t server_id = 0;
    std::uint32_t event_size = 0;
    std::uint32_t next_position = 0;  // end of this event in its file (0 where the server has none)
    std::uint16_t flags = 0;
};

enum class Checksum : std::uint8_t { None = 0, Crc32 = 1 };

struct FormatDescription {
    std::uint16_t binlog_version = 4;
    std::string server_version;
    Checksum checksum = Checksum::None;
};

struct RotateEvent {
    std::uint64_t position = 0;
    std::string next_file;
};

// MariaDB GTID: starts an event group. Standalone groups (DDL, non-transactional) have no XID.
struct MariaGtidEvent {
    std::uint64_t sequence = 0;
    std::uint32_t domain = 0;
    std::uint8_t flags = 0;
    bool standalone() const { return (flags & 0x01U) != 0; }
};

struct MariaGtid {
    std::uint32_t domain = 0;
    std::uint32_t server_id = 0;
    std::uint64_t sequence = 0;
};

// MySQL GTID (uuid:number) that starts a transaction.
struct MysqlGtidEvent {
    std::array<std::uint8_t, 16> source_uuid{};
    std::int64_t number = 0;
};

struct QueryEvent {
    std::string database;
    std::string statement;
};

struct TableMapColumn {
    std::uint8_t type = 0;      // the real type: STRING columns that are ENUM/SET report kTypeEnum/kTypeSet
    std::uint32_t length = 0;   // VARCHAR/CHAR: max bytes; BLOB: length bytes; ENUM/SET: pack bytes; BIT: bits
    std::uint8_t precision = 0; // DECIMAL
    std::uint8_t scale = 0;     // DECIMAL scale; temporal fractional digits; FLOAT/DOUBLE pack length
    bool nullable = true;
    bool is_unsigned = false;
    std::uint32_t collation = 0;  // character, BLOB, ENUM and SET columns; 63 = binary
    std::string name;             // empty unless binlog_row_metadata=FULL
    std::vector<std::string> labels;  // ENUM/SET values (FULL metadata)
    bool is_key = false;              // part of the primary key (FULL metadata)
};

struct TableMap {
    std::uint64_t table_id = 0;
    std::string database;
    std::string table;
    std::vector<TableMapColumn> columns;
    bool has_full_metadata = false;  // column names present (binlog_row_metadata=FULL)
};

enum class RowsKind : std::uint8_t { Write = 1, Update = 2, Delete = 3 };

struct RowsEvent {
    RowsKind kind = RowsKind::Write;
    std::uint64_t table_id = 0;
    std::uint16_t flags = 0;
    std::uint64_t width = 0;             // columns in the table
    std::vector<bool> before_columns;    // present in the before image (update/delete)
    std::vector<bool> after_columns;     // present in the after image (write/update)
    std::string rows;                    // row images, decompressed
    bool statement_end() const { return (flags & 0x01U) != 0; }
};

struct DecodedEvent {
    EventHeader header;
    std::string_view body;  // between the header and the checksum
};

// Splits and checks one event: header sanity, size, and (when `checksum` is Crc32) the CRC32 footer.
// A format description event is checked against the checksum algorithm it announces itself.
Result<DecodedEvent> split_event(std::string_view event, Checksum checksum);

Result<FormatDescription> decode_format_description(std::string_view event);
Result<RotateEvent> decode_rotate(const DecodedEvent& ev);
Result<MariaGtidEvent> decode_maria_gtid(const DecodedEvent& ev);
Result<std::vector<MariaGtid>> decode_maria_gtid_list(const DecodedEvent& ev);
Result<MysqlGtidEvent> decode_mysql_gtid(const DecodedEvent& ev);
Result<std::uint64_t> decode_xid(const DecodedEvent& ev);
Result<QueryEvent> decode_query(const DecodedEvent& ev);  // also QUERY_COMPRESSED
// `mariadb`: the server is MariaDB (its table maps count GEOMETRY among the character columns).
Result<TableMap> decode_table_map(const DecodedEvent& ev, bool mariadb);
Result<RowsEvent> decode_rows(const DecodedEvent& ev);  // v1, v2 and MariaDB's compressed forms

bool is_rows_event(std::uint8_t type);

// MySQL's GTID text form of a uuid ("3e11fa47-71ca-11e1-9e33-c80aa9429562").
std::string format_uuid(const std::array<std::uint8_t, 16>& uuid);

}  // namespace ferry::capture::mysql
