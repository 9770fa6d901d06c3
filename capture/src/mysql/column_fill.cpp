#include "column_fill.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <optional>

#include "ferry/core/hex.hpp"
#include "ferry/core/mysql_types.hpp"
#include "mysql_values.hpp"

namespace ferry::capture::mysql {

namespace {

using TK = MysqlType::Kind;
using DK = DefaultClause::Kind;

Status cannot(const std::string& why) { return Status::error(Errc::Unsupported, why); }

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool all_digits(std::string_view s) { return std::all_of(s.begin(), s.end(), is_digit); }

// [+-]digits[.digits], the way a DEFAULT literal writes an exact number.
struct ExactNumber {
    bool negative = false;
    std::string whole;     // without leading zeros; "" for zero
    std::string fraction;  // as written
};

std::optional<ExactNumber> parse_exact(std::string_view s) {
    ExactNumber n;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        n.negative = s.front() == '-';
        s.remove_prefix(1);
    }
    const auto point = s.find('.');
    std::string_view whole = s.substr(0, point);
    const std::string_view fraction = point == std::string_view::npos ? "" : s.substr(point + 1);
    if ((whole.empty() && fraction.empty()) || !all_digits(whole) || !all_digits(fraction)) {
        return std::nullopt;
    }
    while (!whole.empty() && whole.front() == '0') {
        whole.remove_prefix(1);
    }
    n.whole = whole;
    n.fraction = fraction;
    return n;
}

Result<std::string> integer_fill(const std::string& literal) {
    const auto n = parse_exact(literal);
    if (!n || n->fraction.find_first_not_of('0') != std::string::npos) {
        return cannot("DEFAULT " + literal + " is not an integer (the server would round it)");
    }
    return n->whole.empty() ? std::string("0") : (n->negative ? "-" : "") + n->whole;
}

Result<std::string> decimal_fill(const std::string& literal, unsigned scale) {
    const auto n = parse_exact(literal);
    if (!n || n->fraction.size() > scale) {
        return cannot("DEFAULT " + literal + " is not a number with at most " + std::to_string(scale)
                      + " decimals (the server would round it)");
    }
    std::string fraction = n->fraction + std::string(scale - n->fraction.size(), '0');
    const bool zero = n->whole.empty() && fraction.find_first_not_of('0') == std::string::npos;
    return (n->negative && !zero ? "-" : "") + (n->whole.empty() ? "0" : n->whole)
           + (scale == 0 ? "" : "." + fraction);
}

Result<std::string> float_fill(const std::string& literal, bool is_double) {
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(literal.c_str(), &end);
    if (literal.empty() || end != literal.c_str() + literal.size() || errno != 0) {
        return cannot("DEFAULT " + literal + " is not a number");
    }
    return is_double ? format_double(v) : format_float(static_cast<float>(v));
}

// YYYY-MM-DD
bool is_date(std::string_view s) {
    return s.size() == 10 && s[4] == '-' && s[7] == '-' && all_digits(s.substr(0, 4)) && all_digits(s.substr(5, 2))
           && all_digits(s.substr(8, 2));
}

// [-]H..HHH:MM:SS[.digits] -> the same with exactly `fsp` fractional digits; nullopt otherwise.
std::optional<std::string> time_of(std::string_view s, unsigned fsp, bool allow_sign) {
    std::string sign;
    if (allow_sign && !s.empty() && s.front() == '-') {
        sign = "-";
        s.remove_prefix(1);
    }
    const auto colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 3 || !all_digits(s.substr(0, colon))) {
        return std::nullopt;
    }
    const std::string_view hours = s.substr(0, colon);
    const std::string_view rest = s.substr(colon);  // :MM:SS[.f]
    if (rest.size() < 6 || rest[0] != ':' || rest[3] != ':' || !all_digits(rest.substr(1, 2))
        || !all_digits(rest.substr(4, 2))) {
        return std::nullopt;
    }
    std::string_view fraction = rest.size() > 6 && rest[6] == '.' ? rest.substr(7) : "";
    if ((rest.size() > 6 && rest[6] != '.') || !all_digits(fraction) || fraction.size() > fsp) {
        return std::nullopt;
    }
    std::string out = sign + (hours.size() == 1 ? "0" : "") + std::string(hours) + std::string(rest.substr(0, 6));
    if (fsp > 0) {
        out += "." + std::string(fraction) + std::string(fsp - fraction.size(), '0');
    }
    return out;
}

