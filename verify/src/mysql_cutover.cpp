// Cutover at MariaDB/MySQL ends: the server's read_only as the write pause, and AUTO_INCREMENT
// counters read at a source and set at a target.
#include <mysqld_error.h>

#include "ferry/core/names.hpp"
#include "ferry/my/connection.hpp"
#include "ferry/verify/cutover.hpp"

namespace ferry::verify {

namespace {

constexpr char kLockWaitSeconds[] = "30";

Result<my::Connection> connect(const std::string& url) {
    auto parsed = my::parse_url(url);
    if (!parsed.ok()) {
        return parsed.status();
    }
    auto conn = my::Connection::connect(parsed.value(), "ferry cutover");
    if (!conn.ok()) {
        return conn.status();
    }
    // Statements wait for locks (metadata locks of tables in use, the global read lock) this long.
    std::string setup = std::string("SET SESSION lock_wait_timeout = ") + kLockWaitSeconds;
    if (!conn.value().is_mariadb()) {
        setup += ", SESSION information_schema_stats_expiry = 0";  // MySQL 8 caches AUTO_INCREMENT there
    }
    if (Status st = conn.value().run(setup, "setting up the session"); !st.ok()) {
        return st;
    }
    return conn;
}

class MyFreeze final : public SourceFreeze {
public:
    MyFreeze(std::string url, bool was_read_only)
        : SourceFreeze("SET GLOBAL read_only = OFF", was_read_only), url_(std::move(url)), was_read_only_(was_read_only) {}
    ~MyFreeze() override { thaw().ignore(); }
    MyFreeze(const MyFreeze&) = delete;
    MyFreeze& operator=(const MyFreeze&) = delete;

    std::string describe() const override {
        return was_read_only_ ? "the source server was read-only already (read_only = ON; left so)"
                              : "the source server is read-only (read_only = ON, after the write transactions open then ended)";
    }

private:
    Status run_undo() override {
        auto conn = connect(url_);
        return conn.ok() ? conn.value().run(undo_sql(), "making the source writable again") : conn.status();
    }

