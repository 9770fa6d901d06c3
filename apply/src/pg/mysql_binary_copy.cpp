#include "mysql_binary_copy.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <limits>

#include "ferry/core/civil_date.hpp"
#include "ferry/core/copy_text.hpp"
#include "ferry/core/hex.hpp"

namespace ferry::apply::pg {

namespace {

void put16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v >> 8U));
    out.push_back(static_cast<char>(v));
}

void put32(std::string& out, std::uint32_t v) {
    put16(out, static_cast<std::uint16_t>(v >> 16U));
    put16(out, static_cast<std::uint16_t>(v));
}

void put64(std::string& out, std::uint64_t v) {
    put32(out, static_cast<std::uint32_t>(v >> 32U));
    put32(out, static_cast<std::uint32_t>(v));
}

Status malformed(std::string_view what) {
    return Status::error(Errc::Corruption, std::string(what) + " value is not in the expected form");
}

template <typename T>
bool parse_number(std::string_view text, T& value) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

bool all_digits(std::string_view s) { return s.find_first_not_of("0123456789") == std::string_view::npos; }

template <typename Int>
Status append_integer(std::string_view text, std::string& out) {
    Int v{};
    if (!parse_number(text, v)) {
        return malformed("an integer");
    }
    put32(out, sizeof(Int));
    if constexpr (sizeof(Int) == 2) {
        put16(out, static_cast<std::uint16_t>(v));
    } else if constexpr (sizeof(Int) == 4) {
        put32(out, static_cast<std::uint32_t>(v));
    } else {
        put64(out, static_cast<std::uint64_t>(v));
    }
    return {};
}

// [-]digits[.digits] -> numeric_send's form: digit count, weight, sign, display scale, then base-10000
// digits (the integer part grouped from the point leftwards, the fraction rightwards).
Status append_numeric(std::string_view text, std::string& out) {
    const bool negative = text.starts_with('-');
    text.remove_prefix(negative ? 1 : 0);
    const auto dot = text.find('.');
    std::string_view integer = text.substr(0, dot);
    const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    if (integer.empty() || !all_digits(integer) || !all_digits(fraction) || (dot != std::string_view::npos && fraction.empty())) {
        return malformed("a DECIMAL");
    }
    integer.remove_prefix(std::min(integer.find_first_not_of('0'), integer.size()));
    constexpr std::size_t kMaxGroups = 24;  // DECIMAL(65,30): 9 integer + 8 fraction groups
    const std::size_t integer_groups = (integer.size() + 3) / 4;
    const std::size_t groups = integer_groups + (fraction.size() + 3) / 4;
    if (groups > kMaxGroups) {
        return malformed("a DECIMAL");
    }
    std::array<std::uint16_t, kMaxGroups> digits{};
    const std::size_t lead = integer.size() % 4 == 0 ? 4 : integer.size() % 4;  // digits in the first group
    for (std::size_t i = 0; i < integer.size(); ++i) {
        const std::size_t g = i < lead ? 0 : 1 + (i - lead) / 4;
        digits[g] = static_cast<std::uint16_t>(digits[g] * 10 + (integer[i] - '0'));
    }
    for (std::size_t i = 0; i < fraction.size() + (4 - fraction.size() % 4) % 4; ++i) {
        const std::size_t g = integer_groups + i / 4;
        digits[g] = static_cast<std::uint16_t>(digits[g] * 10 + (i < fraction.size() ? fraction[i] - '0' : 0));
    }
    std::size_t first = 0;
    std::size_t last = groups;
    auto weight = static_cast<int>(integer_groups) - 1;
    for (; first < last && digits[first] == 0; ++first) {
        --weight;
    }
    for (; last > first && digits[last - 1] == 0; --last) {
    }
    const std::size_t count = last - first;
    put32(out, static_cast<std::uint32_t>(8 + 2 * count));
    put16(out, static_cast<std::uint16_t>(count));
    put16(out, static_cast<std::uint16_t>(count == 0 ? 0 : weight));
    constexpr std::uint16_t kNegative = 0x4000;
    put16(out, negative && count != 0 ? kNegative : 0);
    put16(out, static_cast<std::uint16_t>(fraction.size()));
    for (std::size_t g = first; g < last; ++g) {
        put16(out, digits[g]);
    }
    return {};
}

