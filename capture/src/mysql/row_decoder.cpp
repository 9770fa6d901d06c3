#include "row_decoder.hpp"

#include <bit>
#include <cstring>

#include "le_reader.hpp"
#include "mysql_values.hpp"

namespace ferry::capture::mysql {

namespace {

Status corrupt(const TableMap& map, std::size_t column, std::string_view what) {
    return Status::error(Errc::Corruption, "row event for " + map.database + "." + map.table + ", column "
                                               + std::to_string(column + 1) + ": " + std::string(what));
}

std::int64_t sign_extend(std::uint64_t v, unsigned bytes) {
    const unsigned shift = 64 - 8 * bytes;
    return static_cast<std::int64_t>(v << shift) >> shift;
}

unsigned frac_bytes(unsigned fsp) { return (fsp + 1) / 2; }

// The fractional part of TIME2/DATETIME2/TIMESTAMP2 in microseconds (signed for TIME2/DATETIME2).
std::int64_t read_fraction(std::string_view b, unsigned fsp, bool is_signed) {
    const std::uint64_t raw = big_endian(b);
    switch (frac_bytes(fsp)) {
        case 1:
            return (is_signed ? sign_extend(raw, 1) : static_cast<std::int64_t>(raw)) * 10000;
        case 2:
            return (is_signed ? sign_extend(raw, 2) : static_cast<std::int64_t>(raw)) * 100;
        case 3:
            return is_signed ? sign_extend(raw, 3) : static_cast<std::int64_t>(raw);
        default:
            return 0;
    }
}

struct ColumnDecoder {
    const TableMapColumn& col;
    TextEncoding encoding;

