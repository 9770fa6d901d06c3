#include "debezium_value.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <vector>

#include "ferry/core/civil_date.hpp"
#include "ferry/core/hex.hpp"
#include "ferry/core/json_text.hpp"
#include "pg_array_text.hpp"
#include "pg_interval.hpp"

namespace ferry::apply::kafka {

namespace {

constexpr char kUnavailable[] = "__debezium_unavailable_value";
constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

Status unsupported(std::string what) { return Status::error(Errc::Unsupported, std::move(what)); }
Status malformed(std::string_view what) {
    return Status::error(Errc::Corruption, std::string(what) + " value is not in PostgreSQL's ISO text form");
}

// +HH[:MM[:SS]] or -..., the whole of `text`: seconds east of UTC.
bool parse_offset(std::string_view text, std::int64_t& seconds) {
    if (text.empty() || (text[0] != '+' && text[0] != '-')) {
        return false;
    }
    std::int64_t total = 0;
    std::size_t at = 1;
    for (int field = 0; field < 3; ++field) {
        if (at + 2 > text.size() || text[at] < '0' || text[at] > '9' || text[at + 1] < '0' || text[at + 1] > '9') {
            return false;
        }
        total = total * 60 + (text[at] - '0') * 10 + (text[at + 1] - '0');
        at += 2;
        if (at == text.size()) {
            for (; field < 2; ++field) {
                total *= 60;  // the fields left out are zero
            }
            seconds = text[0] == '-' ? -total : total;
            return true;
        }
        if (text[at++] != ':') {
            return false;
        }
    }
    return false;
}

// YYYY-MM-DD; years past 9999 with a sign, as ISO-8601 (and Java) write them.
void append_iso_date(std::string& out, const CivilDate& d) {
    // As java.time prints years: at least 4 digits, '-' before BC years (1 BC is year 0), '+' past 9999.
    std::string year = std::to_string(d.year < 0 ? -d.year : d.year);
    if (year.size() < 4) {
        year.insert(0, 4 - year.size(), '0');
    }
    out += d.year < 0 ? "-" : d.year > 9999 ? "+" : "";
    out += year;
    out += {'-', static_cast<char>('0' + d.month / 10), static_cast<char>('0' + d.month % 10), '-',
            static_cast<char>('0' + d.day / 10), static_cast<char>('0' + d.day % 10)};
}

void append_iso_time(std::string& out, std::int64_t micros) {
    const auto two = [&](std::int64_t v) { out += {static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)}; };
    const std::int64_t seconds = micros / kMicrosPerSecond;
    two(seconds / 3600);
    out.push_back(':');
    two(seconds / 60 % 60);
    out.push_back(':');
    two(seconds % 60);
    if (std::int64_t fraction = micros % kMicrosPerSecond; fraction != 0) {
        std::string digits = std::to_string(fraction + kMicrosPerSecond).substr(1);  // six digits
        digits.erase(digits.find_last_not_of('0') + 1);
        out += "." + digits;
    }
}

Status append_number(std::string_view text, std::string& out) {
    // Parsed and printed again: MySQL's YEAR 0000 is a JSON 0; unsigned BIGINT goes past int64.
    std::array<char, 24> digits{};
    const char* const last = text.data() + text.size();
    std::int64_t v = 0;
    if (const auto r = std::from_chars(text.data(), last, v); r.ec == std::errc() && r.ptr == last) {
        out.append(digits.data(), std::to_chars(digits.data(), digits.data() + digits.size(), v).ptr);
        return {};
    }
    std::uint64_t u = 0;
    if (const auto r = std::from_chars(text.data(), last, u); r.ec != std::errc() || r.ptr != last) {
        return malformed("an integer");
    }
    out.append(digits.data(), std::to_chars(digits.data(), digits.data() + digits.size(), u).ptr);
    return {};
}

Status append_float(std::string_view text, std::string& out) {
    if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        append_json_string(out, text);  // what Kafka Connect's JSON converter writes for them
        return {};
    }
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return malformed("a float");
    }
    out.append(text);  // PostgreSQL's shortest exact text is a JSON number
    return {};
}