    std::string url_;
    bool was_read_only_;
};

std::string where_table(my::Connection& conn, const TableId& table) {
    return "TABLE_SCHEMA = " + conn.literal(table.schema) + " AND TABLE_NAME = " + conn.literal(table.name);
}

Result<std::int64_t> auto_increment(my::Connection& conn, const TableId& table) {
    auto row = conn.query_row("SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE " + where_table(conn, table),
                              "reading the AUTO_INCREMENT of " + display_name(table));
    if (!row.ok()) {
        return row.status();
    }
    return row.value() ? std::stoll("0" + my::field(*row.value(), 0)) : 0;
}

}  // namespace

Result<std::unique_ptr<SourceFreeze>> freeze_mysql(const std::string& url) {
    auto conn = connect(url);
    if (!conn.ok()) {
        return conn.status();
    }
    auto read_only = conn.value().query_row("SELECT @@GLOBAL.read_only", "reading read_only");
    if (!read_only.ok()) {
        return read_only.status();
    }
    const bool was_read_only = read_only.value() && my::field(*read_only.value(), 0) == "1";
    if (!was_read_only) {
        if (Status st = conn.value().run("SET GLOBAL read_only = ON", "making the source read-only"); !st.ok()) {
            const unsigned err = mysql_errno(conn.value().get());
            if (err == ER_SPECIFIC_ACCESS_DENIED_ERROR) {
                return Status::error(Errc::Fatal, st.message() + "; --freeze-source needs the READ_ONLY ADMIN (MariaDB) or "
                                                                 "SUPER privilege: grant it, or stop the writes yourself and "
                                                                 "run cutover without it");
            }
            if (err == ER_LOCK_WAIT_TIMEOUT) {
                return Status::error(Errc::Fatal, std::string("a transaction at the source stayed open for ") + kLockWaitSeconds
                                                      + " s, so the source could not be made read-only: end it and run "
                                                        "cutover again");
            }
            return st;
        }
    }
    return std::unique_ptr<SourceFreeze>(std::make_unique<MyFreeze>(url, was_read_only));
}

Status check_reverse_target_mysql(const std::string& url, std::uint32_t server_id) {
    auto conn = connect(url);
    if (!conn.ok()) {
        return conn.status();
    }
    my::Connection& c = conn.value();
    // MariaDB's read_only stops everyone without READ_ONLY ADMIN (10.5.2 on; SUPER before), MySQL's
    // everyone without SUPER.
    const std::string privilege = c.is_mariadb() && c.server_version() >= 100502 ? "READ_ONLY ADMIN" : "SUPER";
    auto granted = c.query_row("SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = "
                                   + c.literal(privilege)
                                   + " AND GRANTEE = CONCAT(QUOTE(SUBSTRING_INDEX(CURRENT_USER(), '@', 1)), '@', "
                                     "QUOTE(SUBSTRING_INDEX(CURRENT_USER(), '@', -1)))",
                               "reading the user's privileges");
    if (!granted.ok()) {
        return granted.status();
    }
    if (!granted.value() || my::field(*granted.value(), 0) == "0") {
        return Status::error(Errc::Fatal, "--reverse: the source's user needs the " + privilege
                                              + " privilege, to write while the source is read-only for applications");
    }
    if (Status st = c.run("SET SESSION server_id = " + std::to_string(server_id), "writing under a server_id of its own");
        !st.ok()) {
        return Status::error(Errc::Fatal, "--reverse: " + st.message() + " (the reverse marks what it writes with a "
                                                                          "server_id of its own: MariaDB, and a user that may set it)");
    }
    return {};
}

Result<std::vector<KeyCounter>> mysql_counters(const std::string& url, const std::vector<TableSchema>& tables) {
    auto conn = connect(url);
    if (!conn.ok()) {
        return conn.status();
    }
    std::vector<KeyCounter> counters;
    for (const auto& t : tables) {
        auto column = conn.value().query_row("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                                                 + where_table(conn.value(), t.id) + " AND EXTRA LIKE '%auto_increment%'",
                                             "finding the AUTO_INCREMENT column of " + display_name(t.id));
        if (!column.ok()) {
            return column.status();
        }
        if (!column.value()) {
            continue;
        }
        auto next = auto_increment(conn.value(), t.id);
        if (!next.ok()) {
            return next.status();
        }
        counters.push_back({t.id, my::field(*column.value(), 0), next.value()});
    }
    return counters;
}

Result<std::vector<SequenceMove>> set_mysql_counters(const std::string& url, const std::vector<KeyCounter>& counters) {
    auto conn = connect(url);
    if (!conn.ok()) {
        return conn.status();
    }
    my::Connection& c = conn.value();
    std::vector<SequenceMove> moves;
    for (const auto& counter : counters) {
        const std::string table = my::quote_table(counter.table.schema, counter.table.name);
        SequenceMove move{"AUTO_INCREMENT", display_name(counter.table) + "." + counter.column, 0, false};
        auto column = c.query_row("SELECT COLUMN_TYPE, EXTRA LIKE '%auto_increment%' FROM information_schema.COLUMNS WHERE "
                                      + where_table(c, counter.table) + " AND COLUMN_NAME = " + c.literal(counter.column),
                                  "reading the target's column " + move.column);
        if (!column.ok()) {
            return column.status();
        }
        if (!column.value()) {
            return Status::error(Errc::Fatal, "column " + move.column + " is missing at the target");
        }
        if (my::field(*column.value(), 1) != "1") {
            move.created = true;
            if (Status st = c.run("ALTER TABLE " + table + " MODIFY COLUMN " + my::quote_ident(counter.column) + " "
                                      + my::field(*column.value(), 0) + " NOT NULL AUTO_INCREMENT",
                                  "making the target's column " + move.column + " AUTO_INCREMENT");
                !st.ok()) {
                return st;
            }
        }
        auto next = auto_increment(c, counter.table);
        if (next.ok() && next.value() < counter.next) {  // never backwards
            Status st = c.run("ALTER TABLE " + table + " AUTO_INCREMENT = " + std::to_string(counter.next),
                              "setting the AUTO_INCREMENT of " + display_name(counter.table));
            next = st.ok() ? auto_increment(c, counter.table) : Result<std::int64_t>(st);
        }
        if (!next.ok()) {
            return next.status();
        }
        move.next = next.value();
        moves.push_back(std::move(move));
    }
    return moves;
}

}  // namespace ferry::verify
