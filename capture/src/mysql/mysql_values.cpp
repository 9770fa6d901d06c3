#include "mysql_values.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "ferry/core/hex.hpp"
#include "le_reader.hpp"

namespace ferry::capture::mysql {

namespace {

constexpr unsigned kDigitsPerGroup = 9;
constexpr std::array<unsigned, kDigitsPerGroup + 1> kGroupBytes = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

template <class T>
std::string shortest(T v) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "Infinity" : "-Infinity";
    }
    std::array<char, 64> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string(buf.data(), r.ptr);
}

Result<double> parse_double(std::string_view text) {
    double v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
        return Status::error(Errc::Corruption, "the server sent a floating-point value that does not parse");
    }
    return v;
}

void append_padded(std::string& out, std::uint32_t v, unsigned width) {
    std::array<char, 16> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "%0*u", static_cast<int>(width), v);
    out.append(buf.data(), static_cast<std::size_t>(n));
}

void append_fraction(std::string& out, unsigned microsecond, unsigned fsp) {
    if (fsp == 0) {
        return;
    }
    static constexpr std::array<unsigned, 7> kScale = {1000000, 100000, 10000, 1000, 100, 10, 1};
    out.push_back('.');
    append_padded(out, microsecond / kScale[fsp > 6 ? 6 : fsp], fsp > 6 ? 6 : fsp);
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0U | (cp >> 6U)));
        out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
    } else {
        out.push_back(static_cast<char>(0xE0U | (cp >> 12U)));
        out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
        out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
    }
}

// cp1252's 0x80..0x9F as MySQL's latin1 maps them (its five undefined bytes to the C1 controls).
constexpr std::array<std::uint16_t, 32> kLatin1High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

}  // namespace

std::string format_float(float v) { return shortest(v); }
std::string format_double(double v) { return shortest(v); }

Result<std::string> float_from_server_text(std::string_view text) {
    auto d = parse_double(text);
    if (!d.ok()) {
        return d.status();
    }
    return format_float(static_cast<float>(d.value()));
}

Result<std::string> double_from_server_text(std::string_view text) {
    auto d = parse_double(text);
    if (!d.ok()) {
        return d.status();
    }
    return format_double(d.value());
}

std::size_t decimal_binary_size(unsigned precision, unsigned scale) {
    const unsigned intg = precision - scale;
    return (intg / kDigitsPerGroup) * 4 + kGroupBytes[intg % kDigitsPerGroup] + (scale / kDigitsPerGroup) * 4
           + kGroupBytes[scale % kDigitsPerGroup];
}

Result<std::string> decode_decimal(std::string_view bytes, unsigned precision, unsigned scale) {
    if (precision == 0 || precision > 65 || scale > 30 || scale > precision
        || bytes.size() != decimal_binary_size(precision, scale)) {
        return Status::error(Errc::Corruption, "DECIMAL value of the wrong size in a row event");
    }
    std::string buf(bytes);
    const bool negative = (static_cast<std::uint8_t>(buf[0]) & 0x80U) == 0;
    buf[0] = static_cast<char>(static_cast<std::uint8_t>(buf[0]) ^ 0x80U);
    const std::uint32_t mask = negative ? 0xFFFFFFFFU : 0U;
    const unsigned intg = precision - scale;
    std::size_t at = 0;
    std::string digits;  // integer part, may have leading zeros
    auto group = [&](unsigned ndigits, std::string& out) -> bool {
        const unsigned n = ndigits == kDigitsPerGroup ? 4 : kGroupBytes[ndigits];
        const std::uint32_t limit_mask = n == 4 ? 0xFFFFFFFFU : ((1U << (8U * n)) - 1U);
        const std::uint32_t v = (static_cast<std::uint32_t>(big_endian(std::string_view(buf).substr(at, n))) ^ mask) & limit_mask;
        at += n;
        static constexpr std::array<std::uint32_t, 10> kPow10 = {1,      10,      100,      1000,      10000,
                                                                 100000, 1000000, 10000000, 100000000, 1000000000};
        if (v >= kPow10[ndigits]) {
            return false;
        }
        append_padded(out, v, ndigits);
        return true;
    };
    bool ok = true;
    if (intg % kDigitsPerGroup != 0) {
        ok = ok && group(intg % kDigitsPerGroup, digits);
    }
    for (unsigned i = 0; i < intg / kDigitsPerGroup; ++i) {
        ok = ok && group(kDigitsPerGroup, digits);
    }
    std::string fraction;
    for (unsigned i = 0; i < scale / kDigitsPerGroup; ++i) {
        ok = ok && group(kDigitsPerGroup, fraction);
    }
    if (scale % kDigitsPerGroup != 0) {
        ok = ok && group(scale % kDigitsPerGroup, fraction);
    }
    if (!ok) {
        return Status::error(Errc::Corruption, "DECIMAL value with a digit group out of range in a row event");
    }
    const auto first = digits.find_first_not_of('0');
    std::string out = first == std::string::npos ? "0" : digits.substr(first);
    if (!fraction.empty()) {
        out += "." + fraction;
    }
    if (negative && out.find_first_of("123456789") != std::string::npos) {
        out.insert(out.begin(), '-');
    }
    return out;
}