    Result<std::string> text(std::string_view bytes) const {
        switch (encoding) {
            case TextEncoding::Utf8:
                return std::string(bytes);
            case TextEncoding::Latin1:
                return latin1_to_utf8(bytes);
            case TextEncoding::Binary:
                return hex_bytes(bytes);
        }
        return std::string(bytes);
    }
};

Result<std::string> decode_temporal(LeReader& r, const TableMapColumn& c) {
    std::uint64_t v = 0;
    std::string_view b;
    CivilTime t;
    const unsigned fsp = c.scale;
    switch (c.type) {
        case kTypeDate:
        case kTypeNewDate:
            if (!r.uint(3, v)) {
                return Status::error(Errc::Corruption, "DATE truncated");
            }
            t.day = v & 31U;
            t.month = (v >> 5U) & 15U;
            t.year = static_cast<unsigned>(v >> 9U);
            return format_date(t);
        case kTypeTime: {  // before MySQL 5.6: HHMMSS as a signed integer
            if (!r.uint(3, v)) {
                return Status::error(Errc::Corruption, "TIME truncated");
            }
            std::int64_t hms = sign_extend(v, 3);
            t.negative = hms < 0;
            hms = hms < 0 ? -hms : hms;
            t.hour = static_cast<unsigned>(hms / 10000);
            t.minute = static_cast<unsigned>(hms / 100 % 100);
            t.second = static_cast<unsigned>(hms % 100);
            return format_time(t, 0);
        }
        case kTypeDateTime: {  // before MySQL 5.6: YYYYMMDDhhmmss as an integer
            if (!r.uint(8, v)) {
                return Status::error(Errc::Corruption, "DATETIME truncated");
            }
            const std::uint64_t date = v / 1000000;
            const std::uint64_t time = v % 1000000;
            t.year = static_cast<unsigned>(date / 10000);
            t.month = static_cast<unsigned>(date / 100 % 100);
            t.day = static_cast<unsigned>(date % 100);
            t.hour = static_cast<unsigned>(time / 10000);
            t.minute = static_cast<unsigned>(time / 100 % 100);
            t.second = static_cast<unsigned>(time % 100);
            return format_datetime(t, 0);
        }
        case kTypeTimestamp:
            if (!r.uint(4, v)) {
                return Status::error(Errc::Corruption, "TIMESTAMP truncated");
            }
            return format_datetime(civil_from_unix(static_cast<std::int64_t>(v), 0), 0);
        case kTypeTimestamp2: {
            if (!r.bytes(4 + frac_bytes(fsp), b)) {
                return Status::error(Errc::Corruption, "TIMESTAMP truncated");
            }
            const auto seconds = static_cast<std::int64_t>(big_endian(b.substr(0, 4)));
            const auto usec = static_cast<unsigned>(read_fraction(b.substr(4), fsp, false));
            return format_datetime(civil_from_unix(seconds, usec), fsp);
        }
        case kTypeDateTime2: {
            if (!r.bytes(5 + frac_bytes(fsp), b)) {
                return Status::error(Errc::Corruption, "DATETIME truncated");
            }
            const std::int64_t intpart = static_cast<std::int64_t>(big_endian(b.substr(0, 5))) - 0x8000000000LL;
            const std::int64_t packed = intpart * (1LL << 24) + read_fraction(b.substr(5), fsp, true);
            if (packed < 0) {
                return Status::error(Errc::Corruption, "negative DATETIME");
            }
            t.microsecond = static_cast<unsigned>(packed % (1LL << 24));
            const std::int64_t ymdhms = packed >> 24;
            const std::int64_t ymd = ymdhms >> 17;
            const std::int64_t ym = ymd >> 5;
            const std::int64_t hms = ymdhms % (1LL << 17);
            t.day = static_cast<unsigned>(ymd % (1 << 5));
            t.month = static_cast<unsigned>(ym % 13);
            t.year = static_cast<unsigned>(ym / 13);
            t.second = static_cast<unsigned>(hms % (1 << 6));
            t.minute = static_cast<unsigned>((hms >> 6) % (1 << 6));
            t.hour = static_cast<unsigned>(hms >> 12);
            return format_datetime(t, fsp);
        }
        case kTypeTime2: {
            if (!r.bytes(3 + frac_bytes(fsp), b)) {
                return Status::error(Errc::Corruption, "TIME truncated");
            }
            std::int64_t packed = 0;
            if (frac_bytes(fsp) == 3) {
                packed = static_cast<std::int64_t>(big_endian(b)) - 0x800000000000LL;
            } else {
                std::int64_t intpart = static_cast<std::int64_t>(big_endian(b.substr(0, 3))) - 0x800000LL;
                std::int64_t frac = fsp == 0 ? 0 : static_cast<std::int64_t>(big_endian(b.substr(3)));
                const std::int64_t unit = frac_bytes(fsp) == 1 ? 0x100 : 0x10000;
                if (intpart < 0 && frac != 0) {
                    intpart += 1;
                    frac -= unit;
                }
                packed = intpart * (1LL << 24) + frac * (frac_bytes(fsp) == 1 ? 10000 : 100);
            }
            t.negative = packed < 0;
            const std::int64_t magnitude = packed < 0 ? -packed : packed;
            t.microsecond = static_cast<unsigned>(magnitude % (1LL << 24));
            const std::int64_t hms = magnitude >> 24;
            t.hour = static_cast<unsigned>((hms >> 12) % (1 << 10));
            t.minute = static_cast<unsigned>((hms >> 6) % (1 << 6));
            t.second = static_cast<unsigned>(hms % (1 << 6));
            return format_time(t, fsp);
        }
        default:
            return Status::error(Errc::Internal, "not a temporal type");
    }
}

Result<std::string> decode_integer(LeReader& r, const TableMapColumn& c, unsigned bytes) {
    std::uint64_t v = 0;
    if (!r.uint(bytes, v)) {
        return Status::error(Errc::Corruption, "integer truncated");
    }
    return c.is_unsigned ? std::to_string(v) : std::to_string(sign_extend(v, bytes));
}

Result<std::string> decode_length_prefixed(LeReader& r, unsigned prefix_bytes, const ColumnDecoder& d) {
    std::uint64_t len = 0;
    std::string_view b;
    if (!r.uint(prefix_bytes, len) || !r.bytes(len, b)) {
        return Status::error(Errc::Corruption, "string truncated");
    }
    return d.text(b);
}

Result<std::string> decode_enum_or_set(LeReader& r, const TableMapColumn& c) {
    std::uint64_t v = 0;
    if (c.length < 1 || c.length > 8 || !r.uint(c.length, v)) {
        return Status::error(Errc::Corruption, "ENUM/SET truncated");
    }
    if (c.type == kTypeEnum) {
        if (v == 0) {
            return std::string();
        }
        if (v > c.labels.size()) {
            return Status::error(Errc::Corruption, "ENUM index beyond its labels (binlog_row_metadata=FULL needed)");
        }
        return c.labels[v - 1];
    }
    std::string out;
    for (std::size_t i = 0; i < 64 && v != 0; ++i, v >>= 1U) {
        if ((v & 1U) == 0) {
            continue;
        }
        if (i >= c.labels.size()) {
            return Status::error(Errc::Corruption, "SET bit beyond its labels (binlog_row_metadata=FULL needed)");
        }
        out += out.empty() ? "" : ",";
        out += c.labels[i];
    }
    return out;
}

Result<std::string> decode_value(LeReader& r, const ColumnDecoder& d) {
    const auto& c = d.col;
    std::string_view b;
    switch (c.type) {
        case kTypeTiny: return decode_integer(r, c, 1);
        case kTypeShort: return decode_integer(r, c, 2);
        case kTypeInt24: return decode_integer(r, c, 3);
        case kTypeLong: return decode_integer(r, c, 4);
        case kTypeLongLong: return decode_integer(r, c, 8);
        case kTypeYear: {
            std::uint64_t v = 0;
            if (!r.uint(1, v)) {
                return Status::error(Errc::Corruption, "YEAR truncated");
            }
            return format_year(v == 0 ? 0 : static_cast<unsigned>(1900 + v));
        }
        case kTypeFloat: {
            std::uint64_t v = 0;
            if (!r.uint(4, v)) {
                return Status::error(Errc::Corruption, "FLOAT truncated");
            }
            return format_float(std::bit_cast<float>(static_cast<std::uint32_t>(v)));
        }
        case kTypeDouble: {
            std::uint64_t v = 0;
            if (!r.uint(8, v)) {
                return Status::error(Errc::Corruption, "DOUBLE truncated");
            }
            return format_double(std::bit_cast<double>(v));
        }
        case kTypeNewDecimal:
            if (!r.bytes(decimal_binary_size(c.precision, c.scale), b)) {
                return Status::error(Errc::Corruption, "DECIMAL truncated");
            }
            return decode_decimal(b, c.precision, c.scale);
        case kTypeDate: case kTypeNewDate: case kTypeTime: case kTypeDateTime: case kTypeTimestamp:
        case kTypeTimestamp2: case kTypeDateTime2: case kTypeTime2:
            return decode_temporal(r, c);
        case kTypeVarchar: case kTypeVarString:
            return decode_length_prefixed(r, c.length < 256 ? 1 : 2, d);
        case kTypeString: {
            auto v = decode_length_prefixed(r, c.length < 256 ? 1 : 2, d);
            if (v.ok() && d.encoding == TextEncoding::Binary) {
                // BINARY(n) is logged without its trailing 0x00 padding; the column holds all n bytes.
                const std::size_t stored = (v.value().size() - 2) / 2;
                for (std::size_t i = stored; i < c.length; ++i) {
                    v.value() += "00";
                }
            }
            return v;
        }
        case kTypeEnum: case kTypeSet:
            return decode_enum_or_set(r, c);
        case kTypeBit:
            if (!r.bytes((c.length + 7) / 8, b)) {
                return Status::error(Errc::Corruption, "BIT truncated");
            }
            return format_bits(b, c.length);
        case kTypeBlob: case kTypeTinyBlob: case kTypeMediumBlob: case kTypeLongBlob:
            return decode_length_prefixed(r, c.length, d);
        case kTypeJson:
            return Status::error(Errc::Unsupported, "MySQL's binary JSON is not supported yet");
        case kTypeGeometry:
            return Status::error(Errc::Unsupported, "GEOMETRY columns are not supported");
        default:
            return Status::error(Errc::Unsupported, "column type " + std::to_string(c.type) + " is not supported");
    }
}

Status decode_image(LeReader& r, const TableMap& map, const std::vector<ColumnDecoder>& cols,
                    const std::vector<bool>& present, std::vector<Value>& out) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < present.size(); ++i) {
        if (!present[i]) {
            return corrupt(map, i, "missing from the row image (set binlog_row_image=FULL)");
        }
        ++count;
    }
    std::string_view nulls;
    if (!r.bytes((count + 7) / 8, nulls)) {
        return corrupt(map, 0, "null bitmap truncated");
    }
    out.clear();
    out.reserve(cols.size());
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (((static_cast<std::uint8_t>(nulls[i / 8]) >> (i % 8)) & 1U) != 0) {
            out.emplace_back(Null{});
            continue;
        }
        auto v = decode_value(r, cols[i]);
        if (!v.ok()) {
            return v.status().code() == Errc::Corruption ? corrupt(map, i, v.status().message())
                                                         : v.status().with_context("column " + cols[i].col.name);
        }
        out.emplace_back(std::move(v).value());
    }
    return {};
}

}  // namespace