// [-]digits[.digits] -> the unscaled value's minimal big-endian two's complement bytes (Java's
// BigInteger.toByteArray, which Debezium's precise decimals carry).
Result<std::string> unscaled_bytes(std::string_view text, int scale) {
    const bool negative = text.starts_with('-');
    text.remove_prefix(negative ? 1 : 0);
    const auto dot = text.find('.');
    std::string digits(text.substr(0, dot));
    std::string fraction(dot == std::string_view::npos ? "" : text.substr(dot + 1));
    if (scale >= 0) {
        if (fraction.size() > static_cast<std::size_t>(scale)) {
            return malformed("a numeric");
        }
        fraction.append(static_cast<std::size_t>(scale) - fraction.size(), '0');
    }
    digits += fraction;
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
        return malformed("a numeric");
    }
    std::vector<unsigned char> little;  // magnitude, least significant byte first
    while (digits.find_first_not_of('0') != std::string::npos) {
        unsigned remainder = 0;
        for (char& c : digits) {
            const unsigned v = remainder * 10 + static_cast<unsigned>(c - '0');
            c = static_cast<char>('0' + v / 256);
            remainder = v % 256;
        }
        little.push_back(static_cast<unsigned char>(remainder));
    }
    little.push_back(0);  // room for the sign bit
    if (negative) {
        unsigned carry = 1;
        for (auto& b : little) {
            const unsigned v = static_cast<unsigned char>(~b) + carry;
            b = static_cast<unsigned char>(v);
            carry = v >> 8U;
        }
    }
    std::string out(little.rbegin(), little.rend());
    while (out.size() > 1 && ((out[0] == '\0' && (static_cast<unsigned char>(out[1]) & 0x80U) == 0)
                              || (out[0] == '\xff' && (static_cast<unsigned char>(out[1]) & 0x80U) != 0))) {
        out.erase(0, 1);
    }
    return out;
}

Status append_decimal(const ColumnForm& form, const ValueOptions& options, std::string_view text, std::string& out) {
    if (options.decimals == DecimalHandling::String) {
        append_json_string(out, text);
        return {};
    }
    if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        return unsupported("a numeric NaN or infinity has no precise decimal form; set target.decimals: string, "
                           "which carries it");
    }
    const auto dot = text.find('.');
    const int scale = form.scale >= 0 ? form.scale : dot == std::string_view::npos ? 0 : static_cast<int>(text.size() - dot - 1);
    auto bytes = unscaled_bytes(text, scale);
    if (!bytes.ok()) {
        return bytes.status();
    }
    if (form.scale < 0) {
        out += "{\"scale\":" + std::to_string(scale) + ",\"value\":\"";  // Debezium's VariableScaleDecimal
        append_base64(out, bytes.value());
        out += "\"}";
        return {};
    }
    out.push_back('"');
    append_base64(out, bytes.value());
    out.push_back('"');
    return {};
}

Status append_bytes(std::string_view text, std::string& out) {
    std::string raw;
    if (!text.starts_with("\\x") || !append_unhex(raw, text.substr(2))) {
        return malformed("a bytea");
    }
    out.push_back('"');
    append_base64(out, raw);
    out.push_back('"');
    return {};
}

Status epoch_refused() {  // the value stays out of the message: it is row data
    return unsupported("an infinite date/time has no epoch form; set target.temporal: iso, which carries it");
}

// MySQL/MariaDB keep zero dates and dates with a zero month or day ("0000-00-00", "2024-00-00"),
// which name no day: carried as their text (Debezium would make them null, losing them).
bool zero_date(std::string_view text) {
    return text.size() >= 10 && (text.substr(5, 2) == "00" || text.substr(8, 2) == "00");
}

