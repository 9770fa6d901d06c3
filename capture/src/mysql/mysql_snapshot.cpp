// Snapshot reads: each reader opens its own consistent-snapshot transaction and learns the binlog
// position it corresponds to, without a global lock on MariaDB (Binlog_snapshot_file/position), and
// with FLUSH TABLES WITH READ LOCK held only while the transaction opens on MySQL.
#include <chrono>
#include <optional>
#include <utility>

#include "ferry/capture/mysql_capture.hpp"
#include "ferry/core/copy_text.hpp"
#include "ferry/core/mysql_types.hpp"
#include "ferry/my/connection.hpp"
#include "binlog_status.hpp"
#include "key_ranges.hpp"
#include "mysql_values.hpp"

namespace ferry::capture {

namespace {

using Kind = MysqlType::Kind;
constexpr std::size_t kChunkBytes = 1 << 20;
// Rows per key range: the most a crash makes a resumed copy read again, and few enough queries
// that each one's seek is noise.
constexpr std::size_t kRangeRows = 50000;

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

// Opens a consistent-snapshot transaction on `c` and returns the binlog position it corresponds to.
Result<BinlogPosition> open_consistent_snapshot(my::Connection& c, bool mariadb) {
    BinlogPosition position;
    if (mariadb) {
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
    return position;
}

class MysqlSnapshotReader final : public SnapshotReader {
public:
    MysqlSnapshotReader(my::Connection conn, bool mariadb, bool renew)
        : conn_(std::move(conn)), mariadb_(mariadb), renew_(renew), opened_(std::chrono::steady_clock::now()) {}

    Status read_table(const TableSchema& table, CopyFormat format, const std::string& resume_after,
                      const ChunkConsumer& consume) override {
        if (format != CopyFormat::Text) {
            return Status::error(Errc::Internal, "MySQL snapshots produce text rows only");
        }
        if (Status st = renew_if_due(table); !st.ok()) {
            return st;
        }
        Columns columns;
        std::string select = "SELECT ";
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            columns.types.push_back(parse_mysql_type(table.columns[i].type_name));
            columns.rules.push_back(read_rule(columns.types.back()));
            const std::string col = my::quote_ident(table.columns[i].name);
            // A FLOAT printed by the server loses digits; widened to DOUBLE it prints exactly.
            select += (i == 0 ? "" : ", ") + (columns.rules.back() == Read::Float ? "CAST(" + col + " AS DOUBLE)" : col);
        }
        select += " FROM " + my::quote_table(table.id.schema, table.id.name);
        const auto plan = mysql::plan_key_ranges(table);
        if (!plan) {
            if (!resume_after.empty()) {
                return Status::error(Errc::Internal, "resuming a table that is not read in key ranges");
            }
            auto rows = read_range(table, select, columns, nullptr, consume);
            return rows.ok() ? Status() : rows.status();
        }
        columns.key = plan->columns;
        std::vector<std::string> after;
        if (!resume_after.empty()) {
            auto key = mysql::decode_resume_key(resume_after, plan->columns.size());
            if (!key.ok()) {
                return key.status();
            }
            after = std::move(key).value();
        }
        const std::string order = mysql::key_order(table, *plan) + " LIMIT " + std::to_string(kRangeRows);
        for (;;) {
            std::string sql = select;
            if (!after.empty()) {
                auto condition = mysql::after_key_condition(table, *plan, after);
                if (!condition.ok()) {
                    return condition.status();
                }
                sql += " WHERE " + condition.value();
            }
            auto rows = read_range(table, sql + order, columns, &after, consume);
            if (!rows.ok()) {
                return rows.status();
            }
            if (rows.value() < kRangeRows) {
                return {};
            }
            if (Status st = renew_if_due(table); !st.ok()) {
                return st;
            }
        }
    }

private:
    // A transaction that has read a table holds a metadata lock on it until it ends: an ALTER TABLE
    // would wait for the whole copy, and every write to that table would queue behind the ALTER. So
    // the reader moves to a new snapshot before each table and each key range it reads (on MySQL,
    // whose snapshots need a brief global lock to open, at most every kMysqlSnapshotAge); the rows of
    // different snapshots converge through the stream (SnapshotChunk::snapshot_position).
    Status renew_if_due(const TableSchema& table) {
        constexpr auto kMysqlSnapshotAge = std::chrono::seconds(10);
        const auto now = std::chrono::steady_clock::now();
        if (renew_ && used_ && (mariadb_ || now - opened_ >= kMysqlSnapshotAge)) {
            if (Status st = conn_.run("COMMIT", "ending a snapshot"); !st.ok()) {
                return st;
            }
            auto position = open_consistent_snapshot(conn_, mariadb_);
            if (!position.ok()) {
                return position.status();
            }
            renewed_ = position.value();
            opened_ = now;
        }
        used_ = true;
        return check_columns(table);
    }

    // The columns the copy reads are the table's columns in this snapshot: a DDL between the read of
    // the catalog and the opening of this snapshot would leave a new column's values behind (and the
    // stream's schema history out of step). The catalog is not versioned, so any difference from now
    // on, including DDL after the snapshot opened, means reading the catalog again and retrying.
    Status check_columns(const TableSchema& table) {
        auto rows = conn_.query("SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                                    + conn_.literal(table.id.schema) + " AND TABLE_NAME = " + conn_.literal(table.id.name)
                                    + " ORDER BY ORDINAL_POSITION",
                                "reading the columns of " + display_name(table.id));
        if (!rows.ok()) {
            return rows.status();
        }
        bool same = rows.value().size() == table.columns.size();
        for (std::size_t i = 0; same && i < table.columns.size(); ++i) {
            const std::string type = my::field(rows.value()[i], 1);
            const std::string& want = table.columns[i].type_name;
            same = my::field(rows.value()[i], 0) == table.columns[i].name
                   && (type == want || (want == "json" && type == "longtext"));  // MariaDB's JSON
        }
        return same ? Status()
                    : Status::error(Errc::Transient, "copying " + display_name(table.id)
                                                         + ": the table changed (DDL) since its columns were read; "
                                                           "reading them and copying it again");
    }

    struct Columns {
        std::vector<MysqlType> types;
        std::vector<Read> rules;
        std::vector<std::size_t> key;  // key column indexes, when read in key ranges
    };

    // Runs one SELECT and streams its rows to `consume`; with `last_key`, records the key of the last
    // row there and marks the final chunk with it (the end of a key range). Returns the row count.
    Result<std::size_t> read_range(const TableSchema& table, const std::string& sql, const Columns& columns,
                                   std::vector<std::string>* last_key, const ChunkConsumer& consume) {
        const std::string what = "reading " + display_name(table.id);
        if (mysql_real_query(conn_.get(), sql.data(), sql.size()) != 0) {
            constexpr unsigned kBadField = 1054;        // ER_BAD_FIELD_ERROR
            constexpr unsigned kTableDefChanged = 1412;  // ER_TABLE_DEF_CHANGED
            const unsigned err = mysql_errno(conn_.get());
            if (err == kBadField || err == kTableDefChanged) {
                return Status::error(Errc::Transient, what + ": the table changed (DDL) since its columns were read; "
                                                             "reading them and copying it again");
            }
            return conn_.last_error(what);
        }
        // Streamed row by row (bounded memory whatever the table's size).
        my::ResultPtr res{mysql_use_result(conn_.get())};
        if (!res) {
            return conn_.last_error(what);
        }
        std::size_t rows = 0;
        SnapshotChunk chunk;
        chunk.snapshot_position = std::exchange(renewed_, std::nullopt);
        while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
            const unsigned long* lengths = mysql_fetch_lengths(res.get());
            if (Status st = append_row(table, columns, row, lengths, chunk.copy_data); !st.ok()) {
                return st.with_context(what);
            }
            if (last_key != nullptr) {
                last_key->resize(columns.key.size());
                for (std::size_t k = 0; k < columns.key.size(); ++k) {
                    (*last_key)[k].assign(row[columns.key[k]], lengths[columns.key[k]]);
                }
            }
            ++chunk.rows;
            ++rows;
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
        if (rows != 0 && last_key != nullptr) {
            chunk.resume_key = mysql::encode_resume_key(*last_key);
        }
        if (chunk.rows != 0 || !chunk.resume_key.empty()) {
            if (Status st = consume(std::move(chunk)); !st.ok()) {
                return st;
            }
        }
        return rows;
    }

    static Status append_row(const TableSchema& table, const Columns& columns, MYSQL_ROW row,
                             const unsigned long* lengths, std::string& out) {
        for (std::size_t i = 0; i < columns.rules.size(); ++i) {
            if (i != 0) {
                out.push_back('\t');
            }
            if (row[i] == nullptr) {
                append_copy_null(out);
                continue;
            }
            const std::string_view raw(row[i], lengths[i]);
            if (columns.rules[i] == Read::AsIs) {  // most columns: the server's text is the form
                append_copy_field(out, raw);
                continue;
            }
            auto text = convert(columns.rules[i], columns.types[i], raw);
            if (!text.ok()) {
                return text.status().with_context("column " + table.columns[i].name);
            }
            append_copy_field(out, text.value());
        }
        out.push_back('\n');
        return {};
    }

    static Result<std::string> convert(Read rule, const MysqlType& type, std::string_view text) {
        switch (rule) {
            case Read::Float: return mysql::float_from_server_text(text);
            case Read::Double: return mysql::double_from_server_text(text);
            case Read::Bits: return mysql::format_bits(text, type.length);
            case Read::Hex: return mysql::hex_bytes(text);
            case Read::AsIs: break;
        }
        return std::string(text);
    }

    my::Connection conn_;
    bool mariadb_ = true;
    bool renew_ = true;
    bool used_ = false;  // the current snapshot has read a table
    std::chrono::steady_clock::time_point opened_;
    std::optional<BinlogPosition> renewed_;  // for the next chunk
};

}  // namespace

Result<MysqlSnapshot> open_mysql_snapshot(const MysqlSourceConfig& config) {
    auto conn = mysql::connect_source(config.url, "snapshot");
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
    auto position = open_consistent_snapshot(c, mariadb.value());
    if (!position.ok()) {
        return position.status();
    }
    return MysqlSnapshot{std::make_unique<MysqlSnapshotReader>(std::move(conn).value(), mariadb.value(), config.renew_snapshots),
                         position.value()};
}

}  // namespace ferry::capture