Result<std::string> temporal_fill(const MysqlType& type, const std::string& literal) {
    const auto bad = [&](const char* form) {
        return cannot("DEFAULT '" + literal + "' is not written as " + form + " (other spellings are not followed)");
    };
    if (type.kind == TK::Date) {
        return is_date(literal) ? Result<std::string>(literal) : bad("YYYY-MM-DD");
    }
    if (type.kind == TK::Time) {
        auto t = time_of(literal, type.scale, true);
        return t ? Result<std::string>(*t) : bad("HH:MM:SS with at most the column's fractional digits");
    }
    if (type.kind == TK::Year) {
        return literal.size() == 4 && all_digits(literal) ? Result<std::string>(literal) : bad("a four-digit year");
    }
    // DATETIME
    const std::string_view s = literal;
    if (is_date(s) && s.size() == 10) {
        return literal + " " + *time_of("00:00:00", type.scale, false);
    }
    auto t = s.size() > 11 && is_date(s.substr(0, 10)) && (s[10] == ' ' || s[10] == 'T')
                 ? time_of(s.substr(11), type.scale, false)
                 : std::nullopt;
    return t ? Result<std::string>(literal.substr(0, 10) + " " + *t)
             : bad("YYYY-MM-DD HH:MM:SS with at most the column's fractional digits");
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// ENUM: the label (compared without case, as the usual collations do) or its 1-based number.
// SET: its labels in definition order.
Result<std::string> label_fill(const MysqlType& type, const DefaultClause& d) {
    const auto& labels = type.labels;
    if (type.kind == TK::Enum && d.kind == DK::Number && all_digits(d.text)) {
        const unsigned long i = std::strtoul(d.text.c_str(), nullptr, 10);
        return i == 0 ? std::string() : i <= labels.size() ? labels[i - 1] : Result<std::string>(cannot("no such ENUM value"));
    }
    std::vector<bool> chosen(labels.size(), false);
    std::string_view rest = d.text;
    for (std::size_t comma = 0; comma != std::string_view::npos;) {
        comma = type.kind == TK::Set ? rest.find(',') : std::string_view::npos;
        const std::string_view part = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
        const auto it = std::find_if(labels.begin(), labels.end(), [&](const std::string& l) { return iequal(l, part); });
        if (it == labels.end() && !(part.empty() && (type.kind == TK::Set || d.text.empty()))) {
            return cannot("DEFAULT '" + d.text + "' is not one of the column's labels");
        }
        if (it != labels.end()) {
            chosen[static_cast<std::size_t>(it - labels.begin())] = true;
        }
    }
    std::string out;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        out += chosen[i] ? (out.empty() ? "" : ",") + labels[i] : "";
    }
    return out;
}

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) {
            return false;
        }
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) {
                return false;
            }
        }
        i += n;
    }
    return true;
}

// The bytes a DEFAULT gives a binary column, \x hex; BINARY(n) pads with zero bytes as the server does.
Result<std::string> bytes_fill(const MysqlType& type, const DefaultClause& d) {
    std::string bytes;
    if (d.kind == DK::Hex) {
        if (!append_unhex(bytes, d.text)) {
            return cannot("DEFAULT x'" + d.text + "' is not hex");
        }
    } else if (d.kind == DK::String || d.kind == DK::Number) {
        bytes = d.text;
    } else {
        return cannot("a bit-value DEFAULT on a binary column is not followed");
    }
    if (type.kind == TK::Binary && bytes.size() < type.length) {
        bytes.append(type.length - bytes.size(), '\0');
    }
    return hex_bytes(bytes);
}

Result<std::string> bits_fill(const MysqlType& type, const DefaultClause& d) {
    std::string bits;
    if (d.kind == DK::Bits && d.text.find_first_not_of("01") == std::string::npos) {
        bits = d.text;
    } else if (d.kind == DK::Number && all_digits(d.text) && d.text.size() < 20) {
        for (unsigned long long v = std::strtoull(d.text.c_str(), nullptr, 10); v != 0; v >>= 1) {
            bits.insert(bits.begin(), static_cast<char>('0' + (v & 1)));
        }
    } else {
        return cannot("DEFAULT on a BIT column is followed only as b'0101' or a number");
    }
    bits.erase(0, std::min(bits.find_first_not_of('0'), bits.size()));
    if (bits.size() > type.length) {
        return cannot("DEFAULT has more bits than BIT(" + std::to_string(type.length) + ")");
    }
    return std::string(type.length - bits.size(), '0') + bits;
}

