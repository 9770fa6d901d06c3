#include "ferry/core/event.hpp"

#include <charconv>
#include <cstdio>

#include "ferry/core/names.hpp"

namespace ferry {

std::string format_lsn(PgLsn lsn) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn.value >> 32U),
                  static_cast<unsigned>(lsn.value & 0xFFFFFFFFU));
    return buf;
}

bool parse_lsn(std::string_view text, PgLsn& out) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) {
        return false;
    }
    std::uint32_t hi = 0;
    std::uint32_t lo = 0;
    const auto* hi_end = text.data() + slash;
    const auto* lo_end = text.data() + text.size();
    const auto r1 = std::from_chars(text.data(), hi_end, hi, 16);
    const auto r2 = std::from_chars(hi_end + 1, lo_end, lo, 16);
    if (r1.ec != std::errc() || r1.ptr != hi_end || r2.ec != std::errc() || r2.ptr != lo_end) {
        return false;
    }
    out.value = (static_cast<std::uint64_t>(hi) << 32U) | lo;
    return true;
}

namespace {
constexpr std::string_view kGtidSeparator = " gtid ";

// The numeric suffix of "binlog.000012" (12); files of one server sort by it, also past 999999.
std::uint64_t file_sequence(std::string_view file) {
    const auto dot = file.rfind('.');
    std::uint64_t n = 0;
    if (dot == std::string_view::npos) {
        return 0;
    }
    const auto r = std::from_chars(file.data() + dot + 1, file.data() + file.size(), n);
    return r.ec == std::errc() ? n : 0;
}
}  // namespace

std::strong_ordering BinlogPosition::operator<=>(const BinlogPosition& other) const {
    if (auto c = file_sequence(file) <=> file_sequence(other.file); c != 0) {
        return c;
    }
    if (auto c = file <=> other.file; c != 0) {
        return c;
    }
    return offset <=> other.offset;
}

std::string format_binlog_position(const BinlogPosition& position) {
    std::string out = position.file + ":" + std::to_string(position.offset);
    if (!position.gtid.empty()) {
        out += kGtidSeparator;
        out += position.gtid;
    }
    return out;
}

bool parse_binlog_position(std::string_view text, BinlogPosition& out) {
    std::string_view gtid;
    if (const auto g = text.find(kGtidSeparator); g != std::string_view::npos) {
        gtid = text.substr(g + kGtidSeparator.size());
        text = text.substr(0, g);
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
        return false;
    }
    std::uint64_t offset = 0;
    const auto r = std::from_chars(text.data() + colon + 1, text.data() + text.size(), offset);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
        return false;
    }
    out = BinlogPosition{std::string(text.substr(0, colon)), offset, std::string(gtid)};
    return true;
}

std::string format_position(const SourcePosition& position) {
    if (const auto* lsn = std::get_if<PgLsn>(&position)) {
        return format_lsn(*lsn);
    }
    return format_binlog_position(std::get<BinlogPosition>(position));
}

bool parse_position(std::string_view text, SourcePosition& out) {
    PgLsn lsn;
    if (parse_lsn(text, lsn)) {
        out = lsn;
        return true;
    }
    BinlogPosition binlog;
    if (parse_binlog_position(text, binlog)) {
        out = std::move(binlog);
        return true;
    }
    return false;
}

bool position_before(const SourcePosition& a, const SourcePosition& b) {
    if (a.index() != b.index()) {
        return false;
    }
    if (const auto* lsn = std::get_if<PgLsn>(&a)) {
        return *lsn < std::get<PgLsn>(b);
    }
    return std::get<BinlogPosition>(a) < std::get<BinlogPosition>(b);
}

namespace {
bool needs_quotes(std::string_view part) {
    return part.empty() || part.find_first_of(".\"") != std::string_view::npos || part.front() == ' '
           || part.back() == ' ';
}
std::string display_part(std::string_view part) { return needs_quotes(part) ? quote_ident(part) : std::string(part); }
}  // namespace

std::string display_name(const TableId& table) { return display_part(table.schema) + "." + display_part(table.name); }

}  // namespace ferry
