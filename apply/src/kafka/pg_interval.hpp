// PostgreSQL intervals (IntervalStyle postgres, as Ferry's sessions print them: "1 year 2 mons
// -3 days +04:05:06.7") in Debezium's two forms: the ISO-8601 duration of its string mode
// ("P1Y2M-3DT4H5M6.7S", every component written) and the microseconds of its numeric mode (a month
// counted as 365.25 / 12 days, as Debezium's MicroDuration does).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::apply::kafka {

struct PgInterval {
    std::int64_t years = 0;
    std::int64_t months = 0;
    std::int64_t days = 0;
    std::int64_t micros = 0;  // the time part, signed
};

std::optional<PgInterval> parse_pg_interval(std::string_view text);
std::string iso_duration(const PgInterval& interval);
std::int64_t approximate_micros(const PgInterval& interval);

}  // namespace ferry::apply::kafka