// MySQL's implicit default of a NOT NULL column added without DEFAULT.
Result<std::string> implicit_fill(const MysqlType& type) {
    switch (type.kind) {
        case TK::Decimal: return decimal_fill("0", type.scale);
        case TK::Date: return std::string("0000-00-00");
        case TK::DateTime: return "0000-00-00 " + *time_of("00:00:00", type.scale, false);
        case TK::Time: return *time_of("00:00:00", type.scale, false);
        case TK::Year: return std::string("0000");
        case TK::Bit: return std::string(type.length, '0');
        case TK::Char: case TK::VarChar: case TK::Text: case TK::Set: return std::string();
        case TK::Binary: case TK::VarBinary: case TK::Blob: return bytes_fill(type, {DK::String, ""});
        case TK::Enum: return type.labels.empty() ? std::string() : type.labels.front();
        case TK::Timestamp: case TK::Json: case TK::Other:
            return cannot("a NOT NULL " + type.base + " column without DEFAULT gets a value that depends on the server's "
                          "settings");
        default: return std::string("0");  // integers and floats
    }
}

Result<std::string> literal_fill(const MysqlType& type, const DefaultClause& d) {
    const bool textual = d.kind == DK::String || d.kind == DK::Number;
    switch (type.kind) {
        case TK::TinyInt: case TK::SmallInt: case TK::MediumInt: case TK::Int: case TK::BigInt:
            return textual ? integer_fill(d.text) : Result<std::string>(cannot("a bit or hex DEFAULT on a number"));
        case TK::Decimal:
            return textual ? decimal_fill(d.text, type.scale) : Result<std::string>(cannot("a bit or hex DEFAULT on a number"));
        case TK::Float: case TK::Double:
            return textual ? float_fill(d.text, type.kind == TK::Double)
                           : Result<std::string>(cannot("a bit or hex DEFAULT on a number"));
        case TK::Bit: return bits_fill(type, d);
        case TK::Date: case TK::Time: case TK::DateTime: case TK::Year:
            return textual ? temporal_fill(type, d.text) : Result<std::string>(cannot("a bit or hex DEFAULT on a date"));
        case TK::Char: case TK::VarChar: case TK::Text: case TK::Json: {
            if (!textual || !valid_utf8(d.text)) {
                return cannot("DEFAULT is not UTF-8 text");
            }
            std::string text = d.text;
            if (type.kind == TK::Char) {
                text.erase(text.find_last_not_of(' ') + 1);  // CHAR drops trailing spaces when read
            }
            return text;
        }
        case TK::Binary: case TK::VarBinary: case TK::Blob: return bytes_fill(type, d);
        case TK::Enum: case TK::Set:
            return textual ? label_fill(type, d) : Result<std::string>(cannot("a bit or hex DEFAULT on an ENUM or SET"));
        case TK::Timestamp:
            return cannot("a TIMESTAMP DEFAULT is read in the session's time zone, which the binlog does not always carry");
        case TK::Other: break;
    }
    return cannot("DEFAULT on a " + type.base + " column");
}

}  // namespace

Result<std::optional<std::string>> added_column_fill(const ColumnDefinition& column) {
    if (column.computed) {
        return cannot("AUTO_INCREMENT and generated columns get values the statement does not state");
    }
    if (column.default_value.kind == DK::Expression) {
        return cannot("a DEFAULT expression gets values the statement does not state");
    }
    if (column.default_value.kind == DK::None && column.nullable && !column.primary_key) {
        return std::optional<std::string>();
    }
    const MysqlType type = parse_mysql_type(column.type_name);
    auto fill = column.default_value.kind == DK::None ? implicit_fill(type) : literal_fill(type, column.default_value);
    if (!fill.ok()) {
        return fill.status();
    }
    return std::optional<std::string>(std::move(fill.value()));
}

}  // namespace ferry::capture::mysql
