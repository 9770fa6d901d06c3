#include "ferry/core/mysql_types.hpp"

#include <cctype>
#include <charconv>
#include <map>

namespace ferry {

namespace {

using Kind = MysqlType::Kind;

const std::map<std::string, Kind, std::less<>>& kinds() {
    static const std::map<std::string, Kind, std::less<>> k = {
        {"tinyint", Kind::TinyInt}, {"bool", Kind::TinyInt}, {"boolean", Kind::TinyInt},
        {"smallint", Kind::SmallInt}, {"mediumint", Kind::MediumInt}, {"int", Kind::Int},
        {"integer", Kind::Int}, {"bigint", Kind::BigInt}, {"decimal", Kind::Decimal}, {"numeric", Kind::Decimal},
        {"float", Kind::Float}, {"double", Kind::Double}, {"real", Kind::Double}, {"bit", Kind::Bit},
        {"year", Kind::Year}, {"date", Kind::Date}, {"time", Kind::Time}, {"datetime", Kind::DateTime},
        {"timestamp", Kind::Timestamp}, {"char", Kind::Char}, {"varchar", Kind::VarChar},
        {"tinytext", Kind::Text}, {"text", Kind::Text}, {"mediumtext", Kind::Text}, {"longtext", Kind::Text},
        {"binary", Kind::Binary}, {"varbinary", Kind::VarBinary}, {"tinyblob", Kind::Blob}, {"blob", Kind::Blob},
        {"mediumblob", Kind::Blob}, {"longblob", Kind::Blob}, {"enum", Kind::Enum}, {"set", Kind::Set},
        {"json", Kind::Json},
    };
    return k;
}

unsigned to_unsigned(std::string_view s) {
    unsigned v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

// 'a','b''c' -> {a, b'c}; MySQL doubles a quote inside a label and may escape with a backslash.
std::vector<std::string> parse_labels(std::string_view args) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < args.size()) {
        if (args[i] != '\'') {
            ++i;
            continue;
        }
        std::string label;
        ++i;
        while (i < args.size()) {
            if (args[i] == '\\' && i + 1 < args.size()) {
                label.push_back(args[i + 1]);
                i += 2;
            } else if (args[i] == '\'' && i + 1 < args.size() && args[i + 1] == '\'') {
                label.push_back('\'');
                i += 2;
            } else if (args[i] == '\'') {
                ++i;
                break;
            } else {
                label.push_back(args[i++]);
            }
        }
        out.push_back(std::move(label));
    }
    return out;
}

std::string quote_label(std::string_view label) {
    std::string out = "'";
    for (const char c : label) {
        out.push_back(c);
        if (c == '\'') {
            out.push_back('\'');
        }
    }
    return out + "'";
}

}  // namespace

MysqlType parse_mysql_type(std::string_view column_type) {
    MysqlType t;
    std::size_t i = 0;
    while (i < column_type.size() && std::isalpha(static_cast<unsigned char>(column_type[i])) != 0) {
        t.base.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(column_type[i]))));
        ++i;
    }
    const auto it = kinds().find(t.base);
    t.kind = it == kinds().end() ? Kind::Other : it->second;
    std::string_view args;
    if (i < column_type.size() && column_type[i] == '(') {
        const auto close = column_type.rfind(')');
        if (close != std::string_view::npos && close > i) {
            args = column_type.substr(i + 1, close - i - 1);
            i = close + 1;
        }
    }
    std::string rest;
    for (; i < column_type.size(); ++i) {
        rest.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(column_type[i]))));
    }
    t.is_unsigned = rest.find("unsigned") != std::string::npos;
    if (t.kind == Kind::Enum || t.kind == Kind::Set) {
        t.labels = parse_labels(args);
    } else if (t.kind == Kind::Decimal) {
        const auto comma = args.find(',');
        t.precision = args.empty() ? 10 : to_unsigned(args.substr(0, comma));
        t.scale = comma == std::string_view::npos ? 0 : to_unsigned(args.substr(comma + 1));
    } else if (t.kind == Kind::Time || t.kind == Kind::DateTime || t.kind == Kind::Timestamp) {
        t.scale = to_unsigned(args);
    } else if (t.kind == Kind::Bit) {
        t.length = args.empty() ? 1 : to_unsigned(args);
    } else if (t.kind == Kind::Binary || t.kind == Kind::Char) {
        t.length = args.empty() ? 1 : to_unsigned(args);
    } else {
        t.length = to_unsigned(args);
    }
    if (t.base == "bool" || t.base == "boolean") {
        t.length = 1;
    }
    return t;
}

std::string format_mysql_type(const MysqlType& type) {
    std::string out = type.base;
    switch (type.kind) {
        case Kind::Decimal:
            out += "(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
            break;
        case Kind::Time: case Kind::DateTime: case Kind::Timestamp:
            if (type.scale != 0) {
                out += "(" + std::to_string(type.scale) + ")";
            }
            break;
        case Kind::Char: case Kind::VarChar: case Kind::Binary: case Kind::VarBinary: case Kind::Bit:
            out += "(" + std::to_string(type.length) + ")";
            break;
        case Kind::TinyInt: case Kind::SmallInt: case Kind::MediumInt: case Kind::Int: case Kind::BigInt:
            if (type.length != 0) {
                out += "(" + std::to_string(type.length) + ")";
            }
            break;
        case Kind::Enum: case Kind::Set: {
            out += "(";
            for (std::size_t i = 0; i < type.labels.size(); ++i) {
                out += (i == 0 ? "" : ",") + quote_label(type.labels[i]);
            }
            out += ")";
            break;
        }
        default:
            break;
    }
    if (type.is_unsigned) {
        out += " unsigned";
    }
    return out;
}

}  // namespace ferry
