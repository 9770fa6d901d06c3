// The binlog change source: registers as a replica (COM_BINLOG_DUMP through mariadb_rpl), hands each
// whole event's bytes to the TransactionAssembler and returns the events it completes. The position
// to resume from is always a transaction boundary; MariaDB resumes by GTID state when there is one.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstddef>
#include <deque>

#include "ferry/my/connection.hpp"  // mysql.h must come before mariadb_rpl.h
#include <mariadb_rpl.h>            // NOLINT(llvm-include-order)

#include "binlog_status.hpp"
#include "binlog_transactions.hpp"
#include "ferry/capture/mysql_capture.hpp"
#include "ferry/my/connection.hpp"

namespace ferry::capture {

namespace {

constexpr unsigned kHeartbeatSeconds = 1;
constexpr unsigned kReadTimeoutSeconds = 30;  // several missed heartbeats: the connection is dead

using RplPtr = std::unique_ptr<MARIADB_RPL, CDeleter<&mariadb_rpl_close>>;
using RplEventPtr = std::unique_ptr<MARIADB_RPL_EVENT, CDeleter<&mariadb_free_rpl_event>>;

// Error 1236: the position asked for is not in the server's binlog (purged, or never written).
Status binlog_gone(const BinlogPosition& from, MYSQL* conn) {
    return Status::error(Errc::SourceGone, "the source cannot send the binlog from " + format_binlog_position(from) + ": "
                                               + mysql_error(conn)
                                               + "; changes after it are lost: start over with an empty state_dir");
}

class MysqlChangeSource final : public ChangeSource {
public:
    MysqlChangeSource(my::Connection conn, RplPtr rpl, mysql::TransactionAssembler assembler, LoggerPtr log)
        : conn_(std::move(conn)), rpl_(std::move(rpl)), assembler_(std::move(assembler)), log_(std::move(log)) {}

    Result<Event> next(std::stop_token stop) override {
        while (pending_.empty()) {
            if (stop.stop_requested()) {
                return Status::error(Errc::Cancelled, "stop requested");
            }
            MARIADB_RPL_EVENT* raw = mariadb_rpl_fetch(rpl_.get(), event_.release());
            event_.reset(raw);
            if (raw == nullptr) {
                return fetch_error();
            }
            if (raw->raw_data_size < 1 || raw->raw_data_size - 1 != raw->event_length) {
                return Status::error(Errc::Corruption, "binlog stream: a packet whose size does not match its event");
            }
            const std::string_view bytes(reinterpret_cast<const char*>(raw->raw_data) + 1, raw->raw_data_size - 1);
            bytes_read_.fetch_add(bytes.size(), std::memory_order_relaxed);
            if (Status st = assembler_.feed(bytes, pending_); !st.ok()) {
                return st;
            }
        }
        Event ev = std::move(pending_.front());
        pending_.pop_front();
        return ev;
    }

    // The server streams without waiting for us; nothing to keep alive.
    Status keep_alive() override { return {}; }
    // MySQL keeps no replica position: the offset store is the only record of it.
    void acknowledge(const SourcePosition&) override {}
    std::uint64_t bytes_read() const override { return bytes_read_.load(std::memory_order_relaxed); }

private:
    Status fetch_error() {
        const unsigned err = mysql_errno(conn_.get());
        if (my::is_binlog_gone(err)) {
            return binlog_gone(assembler_.position(), conn_.get());
        }
        if (err == 0) {
            return Status::error(Errc::Transient, "the source ended the binlog stream");
        }
        return conn_.last_error("reading the binlog");
    }

    my::Connection conn_;
    RplPtr rpl_;
    std::atomic<std::uint64_t> bytes_read_{0};
    RplEventPtr event_;
    mysql::TransactionAssembler assembler_;
    std::deque<Event> pending_;
    LoggerPtr log_;
};

Result<mysql::CollationCharsets> load_charsets(my::Connection& conn) {
    auto rows = conn.query("SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID IS NOT NULL",
                           "reading collations");
    if (!rows.ok()) {
        return rows.status();
    }
    mysql::CollationCharsets out;
    for (const auto& r : rows.value()) {
        if (r.size() == 2 && r[0] && r[1]) {
            out[static_cast<std::uint32_t>(std::stoul(*r[0]))] = *r[1];
        }
    }
    return out;
}

}  // namespace

Result<std::unique_ptr<ChangeSource>> open_mysql_change_source(const MysqlSourceConfig& config,
                                                               const BinlogPosition& start,
                                                               const std::vector<TableSchema>& tables,
                                                               const MysqlStreamScope& scope, LoggerPtr log) {
    auto conn = mysql::connect_source(config.url, "binlog", {kReadTimeoutSeconds, false});
    if (!conn.ok()) {
        return conn.status();
    }
    auto& c = conn.value();
    auto charsets = load_charsets(c);
    if (!charsets.ok()) {
        return charsets.status();
    }
    auto is_mariadb = mysql::is_mariadb(c);
    if (!is_mariadb.ok()) {
        return is_mariadb.status();
    }
    const bool mariadb = is_mariadb.value();
    const bool by_gtid = mariadb && !start.gtid.empty();
    std::string setup = "SET @master_heartbeat_period = " + std::to_string(kHeartbeatSeconds * 1000000000ULL)
                        + ", @master_binlog_checksum = @@global.binlog_checksum";
    if (mariadb) {
        setup += ", @mariadb_slave_capability = 4";
    }
    if (by_gtid) {
        setup += ", @slave_connect_state = " + c.literal(start.gtid) + ", @slave_gtid_strict_mode = 1";
    }
    if (Status st = c.run(setup, "preparing the binlog connection"); !st.ok()) {
        return st;
    }
    RplPtr rpl{mariadb_rpl_init(c.get())};
    if (!rpl) {
        return Status::error(Errc::Transient, "mariadb_rpl_init failed");
    }
    const unsigned server_id = config.server_id;
    mariadb_rpl_optionsv(rpl.get(), MARIADB_RPL_SERVER_ID, server_id);
    if (!by_gtid) {
        mariadb_rpl_optionsv(rpl.get(), MARIADB_RPL_FILENAME, start.file.c_str(), start.file.size());
    }
    mariadb_rpl_optionsv(rpl.get(), MARIADB_RPL_START, static_cast<unsigned long>(by_gtid ? 4 : start.offset));
    mariadb_rpl_optionsv(rpl.get(), MARIADB_RPL_FLAGS, 0U);
    if (mariadb_rpl_open(rpl.get()) != 0) {
        const unsigned err = mysql_errno(c.get());
        if (my::is_binlog_gone(err)) {
            return binlog_gone(start, c.get());
        }
        return c.last_error("starting the binlog stream (the user needs REPLICATION SLAVE)");
    }
    if (log) {
        log->info("reading the binlog from {}{} as replica server_id {}", format_binlog_position(start),
                  by_gtid ? " (by GTID)" : "", server_id);
    }
    mysql::TransactionAssembler assembler(tables, std::move(charsets).value(), start, config.max_batch_changes);
    assembler.set_scope(config.tables, scope.catalog_read_after, scope.schema_valid_from);
    assembler.skip_server_id(config.skip_server_id);
    return std::unique_ptr<ChangeSource>(std::make_unique<MysqlChangeSource>(std::move(conn).value(), std::move(rpl),
                                                                             std::move(assembler), std::move(log)));
}

}  // namespace ferry::capture
