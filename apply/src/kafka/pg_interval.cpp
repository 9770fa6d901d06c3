#include "pg_interval.hpp"

#include <charconv>
#include <cmath>

namespace ferry::apply::kafka {

namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

bool parse_int(std::string_view text, std::int64_t& out) {
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// "[+-]H:MM:SS[.ffffff]" (hours may exceed 24)
bool parse_time(std::string_view text, std::int64_t& micros) {
    const bool negative = !text.empty() && text.front() == '-';
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        text.remove_prefix(1);
    }
    const auto colon1 = text.find(':');
    const auto colon2 = text.find(':', colon1 == std::string_view::npos ? colon1 : colon1 + 1);
    std::int64_t hours = 0;
    std::int64_t minutes = 0;
    std::int64_t seconds = 0;
    if (colon2 == std::string_view::npos || !parse_int(text.substr(0, colon1), hours)
        || !parse_int(text.substr(colon1 + 1, colon2 - colon1 - 1), minutes)) {
        return false;
    }
    std::string_view rest = text.substr(colon2 + 1);
    const auto dot = rest.find('.');
    if (!parse_int(rest.substr(0, dot), seconds)) {
        return false;
    }
    std::int64_t fraction = 0;
    if (dot != std::string_view::npos) {
        std::string digits(rest.substr(dot + 1));
        if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos) {
            return false;
        }
        digits.append(6 - digits.size(), '0');
        fraction = std::stoll(digits);
    }
    micros = ((hours * 60 + minutes) * 60 + seconds) * kMicrosPerSecond + fraction;
    micros = negative ? -micros : micros;
    return true;
}

}  // namespace

std::optional<PgInterval> parse_pg_interval(std::string_view text) {
    PgInterval out;
    while (!text.empty()) {
        const auto space = text.find(' ');
        const std::string_view token = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
        if (token.find(':') != std::string_view::npos) {
            if (!parse_time(token, out.micros)) {
                return std::nullopt;
            }
            continue;
        }
        const auto unit_end = text.find(' ');
        const std::string_view unit = text.substr(0, unit_end);
        text = unit_end == std::string_view::npos ? std::string_view() : text.substr(unit_end + 1);
        std::int64_t n = 0;
        if (!parse_int(token, n)) {
            return std::nullopt;
        }
        if (unit == "year" || unit == "years") {
            out.years = n;
        } else if (unit == "mon" || unit == "mons") {
            out.months = n;
        } else if (unit == "day" || unit == "days") {
            out.days = n;
        } else {
            return std::nullopt;
        }
    }
    return out;
}

std::string iso_duration(const PgInterval& interval) {
    const std::int64_t total_seconds = interval.micros / kMicrosPerSecond;  // truncates toward zero: signs agree
    const std::int64_t fraction = interval.micros % kMicrosPerSecond;
    std::string seconds = std::to_string(total_seconds % 60);
    if (fraction != 0) {
        std::string digits = std::to_string(fraction < 0 ? -fraction : fraction);
        digits.insert(0, 6 - digits.size(), '0');
        while (digits.back() == '0') {
            digits.pop_back();
        }
        seconds = (total_seconds % 60 == 0 && fraction < 0 ? "-0" : seconds) + "." + digits;
    }
    return "P" + std::to_string(interval.years) + "Y" + std::to_string(interval.months) + "M"
           + std::to_string(interval.days) + "DT" + std::to_string(total_seconds / 3600) + "H"
           + std::to_string(total_seconds / 60 % 60) + "M" + seconds + "S";
}

std::int64_t approximate_micros(const PgInterval& interval) {
    constexpr long double kDaysPerMonth = 365.25L / 12;
    constexpr long double kMicrosPerDay = 86'400.0L * kMicrosPerSecond;
    const long double months = static_cast<long double>(interval.years * 12 + interval.months);
    const long double micros = months * kDaysPerMonth * kMicrosPerDay
                               + static_cast<long double>(interval.days) * kMicrosPerDay
                               + static_cast<long double>(interval.micros);
    return static_cast<std::int64_t>(micros);  // toward zero, as Java's (long) cast
}

}  // namespace ferry::apply::kafka