Result<TextEncoding> encoding_of(std::uint32_t collation, const CollationCharsets& charsets) {
    if (collation == kCollationBinary) {
        return TextEncoding::Binary;
    }
    const auto it = charsets.find(collation);
    if (it == charsets.end()) {
        return Status::error(Errc::Unsupported, "unknown collation id " + std::to_string(collation));
    }
    const std::string& cs = it->second;
    if (cs == "utf8mb4" || cs == "utf8mb3" || cs == "utf8" || cs == "ascii") {
        return TextEncoding::Utf8;
    }
    if (cs == "latin1") {
        return TextEncoding::Latin1;
    }
    if (cs == "binary") {
        return TextEncoding::Binary;
    }
    return Status::error(Errc::Unsupported, "character set " + cs
                                                + " is not supported (utf8mb4, utf8mb3, ascii, latin1 and binary are); "
                                                  "convert the column or leave the table out");
}

Result<std::vector<RowImage>> decode_row_images(const RowsEvent& rows, const TableMap& map,
                                                const CollationCharsets& charsets) {
    if (rows.width != map.columns.size()) {
        return Status::error(Errc::Corruption, "rows event for " + map.database + "." + map.table + " has "
                                                   + std::to_string(rows.width) + " columns, its table map "
                                                   + std::to_string(map.columns.size()));
    }
    std::vector<ColumnDecoder> cols;
    cols.reserve(map.columns.size());
    for (const auto& c : map.columns) {
        TextEncoding enc = TextEncoding::Utf8;
        const bool textual = c.type == kTypeString || c.type == kTypeVarchar || c.type == kTypeVarString
                             || c.type == kTypeBlob || c.type == kTypeTinyBlob || c.type == kTypeMediumBlob
                             || c.type == kTypeLongBlob;
        if (textual) {
            auto e = encoding_of(c.collation, charsets);
            if (!e.ok()) {
                return e.status().with_context(map.database + "." + map.table + " column " + c.name);
            }
            enc = e.value();
        }
        cols.push_back({c, enc});
    }
    std::vector<RowImage> out;
    LeReader r(rows.rows);
    while (!r.at_end()) {
        RowImage image;
        if (rows.kind != RowsKind::Write) {
            if (Status st = decode_image(r, map, cols, rows.before_columns, image.before); !st.ok()) {
                return st;
            }
        }
        if (rows.kind != RowsKind::Delete) {
            if (Status st = decode_image(r, map, cols, rows.after_columns, image.after); !st.ok()) {
                return st;
            }
        }
        out.push_back(std::move(image));
    }
    return out;
}

}  // namespace ferry::capture::mysql
