// ferry_binlog_read: how fast Ferry's MySQL/MariaDB capture fetches and decodes a binlog, with no
// target in the way. Reads from START (a position as Ferry prints it: "file:offset gtid ...") up to
// the server's binlog end at startup, through the same change source the agent uses, and prints
// one line: "<row events> <transactions> <seconds>".
//   ferry_binlog_read URL TABLE_PATTERN START
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <stop_token>

#include "ferry/capture/mysql_capture.hpp"
#include "ferry/core/names.hpp"

namespace {

int fail(const ferry::Status& st) {
    std::fprintf(stderr, "ferry_binlog_read: %s\n", st.message().c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ferry;
    if (argc != 4) {
        std::fprintf(stderr, "usage: ferry_binlog_read URL TABLE_PATTERN START\n");
        return 2;
    }
    auto log = spdlog::default_logger();
    log->set_level(spdlog::level::warn);
    capture::MysqlSourceConfig config;
    config.url = argv[1];
    config.server_id = 1999999999;
    auto pattern = parse_table_pattern(argv[2]);
    BinlogPosition start;
    if (!pattern.ok() || !parse_binlog_position(argv[3], start)) {
        std::fprintf(stderr, "ferry_binlog_read: bad table pattern or start position\n");
        return 2;
    }
    config.tables = {pattern.value()};
    auto catalog = capture::MysqlCatalog::connect(config, log);
    if (!catalog.ok()) {
        return fail(catalog.status());
    }
    auto tables = catalog.value()->resolve_tables();
    auto end = tables.ok() ? catalog.value()->current_position() : Result<BinlogPosition>(tables.status());
    if (!end.ok()) {
        return fail(end.status());
    }
    auto source = capture::open_mysql_change_source(config, start, tables.value().tables, {}, log);
    if (!source.ok()) {
        return fail(source.status());
    }
    const auto started = std::chrono::steady_clock::now();
    std::uint64_t rows = 0;
    std::uint64_t transactions = 0;
    std::stop_source stop;
    for (;;) {
        auto event = source.value()->next(stop.get_token());
        if (!event.ok()) {
            return fail(event.status());
        }
        if (const auto* batch = std::get_if<ChangeBatch>(&event.value())) {
            rows += batch->changes.size();
        } else if (const auto* commit = std::get_if<TxnCommit>(&event.value())) {
            ++transactions;
            if (!position_before(commit->end_position, SourcePosition{end.value()})) {
                break;
            }
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("%llu %llu %.3f\n", static_cast<unsigned long long>(rows), static_cast<unsigned long long>(transactions),
                seconds);
    return 0;
}