template <typename Float>
Status append_float(std::string_view text, std::string& out) {
    Float v{};
    if (!parse_number(text, v)) {
        return malformed("a FLOAT/DOUBLE");
    }
    if constexpr (sizeof(Float) == 4) {
        put32(out, 4);
        put32(out, std::bit_cast<std::uint32_t>(v));
    } else {
        put32(out, 8);
        put64(out, std::bit_cast<std::uint64_t>(v));
    }
    return {};
}

constexpr std::int64_t kPostgresEpochDays = 10957;  // 2000-01-01, PostgreSQL's day 0
constexpr std::int64_t kMicrosPerDay = 86'400'000'000;

// YYYY-MM-DD, the whole of `text` -> days since 2000-01-01. MySQL stores impossible dates such as
// February 30 under ALLOW_INVALID_DATES; PostgreSQL has none, so they are refused as on the text path.
Result<std::int64_t> parse_date(std::string_view text) {
    CivilDate date;
    std::size_t used = 0;
    if (!parse_iso_date(text, used, date) || used != text.size()) {
        return malformed("a DATE");
    }
    if (date.day > days_in_month(date.year, date.month)) {
        return Status::error(Errc::Unsupported, "an impossible date (such as February 30) has no PostgreSQL date");
    }
    return days_from_civil(date.year, date.month, date.day) - kPostgresEpochDays;
}

// HH:MM:SS[.fraction], the whole of `text` -> microseconds.
Result<std::int64_t> parse_time(std::string_view text) {
    std::int64_t micros = 0;
    std::size_t used = 0;
    if (!parse_iso_time(text, used, micros) || used != text.size()) {
        return malformed("a TIME");
    }
    return micros;
}

Status append_date(std::string_view text, std::string& out) {
    auto days = parse_date(text);
    if (!days.ok()) {
        return days.status();
    }
    put32(out, 4);
    put32(out, static_cast<std::uint32_t>(days.value()));
    return {};
}

Status append_time(std::string_view text, std::string& out) {
    auto micros = parse_time(text);
    if (!micros.ok()) {
        return micros.status();
    }
    put32(out, 8);
    put64(out, static_cast<std::uint64_t>(micros.value()));
    return {};
}

// YYYY-MM-DD HH:MM:SS[.fraction] -> microseconds since 2000-01-01 00:00:00 (UTC for timestamptz: the
// form holds TIMESTAMP values in UTC).
Status append_timestamp(std::string_view text, std::string& out) {
    if (text.size() < 19 || text[10] != ' ') {
        return malformed("a DATETIME/TIMESTAMP");
    }
    auto days = parse_date(text.substr(0, 10));
    if (!days.ok()) {
        return days.status();
    }
    auto micros = parse_time(text.substr(11));
    if (!micros.ok()) {
        return micros.status();
    }
    put32(out, 8);
    put64(out, static_cast<std::uint64_t>(days.value() * kMicrosPerDay + micros.value()));
    return {};
}

// n characters 0/1 -> bit_send's form: the bit count, then the bits packed from the high end.
Status append_bits(std::string_view text, std::string& out) {
    if (text.find_first_not_of("01") != std::string_view::npos) {
        return malformed("a BIT");
    }
    put32(out, static_cast<std::uint32_t>(4 + (text.size() + 7) / 8));
    put32(out, static_cast<std::uint32_t>(text.size()));
    for (std::size_t at = 0; at < text.size(); at += 8) {
        unsigned byte = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            byte = (byte << 1U) | (at + i < text.size() && text[at + i] == '1' ? 1U : 0U);
        }
        out.push_back(static_cast<char>(byte));
    }
    return {};
}

