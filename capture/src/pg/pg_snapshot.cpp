// Snapshot export (slot creation on a replication connection) and snapshot readers.
// https://www.postgresql.org/docs/15/protocol-replication.html (CREATE_REPLICATION_SLOT ... SNAPSHOT 'export')
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "ferry/capture/pg_capture.hpp"
#include "ferry/pq/connection.hpp"

namespace ferry::capture {

namespace {

constexpr std::size_t kChunkBytes = 1U << 20U;  // hand rows on in ~1 MiB chunks

Result<std::string> identify_system(pq::Connection& conn) {
    auto res = conn.exec("IDENTIFY_SYSTEM", "identifying the source system");
    if (!res.ok()) {
        return res.status();
    }
    return pq::field(res.value().get(), 0, 0);
}

class SnapshotExporterImpl final : public SnapshotExporter {
public:
    SnapshotExporterImpl(pq::Connection conn, ExportedSnapshot snapshot)
        : conn_(std::move(conn))
        , snapshot_(std::move(snapshot)) {}
    const ExportedSnapshot& snapshot() const override { return snapshot_; }

private:
    pq::Connection conn_;  // the exported snapshot (and a temporary slot) live as long as this connection
    ExportedSnapshot snapshot_;
};

class PgSnapshotReader final : public SnapshotReader {
public:
    explicit PgSnapshotReader(pq::Connection conn) : conn_(std::move(conn)) {}

    // One COPY of the whole table: a crash copies it again (the exported snapshot cannot be reopened).
    Status read_table(const TableSchema& table, CopyFormat format, const std::string& resume_after,
                      const ChunkConsumer& consume) override {
        if (!resume_after.empty()) {
            return Status::error(Errc::Internal, "PostgreSQL snapshots do not resume inside a table");
        }
        std::string columns;
        for (const auto& c : table.columns) {
            columns += (columns.empty() ? "" : ", ") + quote_ident(c.name);
        }
        const std::string what = "copying " + display_name(table.id) + " from the source";
        const std::string options = format == CopyFormat::Binary ? " (FORMAT binary)" : "";
        pq::ResultPtr res{
            PQexec(conn_.get(), ("COPY " + quote_table(table.id) + " (" + columns + ") TO STDOUT" + options).c_str())};
        if (Status st = conn_.check(res.get(), what); !st.ok()) {
            return st;
        }
        SnapshotChunk chunk;
        chunk.copy_data.reserve(kChunkBytes + 65536);
        for (;;) {
            char* raw = nullptr;
            const int n = PQgetCopyData(conn_.get(), &raw, /*async=*/0);
            if (n == -1) {
                break;
            }
            if (n < 0) {
                return Status::error(Errc::Transient, what + ": " + PQerrorMessage(conn_.get()));
            }
            pq::CopyBufferPtr row{raw};
            chunk.copy_data.append(raw, static_cast<std::size_t>(n));  // one row per CopyData message
            ++chunk.rows;
            if (chunk.copy_data.size() >= kChunkBytes) {
                if (Status st = consume(std::move(chunk)); !st.ok()) {
                    return st;
                }
                chunk = SnapshotChunk{};
                chunk.copy_data.reserve(kChunkBytes + 65536);
            }
        }
        pq::ResultPtr end{PQgetResult(conn_.get())};
        if (Status st = conn_.check(end.get(), what); !st.ok()) {
            return st;
        }
        while (pq::ResultPtr extra{PQgetResult(conn_.get())}) {
        }
        if (format == CopyFormat::Binary && chunk.rows > 0) {
            --chunk.rows;  // binary COPY ends with a trailer message that is not a row
        }
        return chunk.copy_data.empty() ? Status() : consume(std::move(chunk));
    }

private:
    pq::Connection conn_;
};

}  // namespace

Result<std::unique_ptr<SnapshotExporter>> SnapshotExporter::create(const PgSourceConfig& config, bool temporary,
                                                                   LoggerPtr log) {
    auto conn = pq::Connection::connect(config.conninfo, pq::Mode::Replication, "snapshot export");
    if (!conn.ok()) {
        return conn.status();
    }
    auto system_id = identify_system(conn.value());
    if (!system_id.ok()) {
        return system_id.status();
    }
    const std::string slot = temporary ? config.slot_name + "_resnap_" + std::to_string(getpid()) : config.slot_name;
    const std::string sql = "CREATE_REPLICATION_SLOT " + quote_ident(slot) + (temporary ? " TEMPORARY" : "")
                            + " LOGICAL pgoutput (SNAPSHOT 'export')";
    auto res = conn.value().exec(sql, "creating replication slot " + slot);
    if (!res.ok()) {
        return res.status();
    }
    ExportedSnapshot snap;
    const PGresult* r = res.value().get();
    if (!parse_lsn(pq::field(r, 0, 1), snap.consistent_point)) {
        return Status::error(Errc::Corruption, "unreadable consistent point from CREATE_REPLICATION_SLOT");
    }
    snap.snapshot_name = pq::field(r, 0, 2);
    snap.system_identifier = system_id.value();
    log->info("{} slot {} created at {} (snapshot {})", temporary ? "temporary" : "replication", slot,
              format_lsn(snap.consistent_point), snap.snapshot_name);
    return std::unique_ptr<SnapshotExporter>(new SnapshotExporterImpl(std::move(conn).value(), std::move(snap)));
}

Result<std::unique_ptr<SnapshotReader>> open_snapshot_reader(const PgSourceConfig& config,
                                                             const std::string& snapshot_name) {
    auto conn = pq::Connection::connect(config.conninfo, pq::Mode::Normal, "snapshot reader");
    if (!conn.ok()) {
        return conn.status();
    }
    if (Status st = conn.value().run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "opening the snapshot");
        !st.ok()) {
        return st;
    }
    // An exported snapshot lives as long as the connection that exported it: if that one is gone
    // (terminated, or the server restarted), the copy has to start again in a new snapshot.
    if (Status st = conn.value().run("SET TRANSACTION SNAPSHOT " + quote_literal(snapshot_name), "importing the snapshot");
        !st.ok()) {
        return Status::error(Errc::Transient, st.message() + " (the connection that exported it ended; copying again)");
    }
    return std::unique_ptr<SnapshotReader>(new PgSnapshotReader(std::move(conn).value()));
}

std::string check_pg_url(const std::string& url) { return pq::check_conninfo(url); }
std::string describe_pg_url(const std::string& url) { return pq::describe_conninfo(url); }
std::string pg_url_database(const std::string& url) { return pq::conninfo_database(url); }

Result<std::string> source_system_identifier(const PgSourceConfig& config) {
    auto conn = pq::Connection::connect(config.conninfo, pq::Mode::Replication, "identify");
    if (!conn.ok()) {
        return conn.status();
    }
    return identify_system(conn.value());
}

}  // namespace ferry::capture
