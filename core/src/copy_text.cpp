#include "ferry/core/copy_text.hpp"
#include "ferry/core/hex.hpp"

namespace ferry {

namespace {
// The first character COPY text must escape (find_first_of scans the set once per character).
std::size_t first_special(std::string_view value) {
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
            return i;
        }
    }
    return std::string_view::npos;
}
}  // namespace

void append_copy_field(std::string& out, std::string_view value) {
    // Runs without a character to escape go in whole (most values have none).
    for (;;) {
        const auto special = first_special(value);
        out.append(value.substr(0, special));
        if (special == std::string_view::npos) {
            return;
        }
        switch (value[special]) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            default: out += "\\r"; break;
        }
        value.remove_prefix(special + 1);
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

Result<std::optional<std::string>> parse_copy_field(std::string_view raw) {
    if (raw == "\\N") {
        return std::optional<std::string>{};
    }
    std::string value;
    value.reserve(raw.size());
    for (;;) {
        const auto backslash = raw.find('\\');
        value.append(raw.substr(0, backslash));
        if (backslash == std::string_view::npos) {
            return std::optional<std::string>{std::move(value)};
        }
        auto used = unescape(raw, backslash, value);
        if (!used.ok()) {
            return used.status();
        }
        raw.remove_prefix(backslash + 1 + used.value());
    }
}

Result<std::vector<std::optional<std::string>>> parse_copy_row(std::string_view row) {
    std::vector<std::optional<std::string>> fields;
    for (;;) {
        const auto tab = row.find('\t');
        auto field = parse_copy_field(row.substr(0, tab));
        if (!field.ok()) {
            return field.status();
        }
        fields.push_back(std::move(field).value());
        if (tab == std::string_view::npos) {
            return fields;
        }
        row.remove_prefix(tab + 1);
    }
}

}  // namespace ferry
