// Proleptic Gregorian calendar arithmetic (H. Hinnant's days_from_civil) and the ISO date and time
// texts both engines print, for the encoders that turn them into day and microsecond counts.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ferry {

// Days since 1970-01-01; m 1..12, d 1..31.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto year_of_era = static_cast<unsigned>(y - era * 400);
    const unsigned day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

struct CivilDate {
    std::int64_t year = 1970;
    unsigned month = 1;
    unsigned day = 1;
};

// The inverse of days_from_civil.
constexpr CivilDate civil_from_days(std::int64_t days) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto day_of_era = static_cast<unsigned>(days - era * 146097);
    const unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const unsigned mp = (5 * day_of_year + 2) / 153;
    const unsigned d = day_of_year - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(year_of_era) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
    constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

// "YYYY-MM-DD" (four or more year digits) at the start of `text`; `used` gets its length. Checks the
// form and that month is 1..12 and day 1..31, not the month's length (days_in_month).
bool parse_iso_date(std::string_view text, std::size_t& used, CivilDate& out);

// "HH:MM:SS[.fraction]" (two or more hour digits, one to six fraction digits) at the start of `text`:
// microseconds from 00:00:00; `used` gets its length.
bool parse_iso_time(std::string_view text, std::size_t& used, std::int64_t& micros);

}  // namespace ferry