std::string format_date(const CivilTime& t) {
    std::string out;
    append_padded(out, t.year, 4);
    out.push_back('-');
    append_padded(out, t.month, 2);
    out.push_back('-');
    append_padded(out, t.day, 2);
    return out;
}

std::string format_time(const CivilTime& t, unsigned fsp) {
    std::string out = t.negative ? "-" : "";
    append_padded(out, t.hour, 2);
    out.push_back(':');
    append_padded(out, t.minute, 2);
    out.push_back(':');
    append_padded(out, t.second, 2);
    append_fraction(out, t.microsecond, fsp);
    return out;
}

std::string format_datetime(const CivilTime& t, unsigned fsp) {
    CivilTime clock = t;
    clock.negative = false;
    return format_date(t) + " " + format_time(clock, fsp);
}

CivilTime civil_from_unix(std::int64_t seconds, unsigned microsecond) {
    CivilTime t;
    t.microsecond = microsecond;
    if (seconds == 0 && microsecond == 0) {
        return t;  // MySQL's zero TIMESTAMP
    }
    std::int64_t days = seconds / 86400;
    std::int64_t rem = seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    t.hour = static_cast<unsigned>(rem / 3600);
    t.minute = static_cast<unsigned>((rem % 3600) / 60);
    t.second = static_cast<unsigned>(rem % 60);
    // Howard Hinnant's civil_from_days.
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    t.day = doy - (153 * mp + 2) / 5 + 1;
    t.month = mp < 10 ? mp + 3 : mp - 9;
    t.year = static_cast<unsigned>(static_cast<std::int64_t>(yoe) + era * 400 + (t.month <= 2 ? 1 : 0));
    return t;
}

std::string format_year(unsigned year) {
    std::string out;
    append_padded(out, year, 4);
    return out;
}

std::string format_bits(std::string_view bytes, unsigned bits) {
    std::string out;
    out.reserve(bits);
    const std::size_t total = bytes.size() * 8;
    for (std::size_t i = total - std::min<std::size_t>(bits, total); i < total; ++i) {
        const auto byte = static_cast<std::uint8_t>(bytes[i / 8]);
        out.push_back(((byte >> (7U - i % 8U)) & 1U) != 0 ? '1' : '0');
    }
    return out;
}

std::string hex_bytes(std::string_view bytes) {
    std::string out = "\\x";
    append_hex(out, bytes);
    return out;
}

std::string latin1_to_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 8);
    for (const char c : bytes) {
        const auto b = static_cast<std::uint8_t>(c);
        if (b < 0x80) {
            out.push_back(c);
        } else if (b < 0xA0) {
            append_utf8(out, kLatin1High[b - 0x80]);
        } else {
            append_utf8(out, b);
        }
    }
    return out;
}

}  // namespace ferry::capture::mysql
