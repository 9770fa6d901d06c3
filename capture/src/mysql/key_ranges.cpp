#include "key_ranges.hpp"

#include <algorithm>

#include "ferry/core/hex.hpp"
#include "ferry/core/mysql_types.hpp"
#include "ferry/my/connection.hpp"

namespace ferry::capture::mysql {

namespace {

using Kind = MysqlType::Kind;
using Literal = KeyRanges::Literal;

std::optional<Literal> literal_for(const MysqlType& type) {
    switch (type.kind) {
        case Kind::TinyInt: case Kind::SmallInt: case Kind::MediumInt: case Kind::Int: case Kind::BigInt:
        case Kind::Decimal: case Kind::Year:
            return Literal::Number;
        case Kind::Date: case Kind::Time: case Kind::DateTime: case Kind::Timestamp:
            return Literal::Temporal;
        case Kind::Char: case Kind::VarChar: case Kind::Text:
            return Literal::Text;
        case Kind::Binary: case Kind::VarBinary: case Kind::Blob:
            return Literal::Bytes;
        default:
            return std::nullopt;
    }
}

std::string to_hex(std::string_view bytes) {
    std::string out;
    append_hex(out, bytes);
    return out;
}

bool all_of_chars(std::string_view text, std::string_view allowed) {
    return std::all_of(text.begin(), text.end(), [&](char c) {
        return (c >= '0' && c <= '9') || allowed.find(c) != std::string_view::npos;
    });
}

Result<std::string> literal(Literal kind, std::string_view text) {
    switch (kind) {
        case Literal::Number: {
            const std::string_view digits = !text.empty() && text[0] == '-' ? text.substr(1) : text;
            const auto dot = digits.find('.');
            const bool ok = !digits.empty() && digits[0] != '.' && all_of_chars(digits, ".")
                            && (dot == std::string_view::npos
                                || (dot + 1 < digits.size() && digits.find('.', dot + 1) == std::string_view::npos));
            if (ok) {
                return std::string(text);
            }
            break;
        }
        case Literal::Temporal:
            if (!text.empty() && all_of_chars(text, "-:. ")) {
                return "'" + std::string(text) + "'";
            }
            break;
        case Literal::Text: return "_utf8mb4 X'" + to_hex(text) + "'";
        case Literal::Bytes: return "X'" + to_hex(text) + "'";
    }
    return Status::error(Errc::Corruption, "a resume key value is not of its column's type");
}

}  // namespace

std::optional<KeyRanges> plan_key_ranges(const TableSchema& table) {
    if (table.primary_key.empty()) {
        return std::nullopt;
    }
    KeyRanges plan;
    for (const auto& name : table.primary_key) {
        const auto it = std::find_if(table.columns.begin(), table.columns.end(),
                                     [&](const Column& c) { return c.name == name; });
        if (it == table.columns.end()) {
            return std::nullopt;
        }
        const auto kind = literal_for(parse_mysql_type(it->type_name));
        if (!kind) {
            return std::nullopt;
        }
        plan.columns.push_back(static_cast<std::size_t>(it - table.columns.begin()));
        plan.literals.push_back(*kind);
    }
    return plan;
}

Result<std::string> after_key_condition(const TableSchema& table, const KeyRanges& plan,
                                        const std::vector<std::string>& key) {
    if (key.size() != plan.columns.size()) {
        return Status::error(Errc::Corruption, "a resume key has the wrong number of columns");
    }
    std::vector<std::string> columns;
    std::vector<std::string> values;
    for (std::size_t i = 0; i < key.size(); ++i) {
        auto value = literal(plan.literals[i], key[i]);
        if (!value.ok()) {
            return value.status().with_context("resuming " + display_name(table.id));
        }
        columns.push_back(my::quote_ident(table.columns[plan.columns[i]].name));
        values.push_back(std::move(value).value());
    }
    // (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ...: each disjunct is a range of the key's index.
    std::string condition;
    for (std::size_t i = 0; i < key.size(); ++i) {
        condition += condition.empty() ? "(" : " OR (";
        for (std::size_t j = 0; j < i; ++j) {
            condition += columns[j] + " = " + values[j] + " AND ";
        }
        condition += columns[i] + " > " + values[i] + ")";
    }
    return condition;
}

std::string key_order(const TableSchema& table, const KeyRanges& plan) {
    std::string order = " ORDER BY ";
    for (std::size_t i = 0; i < plan.columns.size(); ++i) {
        order += (i == 0 ? "" : ", ") + my::quote_ident(table.columns[plan.columns[i]].name);
    }
    return order;
}

std::string encode_resume_key(const std::vector<std::string>& key) {
    std::string out;
    for (std::size_t i = 0; i < key.size(); ++i) {
        out += (i == 0 ? "" : ",") + to_hex(key[i]);
    }
    return out;
}

Result<std::vector<std::string>> decode_resume_key(std::string_view encoded, std::size_t columns) {
    std::vector<std::string> key;
    for (std::size_t start = 0;;) {
        const auto comma = encoded.find(',', start);
        key.emplace_back();
        if (!append_unhex(key.back(), encoded.substr(start, comma == std::string_view::npos ? comma : comma - start))) {
            return Status::error(Errc::Corruption, "unreadable resume key in the target's snapshot checkpoint");
        }
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    if (key.size() != columns) {
        return Status::error(Errc::Corruption, "the target's snapshot checkpoint has a key of "
                                                   + std::to_string(key.size()) + " columns, the table's has "
                                                   + std::to_string(columns));
    }
    return key;
}

}  // namespace ferry::capture::mysql