Status append_temporal(const ColumnForm& column, const ValueOptions& options, std::string_view text, std::string& out) {
    const JsonForm form = column.form;
    if (form != JsonForm::Time && form != JsonForm::TimeTz && zero_date(text)) {
        if (options.temporal == TemporalHandling::Epoch) {
            return unsupported("a zero date has no epoch form; set target.temporal: iso, which carries it as its text");
        }
        append_json_string(out, text);
        return {};
    }
    const bool iso = options.temporal == TemporalHandling::IsoString || form == JsonForm::TimestampTz
                     || form == JsonForm::TimeTz || column.utc;  // Debezium's zoned forms are text either way
    if (text == "infinity" || text == "-infinity") {
        if (!iso) {
            return epoch_refused();
        }
        append_json_string(out, text);
        return {};
    }
    const bool bc = text.ends_with(" BC");  // PostgreSQL's era suffix; ISO-8601 counts 1 BC as year 0
    if (bc) {
        text.remove_suffix(3);
    }
    CivilDate date;
    std::int64_t days = 0;
    std::int64_t micros = 0;
    std::int64_t offset = 0;
    std::size_t used = 0;
    std::size_t time_used = 0;
    const bool has_date = form == JsonForm::Date || form == JsonForm::Timestamp || form == JsonForm::TimestampTz;
    const bool has_time = form != JsonForm::Date;
    const bool has_offset = form == JsonForm::TimestampTz || form == JsonForm::TimeTz;
    if (has_date) {
        if (!parse_iso_date(text, used, date)) {
            return malformed("a date");
        }
        date.year = bc ? 1 - date.year : date.year;
        if (date.day > days_in_month(date.year, date.month)) {
            return malformed("a date");
        }
        days = days_from_civil(date.year, date.month, date.day);
    }
    if (has_date && has_time && (used >= text.size() || text[used++] != ' ')) {
        return malformed("a timestamp");
    }
    if (has_time && !parse_iso_time(text.substr(used), time_used, micros)) {
        return malformed("a time");
    }
    used += time_used;
    if (has_offset ? !parse_offset(text.substr(used), offset) : used != text.size()) {
        return malformed("a date/time");
    }
    const std::int64_t utc = days * kMicrosPerDay + micros - offset * kMicrosPerSecond;
    if (!iso) {
        out += std::to_string(form == JsonForm::Date ? days : utc);
        return {};
    }
    out.push_back('"');
    const std::int64_t day = (utc >= 0 ? utc : utc - kMicrosPerDay + 1) / kMicrosPerDay;
    if (has_date) {
        append_iso_date(out, civil_from_days(day));
    }
    if (has_time) {
        if (has_date) {
            out.push_back('T');
        }
        append_iso_time(out, has_date || has_offset ? utc - day * kMicrosPerDay : micros);  // time may be 24:00:00
        if (has_offset || column.utc) {
            out.push_back('Z');
        }
    }
    out.push_back('"');
    return {};
}

Status append_interval(const ValueOptions& options, std::string_view text, std::string& out) {
    const auto interval = parse_pg_interval(text);
    if (!interval) {
        return Status::error(Errc::Corruption, "an interval value is not in PostgreSQL's postgres IntervalStyle");
    }
    if (options.temporal == TemporalHandling::Epoch) {
        out += std::to_string(approximate_micros(*interval));
    } else {
        append_json_string(out, iso_duration(*interval));
    }
    return {};
}

Status append_text_form(const ColumnForm& form, const ValueOptions& options, std::string_view text, std::string& out) {
    switch (form.form) {
        case JsonForm::Integer: return append_number(text, out);
        case JsonForm::Boolean:
            if (text != "t" && text != "f") {
                return malformed("a boolean");
            }
            out += text == "t" ? "true" : "false";
            return {};
        case JsonForm::Float: return append_float(text, out);
        case JsonForm::Decimal: return append_decimal(form, options, text, out);
        case JsonForm::Bytes: return append_bytes(text, out);
        case JsonForm::Date: case JsonForm::Time: case JsonForm::TimeTz: case JsonForm::Timestamp: case JsonForm::TimestampTz:
            return append_temporal(form, options, text, out);
        case JsonForm::Interval: return append_interval(options, text, out);
        case JsonForm::Array:
            return pg_array_to_json(
                text,
                [&](std::string_view element, std::string& json) {
                    return append_text_form({form.element, form.scale, JsonForm::Text}, options, element, json);
                },
                out);
        case JsonForm::Text: break;
    }
    append_json_string(out, text);
    return {};
}

// The element type of a built-in array type whose elements have a form of their own (0: none).
std::uint32_t array_element_oid(std::uint32_t array_oid) {
    switch (array_oid) {
        case 1000: return 16;     // bool[]
        case 1005: return 21;     // int2[]
        case 1007: return 23;     // int4[]
        case 1016: return 20;     // int8[]
        case 1028: return 26;     // oid[]
        case 1021: return 700;    // float4[]
        case 1022: return 701;    // float8[]
        case 1231: return 1700;   // numeric[]
        case 1001: return 17;     // bytea[]
        case 1182: return 1082;   // date[]
        case 1183: return 1083;   // time[]
        case 1270: return 1266;   // timetz[]
        case 1115: return 1114;   // timestamp[]
        case 1185: return 1184;   // timestamptz[]
        case 1187: return 1186;   // interval[]
        default: return 0;
    }
}

}  // namespace