// \x followed by hex -> the bytes.
Status append_bytea(std::string_view text, std::string& out) {
    std::string raw;
    if (!text.starts_with("\\x") || !append_unhex(raw, text.substr(2))) {
        return malformed("a BINARY/BLOB");
    }
    put32(out, static_cast<std::uint32_t>(raw.size()));
    out += raw;
    return {};
}

void append_bytes(std::string_view prefix, std::string_view text, std::string& out) {
    put32(out, static_cast<std::uint32_t>(prefix.size() + text.size()));
    out.append(prefix);
    out.append(text);
}

}  // namespace

void append_binary_copy_header(std::string& out) {
    static constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
    out.append(kSignature);
    put32(out, 0);  // flags: no OIDs
    put32(out, 0);  // no header extension
}

void append_binary_copy_trailer(std::string& out) { put16(out, 0xFFFF); }

Status append_binary_value(BinaryForm form, ValueRule rule, std::string_view text, std::string& out) {
    if (Status st = check_value(rule, text); !st.ok()) {
        return st;
    }
    switch (form) {
        case BinaryForm::Bool:
            put32(out, 1);
            out.push_back(text == "1" ? '\1' : '\0');
            return {};
        case BinaryForm::Int2: return append_integer<std::int16_t>(text, out);
        case BinaryForm::Int4: return append_integer<std::int32_t>(text, out);
        case BinaryForm::Int8: return append_integer<std::int64_t>(text, out);
        case BinaryForm::Numeric: return append_numeric(text, out);
        case BinaryForm::Float4: return append_float<float>(text, out);
        case BinaryForm::Float8: return append_float<double>(text, out);
        case BinaryForm::Bit: return append_bits(text, out);
        case BinaryForm::Date: return append_date(text, out);
        case BinaryForm::Time: return append_time(text, out);
        case BinaryForm::Timestamp: case BinaryForm::TimestampTz: return append_timestamp(text, out);
        case BinaryForm::Varchar: case BinaryForm::Text: case BinaryForm::Enum:
            append_bytes({}, text, out);
            return {};
        case BinaryForm::Bytea: return append_bytea(text, out);
        case BinaryForm::Jsonb:
            append_bytes(std::string_view("\1", 1), text, out);  // jsonb_send's version 1: the text
            return {};
    }
    return {};
}

Status append_binary_rows(const PgTranslation& t, std::string_view text, std::string& out) {
    const std::size_t columns = t.forms.size();
    std::string unescaped;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        std::string_view row = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        put16(out, static_cast<std::uint16_t>(columns));
        bool more = true;
        for (std::size_t i = 0; i < columns; ++i) {
            if (!more) {
                return Status::error(Errc::Corruption, "a COPY row has fewer fields than the table has columns");
            }
            const auto tab = row.find('\t');
            const std::string_view raw = row.substr(0, tab);
            more = tab != std::string_view::npos;
            row.remove_prefix(more ? tab + 1 : row.size());
            if (raw == "\\N") {
                put32(out, std::numeric_limits<std::uint32_t>::max());  // -1: NULL
                continue;
            }
            std::string_view value = raw;
            if (raw.find('\\') != std::string_view::npos) {
                auto field = parse_copy_field(raw);
                if (!field.ok()) {
                    return field.status();
                }
                unescaped = std::move(*field.value());
                value = unescaped;
            }
            if (Status st = append_binary_value(t.forms[i], t.rules[i], value, out); !st.ok()) {
                return st.with_context("column " + t.table.columns[i].name);
            }
        }
        if (more) {
            return Status::error(Errc::Corruption, "a COPY row has more fields than the table has columns");
        }
    }
    return {};
}

}  // namespace ferry::apply::pg
