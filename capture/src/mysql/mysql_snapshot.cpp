// Snapshot reads: each reader opens its own consistent-snapshot transaction and learns the binlog
// position it corresponds to, without a global lock on MariaDB (Binlog_snapshot_file/position), and
// with FLUSH TABLES WITH READ LOCK held only while the transaction opens on MySQL.
#include "ferry/capture/mysql_capture.hpp"
#include "ferry/core/copy_text.hpp"
#include "ferry/core/mysql_types.hpp"
#include "ferry/my/connection.hpp"
#include "binlog_status.hpp"
#include "mysql_values.hpp"

namespace ferry::capture {

namespace {

using Kind = MysqlType::Kind;
constexpr std::size_t kChunkBytes = 1 << 20;

// How a column's server text becomes Ferry's text form (mysql_values.hpp).
enum class Read : std::uint8_t { AsIs, Float, Double, Bits, Hex };

Read read_rule(const MysqlType& t) {
    switch (t.kind) {
        case Kind::Float: return Read::Float;
        case Kind::Double: return Read::Double;
        case Kind::Bit: return Read::Bits;
        case Kind::Binary: case Kind::VarBinary: case Kind::Blob: return Read::Hex;
        default: return Read::AsIs;
    }
}

class MysqlSnapshotReader final : public SnapshotReader {
public:
    explicit MysqlSnapshotReader(my::Connection conn) : conn_(std::move(conn)) {}

    Status read_table(const TableSchema& table, CopyFormat format, const ChunkConsumer& consume) override {
        if (format != CopyFormat::Text) {
            return Status::error(Errc::Internal, "MySQL snapshots produce text rows only");
        }
        std::vector<MysqlType> types;
        std::vector<Read> rules;
        std::string select = "SELECT ";
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            types.push_back(parse_mysql_type(table.columns[i].type_name));
            rules.push_back(read_rule(types.back()));
            const std::string col = my::quote_ident(table.columns[i].name);
            // A FLOAT printed by the server loses digits; widened to DOUBLE it prints exactly.
            select += (i == 0 ? "" : ", ") + (rules.back() == Read::Float ? "CAST(" + col + " AS DOUBLE)" : col);
        }
        select += " FROM " + my::quote_table(table.id.schema, table.id.name);
        const std::string what = "reading " + display_name(table.id);
        if (mysql_real_query(conn_.get(), select.data(), select.size()) != 0) {
            return conn_.last_error(what);
        }
        // Streamed row by row (bounded memory whatever the table's size).
        my::ResultPtr res{mysql_use_result(conn_.get())};
        if (!res) {
            return conn_.last_error(what);
        }
        SnapshotChunk chunk;
        while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
            const unsigned long* lengths = mysql_fetch_lengths(res.get());
            for (std::size_t i = 0; i < rules.size(); ++i) {
                if (i != 0) {
                    chunk.copy_data.push_back('\t');
                }
                if (row[i] == nullptr) {
                    append_copy_null(chunk.copy_data);
                    continue;
                }
                auto text = convert(rules[i], types[i], std::string_view(row[i], lengths[i]));
                if (!text.ok()) {
                    return text.status().with_context(what + " column " + table.columns[i].name);
                }
                append_copy_field(chunk.copy_data, text.value());
            }
            chunk.copy_data.push_back('\n');
            ++chunk.rows;
            if (chunk.copy_data.size() >= kChunkBytes) {
                if (Status st = consume(std::move(chunk)); !st.ok()) {
                    return st;
                }
                chunk = SnapshotChunk{};
            }
        }
        if (mysql_errno(conn_.get()) != 0) {
            return conn_.last_error(what);
        }
        if (chunk.rows != 0) {
            return consume(std::move(chunk));
        }
        return {};
    }

private:
    static Result<std::string> convert(Read rule, const MysqlType& type, std::string_view text) {
        switch (rule) {
            case Read::Float: return mysql::float_from_server_text(text);
            case Read::Double: return mysql::double_from_server_text(text);
            case Read::Bits: return mysql::format_bits(text, type.length);
            case Read::Hex: return mysql::hex_bytes(text);
            case Read::AsIs: return std::string(text);
        }
        return std::string(text);
    }

    my::Connection conn_;
};

}  // namespace

Result<MysqlSnapshot> open_mysql_snapshot(const MysqlSourceConfig& config) {
    auto url = my::parse_url(config.url);
    if (!url.ok()) {
        return url.status();
    }
    auto conn = my::Connection::connect(url.value(), "snapshot");
    if (!conn.ok()) {
        return conn.status();
    }
    auto& c = conn.value();
    // A slow consumer must not make the server drop a streaming result.
    for (const char* sql : {"SET SESSION net_write_timeout = 3600", "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"}) {
        if (Status st = c.run(sql, "preparing the snapshot session"); !st.ok()) {
            return st;
        }
    }
    auto mariadb = mysql::is_mariadb(c);
    if (!mariadb.ok()) {
        return mariadb.status();
    }
    BinlogPosition position;
    if (mariadb.value()) {
        if (Status st = c.run("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", "opening the snapshot"); !st.ok()) {
            return st;
        }
        auto rows = c.query("SHOW STATUS LIKE 'binlog_snapshot_%'", "reading the snapshot's binlog position");
        if (!rows.ok()) {
            return rows.status();
        }
        for (const auto& r : rows.value()) {
            if (my::field(r, 0) == "Binlog_snapshot_file") {
                position.file = my::field(r, 1);
            } else if (my::field(r, 0) == "Binlog_snapshot_position") {
                position.offset = std::stoull("0" + my::field(r, 1));
            }
        }
        auto gtid = mysql::gtid_at(c, position.file, position.offset);
        if (!gtid.ok()) {
            return gtid.status();
        }
        position.gtid = gtid.value();
    } else {
        // MySQL has no snapshot position without a lock: hold one only while the transaction opens.
        if (Status st = c.run("FLUSH TABLES WITH READ LOCK", "locking to open the snapshot"); !st.ok()) {
            return st;
        }
        Status st = c.run("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", "opening the snapshot");
        auto status = st.ok() ? mysql::master_status(c, false) : Result<BinlogPosition>(st);
        c.run("UNLOCK TABLES", "unlocking").ignore();
        if (!status.ok()) {
            return status.status();
        }
        position = status.value();
    }
    if (position.file.empty()) {
        return Status::error(Errc::Fatal, "the source reports no binlog position for the snapshot: is log_bin on?");
    }
    return MysqlSnapshot{std::make_unique<MysqlSnapshotReader>(std::move(conn).value()), position};
}

}  // namespace ferry::capture
