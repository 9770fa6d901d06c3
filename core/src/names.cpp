#include "ferry/core/names.hpp"

namespace ferry {

namespace {
std::string quote_with(std::string_view text, char quote) {
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back(quote);
    for (char c : text) {
        if (c == quote) {
            out.push_back(quote);
        }
        out.push_back(c);
    }
    out.push_back(quote);
    return out;
}

struct Part {
    std::string text;
    bool was_quoted = false;
};

// Reads one name part starting at `pos`; leaves `pos` after it.
Result<Part> read_part(std::string_view in, std::size_t& pos) {
    Part part;
    if (pos < in.size() && in[pos] == '"') {
        part.was_quoted = true;
        ++pos;
        for (;;) {
            if (pos >= in.size()) {
                return Status::error(Errc::InvalidConfig, "unterminated double quote");
            }
            if (in[pos] == '"') {
                if (pos + 1 < in.size() && in[pos + 1] == '"') {
                    part.text.push_back('"');
                    pos += 2;
                    continue;
                }
                ++pos;
                return part;
            }
            part.text.push_back(in[pos++]);
        }
    }
    const auto end = in.find('.', pos);
    part.text = std::string(in.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (part.text.find('"') != std::string::npos) {
        return Status::error(Errc::InvalidConfig, "a name containing '\"' must be written in double quotes");
    }
    pos = end == std::string_view::npos ? in.size() : end;
    return part;
}
}  // namespace

std::string quote_ident(std::string_view name) { return quote_with(name, '"'); }
std::string quote_table(const TableId& table) { return quote_ident(table.schema) + "." + quote_ident(table.name); }
std::string quote_literal(std::string_view text) { return quote_with(text, '\''); }

Result<TablePattern> parse_table_pattern(std::string_view text) {
    std::size_t pos = 0;
    auto schema = read_part(text, pos);
    if (!schema.ok()) {
        return schema.status();
    }
    if (pos >= text.size() || text[pos] != '.') {
        return Status::error(Errc::InvalidConfig, "expected schema.table");
    }
    ++pos;
    auto table = read_part(text, pos);
    if (!table.ok()) {
        return table.status();
    }
    if (pos != text.size()) {
        return Status::error(Errc::InvalidConfig, "unexpected text after the table name (quote a name that contains '.')");
    }
    if (schema.value().text.empty() || table.value().text.empty()) {
        return Status::error(Errc::InvalidConfig, "empty schema or table name");
    }
    TablePattern out{schema.value().text, table.value().text};
    if (table.value().was_quoted && out.table == "*") {
        return Status::error(Errc::InvalidConfig, "a table literally named * is not supported");
    }
    return out;
}

}  // namespace ferry
