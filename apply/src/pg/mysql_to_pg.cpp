#include "mysql_to_pg.hpp"

#include "ferry/core/mysql_types.hpp"
#include "ferry/core/names.hpp"

namespace ferry::apply::pg {

namespace {

using Kind = MysqlType::Kind;

std::string with_precision(const char* base, unsigned digits) { return std::string(base) + "(" + std::to_string(digits) + ")"; }

struct Mapped {
    std::string type;
    BinaryForm form;
    ValueRule rule = ValueRule::AsIs;
};

Mapped map_type(const TableSchema& table, const Column& c, std::vector<UserType>& types) {
    using F = BinaryForm;
    const MysqlType t = parse_mysql_type(c.type_name);
    switch (t.kind) {
        case Kind::TinyInt:
            return t.length == 1 && !t.is_unsigned ? Mapped{"boolean", F::Bool, ValueRule::Boolean} : Mapped{"smallint", F::Int2};
        case Kind::SmallInt: return t.is_unsigned ? Mapped{"integer", F::Int4} : Mapped{"smallint", F::Int2};
        case Kind::MediumInt: return {"integer", F::Int4};
        case Kind::Int: return t.is_unsigned ? Mapped{"bigint", F::Int8} : Mapped{"integer", F::Int4};
        case Kind::BigInt: return t.is_unsigned ? Mapped{"numeric(20,0)", F::Numeric} : Mapped{"bigint", F::Int8};
        case Kind::Decimal:
            return {"numeric(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")", F::Numeric};
        case Kind::Float: return {"real", F::Float4};
        case Kind::Double: return {"double precision", F::Float8};
        case Kind::Bit: return {with_precision("bit", t.length), F::Bit};
        case Kind::Year: return {"smallint", F::Int2, ValueRule::Year};
        case Kind::Date: return {"date", F::Date, ValueRule::Date};
        case Kind::Time: return {with_precision("time", t.scale), F::Time, ValueRule::Time};
        case Kind::DateTime: return {with_precision("timestamp", t.scale), F::Timestamp, ValueRule::Timestamp};
        case Kind::Timestamp: return {with_precision("timestamptz", t.scale), F::TimestampTz, ValueRule::TimestampUtc};
        case Kind::Char: case Kind::VarChar: return {with_precision("varchar", t.length == 0 ? 1 : t.length), F::Varchar};
        case Kind::Text: case Kind::Set: return {"text", F::Text};
        case Kind::Binary: case Kind::VarBinary: case Kind::Blob: return {"bytea", F::Bytea};
        case Kind::Json: return {"jsonb", F::Jsonb};
        case Kind::Enum: {
            UserType e;
            e.schema = table.id.schema;
            e.name = table.id.name + "_" + c.name;
            e.kind = UserType::Kind::Enum;
            e.labels = t.labels;
            types.push_back(e);
            return {quote_ident(e.schema) + "." + quote_ident(e.name), F::Enum, ValueRule::Enum};
        }
        case Kind::Other: break;
    }
    return {"text", F::Text};
}

Status cannot(std::string_view what) { return Status::error(Errc::Unsupported, std::string(what)); }

// "12:00:00.500000" -> "12:00:00.5", "12:00:00.000" -> "12:00:00": PostgreSQL's output form.
void trim_fraction(std::string& v) {
    const auto dot = v.rfind('.');
    if (dot == std::string::npos || v.find_first_not_of("0123456789", dot + 1) != std::string::npos) {
        return;
    }
    auto end = v.size();
    while (end > dot + 1 && v[end - 1] == '0') {
        --end;
    }
    v.resize(end == dot + 1 ? dot : end);
}

bool zero_date_part(std::string_view v) {
    return v.size() < 10 || v.substr(0, 4) == "0000" || v.substr(5, 2) == "00" || v.substr(8, 2) == "00";
}

}  // namespace

PgTranslation translate_mysql_table(const TableSchema& mysql_table) {
    PgTranslation out;
    out.table = mysql_table;
    for (auto& c : out.table.columns) {
        const Mapped m = map_type(mysql_table, c, out.types);
        c.type_name = m.type;
        c.type_oid = 0;
        out.rules.push_back(m.rule);
        out.forms.push_back(m.form);
        out.converts = out.converts || m.rule != ValueRule::AsIs;
    }
    return out;
}

std::uint32_t type_oid(BinaryForm form) {
    // pg_type.h's OIDs of the built-in types.
    switch (form) {
        case BinaryForm::Bool: return 16;
        case BinaryForm::Int2: return 21;
        case BinaryForm::Int4: return 23;
        case BinaryForm::Int8: return 20;
        case BinaryForm::Numeric: return 1700;
        case BinaryForm::Float4: return 700;
        case BinaryForm::Float8: return 701;
        case BinaryForm::Bit: return 1560;
        case BinaryForm::Date: return 1082;
        case BinaryForm::Time: return 1083;
        case BinaryForm::Timestamp: return 1114;
        case BinaryForm::TimestampTz: return 1184;
        case BinaryForm::Varchar: return 1043;
        case BinaryForm::Text: return 25;
        case BinaryForm::Enum: return 0;
        case BinaryForm::Bytea: return 17;
        case BinaryForm::Jsonb: return 3802;
    }
    return 0;
}

Status check_value(ValueRule rule, std::string_view v) {
    switch (rule) {
        case ValueRule::AsIs: case ValueRule::Year:
            return {};
        case ValueRule::Boolean:
            return v == "0" || v == "1" ? Status()
                                        : cannot("a TINYINT(1) value other than 0 and 1 does not fit PostgreSQL's boolean");
        case ValueRule::Date:
            return zero_date_part(v) ? cannot("a zero date (or one with a zero month or day) has no PostgreSQL date")
                                     : Status();
        case ValueRule::Time:
            if (v.starts_with("-") || (v.size() > 8 && v[2] != ':') || v.substr(0, 2) > "24") {
                return cannot("a TIME outside 00:00:00..24:00:00 does not fit PostgreSQL's time");
            }
            return {};
        case ValueRule::Timestamp: case ValueRule::TimestampUtc:
            return zero_date_part(v) ? cannot("a zero date (or one with a zero month or day) has no PostgreSQL timestamp")
                                     : Status();
        case ValueRule::Enum:
            return v.empty() ? cannot("the empty (invalid) ENUM value has no PostgreSQL enum label") : Status();
    }
    return {};
}

Status convert_value(ValueRule rule, std::string& v) {
    if (Status st = check_value(rule, v); !st.ok()) {
        return st;
    }
    switch (rule) {
        case ValueRule::Boolean:
            v = v == "1" ? "t" : "f";
            break;
        case ValueRule::Year:
            v = std::to_string(std::stoi(v));
            break;
        case ValueRule::Time:
            trim_fraction(v);
            break;
        case ValueRule::Timestamp: case ValueRule::TimestampUtc:
            trim_fraction(v);
            if (rule == ValueRule::TimestampUtc) {
                v += "+00";
            }
            break;
        case ValueRule::AsIs: case ValueRule::Date: case ValueRule::Enum:
            break;
    }
    return {};
}

Status convert_row(const PgTranslation& t, std::vector<Value>& row) {
    for (std::size_t i = 0; i < row.size() && i < t.rules.size(); ++i) {
        if (t.rules[i] == ValueRule::AsIs) {
            continue;
        }
        if (auto* s = std::get_if<std::string>(&row[i])) {
            if (Status st = convert_value(t.rules[i], *s); !st.ok()) {
                return st.with_context(display_name(t.table.id) + " column " + t.table.columns[i].name);
            }
        }
    }
    return {};
}

}  // namespace ferry::apply::pg
