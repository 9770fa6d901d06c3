#include "to_mysql.hpp"

#include <algorithm>
#include <charconv>

#include "ferry/core/hex.hpp"
#include "ferry/core/mysql_types.hpp"
#include "ferry/core/names.hpp"

namespace ferry::apply::mysql {

namespace {

constexpr unsigned kMaxKeyChars = 768;     // 3072 bytes of utf8mb4: InnoDB's largest index key
constexpr unsigned kMaxDecimalDigits = 65;
constexpr unsigned kMaxDecimalScale = 30;

struct Mapped {
    Mapped() = default;
    explicit Mapped(std::string t, ColumnRule r = ColumnRule()) : type(std::move(t)), rule(r) {}
    Mapped(std::string t, ValueRule r) : type(std::move(t)) { rule.rule = r; }
    std::string type;
    ColumnRule rule;
};

// "name(12,2)" -> {12, 2}; absent numbers stay as given.
void read_modifiers(std::string_view type, unsigned& first, unsigned& second) {
    const auto open = type.find('(');
    if (open == std::string_view::npos) {
        return;
    }
    const char* p = type.data() + open + 1;
    const char* end = type.data() + type.size();
    auto r = std::from_chars(p, end, first);
    if (r.ec == std::errc() && r.ptr < end && *r.ptr == ',') {
        std::from_chars(r.ptr + 1, end, second);
    }
}

std::string sized(const char* base, unsigned n) { return std::string(base) + "(" + std::to_string(n) + ")"; }

std::string sql_string_literal(std::string_view text) {  // MySQL literal for DDL (labels)
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'' || c == '\\') {
            out.push_back(c);
        }
        out.push_back(c);
    }
    return out + "'";
}

std::string text_type(bool key) { return key ? sized("VARCHAR", kMaxKeyChars) : "LONGTEXT"; }

std::string varchar_type(unsigned n, bool key) {
    if (key) {
        return sized("VARCHAR", std::min(n == 0 ? kMaxKeyChars : n, kMaxKeyChars));
    }
    if (n == 0) {
        return "LONGTEXT";
    }
    // Longer VARCHARs would count against the 65535-byte row limit shared by all columns.
    return n <= 255 ? sized("VARCHAR", n) : n <= 16383 ? "TEXT" : "LONGTEXT";
}

ArrayElement element_of(std::string_view base) {
    static constexpr std::string_view kNumbers[] = {"smallint", "integer", "bigint", "real", "double precision", "oid"};
    if (std::find(std::begin(kNumbers), std::end(kNumbers), base) != std::end(kNumbers) || base.starts_with("numeric")) {
        return ArrayElement::Number;
    }
    if (base == "boolean") {
        return ArrayElement::Boolean;
    }
    if (base == "json" || base == "jsonb") {
        return ArrayElement::Json;
    }
    return ArrayElement::String;
}

const UserType* find_type(std::string_view name, const std::vector<UserType>& types) {
    for (const auto& t : types) {
        if (name == t.schema + "." + t.name || name == quote_ident(t.schema) + "." + quote_ident(t.name)) {
            return &t;
        }
    }
    return nullptr;
}