ColumnForm pg_column_form(const Column& column) {
    if (const std::uint32_t element = array_element_oid(column.type_oid); element != 0) {
        Column of_element = column;
        of_element.type_oid = element;
        const ColumnForm form = pg_column_form(of_element);
        return {JsonForm::Array, form.scale, form.form};
    }
    switch (column.type_oid) {
        case 20: case 21: case 23: case 26: return {JsonForm::Integer};
        case 16: return {JsonForm::Boolean};
        case 700: case 701: return {JsonForm::Float};
        case 1700: {
            const auto comma = column.type_name.find(',');
            return {JsonForm::Decimal, comma == std::string::npos ? -1 : std::stoi(column.type_name.substr(comma + 1))};
        }
        case 17: return {JsonForm::Bytes};
        case 1082: return {JsonForm::Date};
        case 1083: return {JsonForm::Time};
        case 1266: return {JsonForm::TimeTz};
        case 1114: return {JsonForm::Timestamp};
        case 1184: return {JsonForm::TimestampTz};
        case 1186: return {JsonForm::Interval};
        default: break;
    }
    return {column.type_name.ends_with("[]") ? JsonForm::Array : JsonForm::Text};
}

ColumnForm pg_type_name_form(std::string_view type) {
    const auto starts = [&](std::string_view prefix) { return type.starts_with(prefix); };
    const bool zoned = type.ends_with("with time zone") && !type.ends_with("without time zone");
    if (type == "smallint" || type == "integer" || type == "bigint" || type == "oid") {
        return {JsonForm::Integer};
    }
    if (type == "boolean") {
        return {JsonForm::Boolean};
    }
    if (type == "real" || type == "double precision") {
        return {JsonForm::Float};
    }
    if (starts("numeric")) {
        const auto comma = type.find(',');
        return {JsonForm::Decimal, comma == std::string_view::npos ? -1 : std::atoi(type.data() + comma + 1)};
    }
    if (type == "bytea") {
        return {JsonForm::Bytes};
    }
    if (type == "date") {
        return {JsonForm::Date};
    }
    if (starts("timestamp")) {
        return {zoned ? JsonForm::TimestampTz : JsonForm::Timestamp};
    }
    if (starts("time")) {
        return {zoned ? JsonForm::TimeTz : JsonForm::Time};
    }
    if (starts("interval")) {
        return {JsonForm::Interval};
    }
    return {JsonForm::Text};
}

ColumnForm mysql_column_form(const Column& column) {
    const std::string_view type = column.type_name;
    const auto starts = [&](std::string_view prefix) { return type.starts_with(prefix); };
    if (starts("tinyint") || starts("smallint") || starts("mediumint") || starts("int") || starts("bigint")
        || starts("year")) {
        return {JsonForm::Integer};
    }
    if (starts("float") || starts("double") || starts("real")) {
        return {JsonForm::Float};
    }
    if (starts("decimal") || starts("numeric")) {
        const auto comma = type.find(',');
        return {JsonForm::Decimal, comma == std::string_view::npos ? 0 : std::atoi(type.data() + comma + 1)};
    }
    if (starts("datetime")) {
        return {JsonForm::Timestamp};
    }
    if (starts("timestamp")) {  // stored in UTC: Debezium's ZonedTimestamp
        ColumnForm form{JsonForm::Timestamp};
        form.utc = true;
        return form;
    }
    if (starts("date")) {
        return {JsonForm::Date};
    }
    if (starts("binary") || starts("varbinary") || type.ends_with("blob")) {
        return {JsonForm::Bytes};
    }
    return {JsonForm::Text};  // text, enum, set, bit, json, and TIME (its range exceeds a time of day)
}

Status append_json_value(const ColumnForm& form, const ValueOptions& options, const Value& value, std::string& out) {
    if (std::holds_alternative<Null>(value)) {
        out += "null";
        return {};
    }
    if (std::holds_alternative<Unchanged>(value)) {
        if (form.form == JsonForm::Bytes) {
            out.push_back('"');
            append_base64(out, kUnavailable);
            out.push_back('"');
        } else {
            append_json_string(out, kUnavailable);
        }
        return {};
    }
    if (const auto* text = std::get_if<std::string>(&value)) {
        return append_text_form(form, options, *text, out);
    }
    return Status::error(Errc::Corruption, "a column value that is not text");
}

}  // namespace ferry::apply::kafka
