#include "canonical.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "ferry/core/mysql_types.hpp"

namespace ferry::verify {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// PostgreSQL's spelling of a type (format_type): "numeric(12,2)", "timestamp(3) with time zone",
// "character varying(20)", "public.mood[]".
Canon postgres_form(std::string_view type) {
    if (ends_with(type, "[]")) {
        return Canon::Json;  // a JSON array at a MariaDB target; read as array_to_json
    }
    if (type == "boolean") {
        return Canon::Boolean;
    }
    if (starts_with(type, "numeric")) {
        return Canon::Decimal;
    }
    if (type == "real") {
        return Canon::Float4;
    }
    if (type == "double precision") {
        return Canon::Float8;
    }
    if (starts_with(type, "timestamp")) {
        return ends_with(type, "with time zone") && !ends_with(type, "without time zone") ? Canon::TimestampUtc
                                                                                          : Canon::Timestamp;
    }
    if (starts_with(type, "time") && ends_with(type, "without time zone")) {
        return Canon::Time;  // timetz stays PostgreSQL's text at a MariaDB target
    }
    if (type == "bit" || starts_with(type, "bit(")) {
        return Canon::Bits;
    }
    if (type == "bytea") {
        return Canon::Bytes;
    }
    if (type == "json" || type == "jsonb") {
        return Canon::Json;
    }
    if (type == "bpchar" || starts_with(type, "character(") || type == "character") {
        return Canon::PaddedChar;
    }
    return Canon::AsIs;
}

Canon mysql_form(std::string_view type_name) {
    using Kind = MysqlType::Kind;
    const MysqlType type = parse_mysql_type(type_name);
    switch (type.kind) {
        case Kind::TinyInt: return type.length == 1 && !type.is_unsigned ? Canon::Boolean : Canon::AsIs;
        case Kind::Decimal: return Canon::Decimal;
        case Kind::Float: return Canon::Float4;
        case Kind::Double: return Canon::Float8;
        case Kind::Bit: return Canon::Bits;
        case Kind::Year: return Canon::Year;
        case Kind::Time: return Canon::Time;
        case Kind::DateTime: return Canon::Timestamp;
        case Kind::Timestamp: return Canon::TimestampUtc;
        case Kind::Char: return Canon::PaddedChar;
        case Kind::Binary: case Kind::VarBinary: case Kind::Blob: return Canon::Bytes;
        case Kind::Json: return Canon::Json;
        default: return Canon::AsIs;
    }
}

std::string without_fraction_zeros(std::string_view text) {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos) {
        return std::string(text);
    }
    // The fraction ends at the first character after the dot that is not a digit (a zone, say).
    std::size_t end = dot + 1;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
        ++end;
    }
    std::size_t last = end;
    while (last > dot + 1 && text[last - 1] == '0') {
        --last;
    }
    if (last == dot + 1) {
        last = dot;
    }
    return std::string(text.substr(0, last)) + std::string(text.substr(end));
}

std::string without_leading_zeros(std::string_view text) {
    const auto first = text.find_first_not_of('0');
    return first == std::string_view::npos ? (text.empty() ? std::string() : std::string("0")) : std::string(text.substr(first));
}

template <class Float>
std::string shortest(std::string_view text, Float (*parse)(const char*, char**)) {
    const std::string copy(text);
    char* end = nullptr;
    const Float value = parse(copy.c_str(), &end);
    if (end == copy.c_str() || *end != '\0') {
        return copy;  // not a number: compared as it is
    }
    if (std::isnan(value)) {
        return "NaN";
    }
    char buf[64];
    const auto [out, ec] = std::to_chars(buf, buf + sizeof buf, value == 0 ? Float(0) : value);  // -0 = 0
    return ec == std::errc() ? std::string(buf, out) : copy;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'F') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// A whole number written as a fraction or with an exponent (100.0, 1e2) is the integer it equals.
void integral_numbers(nlohmann::json& value) {
    if (value.is_structured()) {
        for (auto& item : value) {
            integral_numbers(item);
        }
    } else if (value.is_number_float()) {
        const double d = value.get<double>();
        if (std::trunc(d) == d && std::fabs(d) < 9.0e15) {
            value = static_cast<std::int64_t>(d);
        }
    }
}

std::string json_form(std::string_view text) {
    // Objects come out with their keys sorted (the last of duplicate keys kept, as jsonb does);
    // numbers as parsed (1.50 = 1.5).
    auto value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) {
        return std::string(text);
    }
    integral_numbers(value);
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::vector<Canon> canonical_forms(const TableSchema& source) {
    std::vector<Canon> forms;
    forms.reserve(source.columns.size());
    for (const auto& c : source.columns) {
        forms.push_back(source.engine == Engine::MySql ? mysql_form(c.type_name) : postgres_form(c.type_name));
    }
    return forms;
}

std::string canonical(Canon form, std::string_view text) {
    switch (form) {
        case Canon::AsIs: return std::string(text);
        case Canon::Boolean:
            if (text == "t" || text == "true" || text == "1") {
                return "1";
            }
            return text == "f" || text == "false" || text == "0" ? "0" : std::string(text);
        case Canon::Decimal: {
            std::string out = without_fraction_zeros(text);
            return out == "-0" ? "0" : out;
        }
        case Canon::Float4: return shortest<float>(text, std::strtof);
        case Canon::Float8: return shortest<double>(text, std::strtod);
        case Canon::Time:
        case Canon::Timestamp: return without_fraction_zeros(text);
        case Canon::TimestampUtc: {
            std::string_view local = text;
            for (std::string_view utc : {"+00:00", "+00"}) {
                if (ends_with(local, utc)) {
                    local.remove_suffix(utc.size());
                    break;
                }
            }
            return without_fraction_zeros(local);
        }
        case Canon::Year:
        case Canon::Bits: return without_leading_zeros(text);
        case Canon::Bytes: return lower(text);
        case Canon::Json: return json_form(text);
        case Canon::PaddedChar: {
            const auto last = text.find_last_not_of(' ');
            return std::string(text.substr(0, last == std::string_view::npos ? 0 : last + 1));
        }
    }
    return std::string(text);
}

}  // namespace ferry::verify