Result<Mapped> map_pg_type(std::string_view name, bool key, const std::vector<UserType>& types, TargetFlavor flavor,
                           int depth) {
    if (name.ends_with("[]")) {
        std::string_view base = name.substr(0, name.find('['));
        ColumnRule rule;
        rule.rule = ValueRule::PgArray;
        rule.element = element_of(base);
        return Mapped{key ? text_type(true) : std::string("JSON"), rule};
    }
    const std::string_view word = name.substr(0, name.find('('));
    unsigned a = 0;
    unsigned b = 0;
    read_modifiers(name, a, b);
    if (name == "smallint") {
        return Mapped{"SMALLINT"};
    }
    if (name == "integer") {
        return Mapped{"INT"};
    }
    if (name == "bigint") {
        return Mapped{"BIGINT"};
    }
    if (name == "oid") {
        return Mapped{"INT UNSIGNED"};
    }
    if (name == "boolean") {
        return Mapped{"TINYINT(1)", ValueRule::PgBoolean};
    }
    if (word == "numeric") {
        // Unconstrained numeric: the widest DECIMAL; each value is checked against it.
        const unsigned scale = name == "numeric" ? kMaxDecimalScale : std::min(b, kMaxDecimalScale);
        const unsigned precision = name == "numeric" ? kMaxDecimalDigits : std::min(a, kMaxDecimalDigits);
        ColumnRule rule;
        rule.rule = ValueRule::PgNumeric;
        rule.precision = precision;
        rule.scale = std::min(scale, precision);
        return Mapped{"DECIMAL(" + std::to_string(precision) + "," + std::to_string(rule.scale) + ")", rule};
    }
    if (name == "real" || name == "double precision") {
        ColumnRule rule;
        rule.rule = ValueRule::PgFloat;
        rule.is_float = name == "real";
        return Mapped{name == "real" ? "FLOAT" : "DOUBLE", rule};
    }
    if (name == "text" || name == "name" || name == "\"char\"" || name == "xml" || name == "money") {
        return Mapped{text_type(key)};
    }
    if (word == "character varying") {
        return Mapped{varchar_type(a, key)};
    }
    if (word == "character") {
        const unsigned n = a == 0 ? 1 : a;
        return Mapped{n <= 255 ? sized("CHAR", n) : varchar_type(n, key)};
    }
    if (name == "bytea") {
        return Mapped{key ? "VARBINARY(3072)" : "LONGBLOB", ValueRule::HexToBytes};
    }
    if (name == "date") {
        return Mapped{"DATE", ValueRule::PgDate};
    }
    const bool with_zone = name.ends_with("with time zone");
    if (word == "timestamp" || name.starts_with("timestamp ")) {
        const unsigned fsp = word == "timestamp" && name.find('(') != std::string_view::npos ? a : 6;
        return Mapped{sized("DATETIME", fsp), with_zone ? ValueRule::PgTimestampUtc : ValueRule::PgTimestamp};
    }
    if ((word == "time" || name.starts_with("time ")) && !with_zone) {
        const unsigned fsp = name.find('(') != std::string_view::npos ? a : 6;
        return Mapped{sized("TIME", fsp)};
    }
    if (word == "time" || name.starts_with("time ")) {
        return Mapped{"VARCHAR(32)"};  // timetz: its text form
    }
    if (word == "interval" || name.starts_with("interval")) {
        return Mapped{"VARCHAR(255)"};
    }
    if (name == "uuid") {
        return Mapped{flavor.uuid_type ? "UUID" : "CHAR(36)"};
    }
    if (name == "json" || name == "jsonb") {
        return Mapped{key ? text_type(true) : "JSON"};
    }
    if (word == "bit") {
        const unsigned n = a == 0 ? 1 : a;
        return n <= 64 ? Mapped{sized("BIT", n), ValueRule::BitsToNumber} : Mapped{varchar_type(n, key)};
    }
    if (word == "bit varying") {
        return Mapped{varchar_type(a, key)};
    }
    if (const UserType* t = find_type(name, types)) {
        if (t->kind == UserType::Kind::Enum) {
            std::string labels;
            for (const auto& l : t->labels) {
                labels += (labels.empty() ? "" : ",") + sql_string_literal(l);
            }
            return Mapped{"ENUM(" + labels + ")"};
        }
        if (depth > 8) {
            return Status::error(Errc::Unsupported, "domain " + std::string(name) + " nests too deeply");
        }
        return map_pg_type(t->base_type, key, types, flavor, depth + 1);
    }
    return Mapped{text_type(key)};  // inet, cidr, macaddr, ranges, geometric types, tsvector, ...
}

Mapped map_mysql_type(const Column& c) {
    const MysqlType t = parse_mysql_type(c.type_name);
    ColumnRule rule;
    switch (t.kind) {
        case MysqlType::Kind::Binary: case MysqlType::Kind::VarBinary: case MysqlType::Kind::Blob:
            rule.rule = ValueRule::HexToBytes;
            break;
        case MysqlType::Kind::Bit: rule.rule = ValueRule::BitsToNumber; break;
        case MysqlType::Kind::Float: rule.is_float = true; break;
        default: break;
    }
    return Mapped{c.type_name, rule};
}

Status cannot(std::string what) { return Status::error(Errc::Unsupported, std::move(what)); }

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "2024-01-02..." with a 4-digit year from 0001 on, not BC, not infinity.
Status check_pg_date(std::string_view v, std::string_view type) {
    if (v.size() < 10 || !all_digits(v.substr(0, 4)) || v[4] != '-' || v.ends_with(" BC") || v.substr(0, 4) == "0000") {
        return cannot("a " + std::string(type) + " outside years 1..9999 (or infinity) does not fit MariaDB's range");
    }
    return {};
}

