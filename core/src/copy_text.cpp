#include "ferry/core/copy_text.hpp"
#include "ferry/core/hex.hpp"

namespace ferry {

void append_copy_field(std::string& out, std::string_view value) {
    for (char c : value) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            default: out.push_back(c);
        }
    }
}

void append_copy_null(std::string& out) { out += "\\N"; }

namespace {

// Decodes the escape at row[i] == '\\'; returns the number of characters consumed after the backslash.
Result<std::size_t> unescape(std::string_view row, std::size_t i, std::string& out) {
    if (i + 1 >= row.size()) {
        return Status::error(Errc::Corruption, "COPY row ends in a backslash");
    }
    const char c = row[i + 1];
    switch (c) {
        case 'b': out.push_back('\b'); return std::size_t{1};
        case 'f': out.push_back('\f'); return std::size_t{1};
        case 'n': out.push_back('\n'); return std::size_t{1};
        case 'r': out.push_back('\r'); return std::size_t{1};
        case 't': out.push_back('\t'); return std::size_t{1};
        case 'v': out.push_back('\v'); return std::size_t{1};
        case 'x': {
            int value = 0;
            std::size_t used = 1;
            for (; used <= 2 && i + 1 + used < row.size() && hex_digit(row[i + 1 + used]) >= 0; ++used) {
                value = value * 16 + hex_digit(row[i + 1 + used]);
            }
            if (used == 1) {
                out.push_back('x');
                return std::size_t{1};
            }
            out.push_back(static_cast<char>(value));
            return used;
        }
        default:
            if (c >= '0' && c <= '7') {
                int value = 0;
                std::size_t used = 0;
                for (; used < 3 && i + 1 + used < row.size() && row[i + 1 + used] >= '0' && row[i + 1 + used] <= '7';
                     ++used) {
                    value = value * 8 + (row[i + 1 + used] - '0');
                }
                out.push_back(static_cast<char>(value));
                return used;
            }
            out.push_back(c);  // \\ and any other character stand for themselves
            return std::size_t{1};
    }
}
}  // namespace

Result<std::vector<std::optional<std::string>>> parse_copy_row(std::string_view row) {
    std::vector<std::optional<std::string>> fields;
    std::size_t start = 0;
    for (;;) {
        const auto tab = row.find('\t', start);
        const auto end = tab == std::string_view::npos ? row.size() : tab;
        const auto raw = row.substr(start, end - start);
        if (raw == "\\N") {
            fields.emplace_back(std::nullopt);
        } else {
            std::string value;
            value.reserve(raw.size());
            for (std::size_t i = 0; i < raw.size(); ++i) {
                if (raw[i] != '\\') {
                    value.push_back(raw[i]);
                    continue;
                }
                auto used = unescape(raw, i, value);
                if (!used.ok()) {
                    return used.status();
                }
                i += used.value();
            }
            fields.emplace_back(std::move(value));
        }
        if (tab == std::string_view::npos) {
            return fields;
        }
        start = tab + 1;
    }
}

}  // namespace ferry
