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

std::string format_position(const SourcePosition& position) {
    return std::visit([](const PgLsn& lsn) { return format_lsn(lsn); }, position);
}

bool parse_position(std::string_view text, SourcePosition& out) {
    PgLsn lsn;
    if (!parse_lsn(text, lsn)) {
        return false;
    }
    out = lsn;
    return true;
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