Status check_numeric(std::string_view v, unsigned precision, unsigned scale) {
    const std::string_view digits = v.starts_with('-') ? v.substr(1) : v;
    const auto dot = digits.find('.');
    std::string_view whole = digits.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view() : digits.substr(dot + 1);
    if (!all_digits(whole) || (!fraction.empty() && !all_digits(fraction))) {
        return cannot("the numeric value " + std::string(v == "NaN" || v.find("nfinity") != std::string_view::npos ? v : "")
                      + " has no DECIMAL form");
    }
    while (!whole.empty() && whole.front() == '0') {
        whole.remove_prefix(1);
    }
    while (!fraction.empty() && fraction.back() == '0') {
        fraction.remove_suffix(1);
    }
    if (whole.size() > precision - scale || fraction.size() > scale) {
        return cannot("a numeric value with " + std::to_string(whole.size()) + " integer and "
                      + std::to_string(fraction.size()) + " fractional digits does not fit DECIMAL("
                      + std::to_string(precision) + "," + std::to_string(scale) + ")");
    }
    return {};
}

}  // namespace

Result<MysqlTranslation> translate_table(const TableSchema& source, const std::vector<UserType>& types,
                                         TargetFlavor flavor) {
    MysqlTranslation out;
    out.table = source;
    out.table.engine = Engine::MySql;
    for (auto& c : out.table.columns) {
        const bool key = std::find(source.primary_key.begin(), source.primary_key.end(), c.name) != source.primary_key.end();
        Mapped m;
        if (source.engine == Engine::MySql) {
            m = map_mysql_type(c);
        } else {
            auto mapped = map_pg_type(c.type_name, key, types, flavor, 0);
            if (!mapped.ok()) {
                return mapped.status().with_context(display_name(source.id) + " column " + c.name);
            }
            m = std::move(mapped).value();
        }
        c.type_name = m.type;
        c.type_oid = 0;
        out.rules.push_back(m.rule);
        out.converts = out.converts || m.rule.rule != ValueRule::AsIs;
    }
    return out;
}

Result<std::string> unhex(std::string_view text) {
    std::string out;
    if (!text.starts_with("\\x") || !append_unhex(out, text.substr(2))) {
        return Status::error(Errc::Corruption, "a binary value is not in \\x hex form");
    }
    return out;
}

Status convert_value(const ColumnRule& rule, std::string& v) {
    switch (rule.rule) {
        case ValueRule::AsIs: return {};
        case ValueRule::HexToBytes: {
            auto bytes = unhex(v);
            if (!bytes.ok()) {
                return bytes.status();
            }
            v = std::move(bytes).value();
            return {};
        }
        case ValueRule::BitsToNumber: {
            if (v.size() > 64 || v.find_first_not_of("01") != std::string::npos) {
                return cannot("a BIT value is not a string of at most 64 binary digits");
            }
            std::uint64_t n = 0;
            for (const char c : v) {
                n = (n << 1U) | (c == '1' ? 1U : 0U);
            }
            v = std::to_string(n);
            return {};
        }
        case ValueRule::PgBoolean:
            if (v == "t" || v == "f") {
                v = v == "t" ? "1" : "0";
                return {};
            }
            return cannot("a boolean value is neither t nor f");
        case ValueRule::PgNumeric: return check_numeric(v, rule.precision, rule.scale);
        case ValueRule::PgFloat:
            if (v == "NaN" || v.find("Infinity") != std::string::npos) {
                return cannot("MariaDB floats hold no " + v);
            }
            return {};
        case ValueRule::PgDate: return check_pg_date(v, "date");
        case ValueRule::PgTimestamp: return check_pg_date(v, "timestamp");
        case ValueRule::PgTimestampUtc:
            if (Status st = check_pg_date(v, "timestamp"); !st.ok()) {
                return st;
            }
            if (!v.ends_with("+00")) {
                return cannot("a timestamptz value is not in UTC (the source session's TimeZone must be UTC)");
            }
            v.resize(v.size() - 3);
            return {};
        case ValueRule::PgArray: {
            auto json = pg_array_to_json(v, rule.element);
            if (!json.ok()) {
                return json.status();
            }
            v = std::move(json).value();
            return {};
        }
    }
    return {};
}

}  // namespace ferry::apply::mysql
