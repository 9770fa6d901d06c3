#include "binlog_status.hpp"

namespace ferry::capture::mysql {

namespace {
std::uint64_t to_offset(const std::string& text) { return std::stoull("0" + text); }
}  // namespace

Result<bool> is_mariadb(my::Connection& conn) {
    auto version = conn.query_row("SELECT @@version", "reading the server version");
    if (!version.ok()) {
        return version.status();
    }
    return version.value() && my::field(*version.value(), 0).find("MariaDB") != std::string::npos;
}

Result<BinlogPosition> master_status(my::Connection& conn, bool mariadb) {
    auto row = conn.query_row("SHOW MASTER STATUS", "reading the binlog position");
    if (!row.ok()) {
        return row.status();
    }
    if (!row.value() || my::field(*row.value(), 0).empty()) {
        return Status::error(Errc::Fatal, "the source reports no binlog position: binary logging is off (set log_bin)");
    }
    BinlogPosition pos{my::field(*row.value(), 0), to_offset(my::field(*row.value(), 1)), {}};
    if (!mariadb) {
        pos.gtid = my::field(*row.value(), 4);  // Executed_Gtid_Set
        std::erase(pos.gtid, '\n');
        return pos;
    }
    auto gtid = gtid_at(conn, pos.file, pos.offset);
    if (!gtid.ok()) {
        return gtid.status();
    }
    pos.gtid = gtid.value();
    return pos;
}

Result<std::string> gtid_at(my::Connection& conn, const std::string& file, std::uint64_t offset) {
    auto row = conn.query_row("SELECT BINLOG_GTID_POS(" + conn.literal(file) + ", " + std::to_string(offset) + ")",
                              "reading the GTID state at a binlog position");
    if (!row.ok()) {
        return row.status();
    }
    return row.value() ? my::field(*row.value(), 0) : std::string();
}

Result<my::Connection> connect_source(std::string_view url, std::string_view purpose, my::Connection::Options options) {
    auto parsed = my::parse_url(url);
    if (!parsed.ok()) {
        return parsed.status();
    }
    parsed.value().database.clear();
    return my::Connection::connect(parsed.value(), purpose, options);
}

}  // namespace ferry::capture::mysql
