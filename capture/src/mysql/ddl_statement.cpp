#include "ddl_statement.hpp"

#include <cctype>

namespace ferry::capture::mysql {

namespace {

struct Token {
    std::string text;       // identifiers unquoted; keywords lowercased
    bool quoted = false;
};

// Splits into words, `quoted` identifiers, string literals (dropped) and punctuation; skips comments.
std::vector<Token> tokenize(std::string_view s) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            ++i;
        } else if (s.substr(i, 2) == "/*") {
            const auto end = s.find("*/", i + 2);
            i = end == std::string_view::npos ? s.size() : end + 2;
        } else if (c == '#' || s.substr(i, 3) == "-- ") {
            const auto end = s.find('\n', i);
            i = end == std::string_view::npos ? s.size() : end + 1;
        } else if (c == '`') {
            Token t{"", true};
            for (++i; i < s.size(); ++i) {
                if (s[i] == '`' && i + 1 < s.size() && s[i + 1] == '`') {
                    t.text.push_back('`');
                    ++i;
                } else if (s[i] == '`') {
                    ++i;
                    break;
                } else {
                    t.text.push_back(s[i]);
                }
            }
            out.push_back(std::move(t));
        } else if (c == '\'' || c == '"') {
            for (++i; i < s.size() && s[i] != c; ++i) {
                if (s[i] == '\\') {
                    ++i;
                }
            }
            ++i;
            out.push_back({"'", false});
        } else if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$') {
            Token t;
            while (i < s.size()
                   && (std::isalnum(static_cast<unsigned char>(s[i])) != 0 || s[i] == '_' || s[i] == '$')) {
                t.text.push_back(s[i++]);
            }
            out.push_back(std::move(t));
        } else {
            out.push_back({std::string(1, c), false});
            ++i;
        }
    }
    return out;
}

bool is_word(const Token& t, std::string_view word) {
    if (t.quoted || t.text.size() != word.size()) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(t.text[i])) != word[i]) {
            return false;
        }
    }
    return true;
}

// Reads [schema.]name at `i`; advances past it.
bool read_name(const std::vector<Token>& t, std::size_t& i, std::string_view default_schema, TableId& out) {
    if (i >= t.size() || (!t[i].quoted && (t[i].text.empty() || std::ispunct(static_cast<unsigned char>(t[i].text[0])) != 0))) {
        return false;
    }
    if (i + 2 < t.size() && t[i + 1].text == "." && !t[i + 1].quoted) {
        out = {t[i].text, t[i + 2].text};
        i += 3;
    } else {
        out = {std::string(default_schema), t[i].text};
        i += 1;
    }
    return true;
}

void skip_if_exists(const std::vector<Token>& t, std::size_t& i, bool not_too) {
    if (i < t.size() && is_word(t[i], "if")) {
        i += not_too ? 3 : 2;  // IF [NOT] EXISTS
    }
}

// Every top-level clause of an ALTER TABLE starts with ADD (or is ALGORITHM=/LOCK=).
bool only_adds(const std::vector<Token>& t, std::size_t i) {
    int depth = 0;
    bool clause_start = true;
    for (; i < t.size(); ++i) {
        const auto& tok = t[i];
        if (!tok.quoted && tok.text == "(") {
            ++depth;
        } else if (!tok.quoted && tok.text == ")") {
            --depth;
        } else if (depth == 0 && !tok.quoted && tok.text == ",") {
            clause_start = true;
            continue;
        } else if (clause_start) {
            if (!is_word(tok, "add") && !is_word(tok, "algorithm") && !is_word(tok, "lock")) {
                return false;
            }
        }
        clause_start = false;
    }
    return true;
}

}  // namespace

DdlStatement classify_statement(std::string_view statement, std::string_view default_schema) {
    const auto t = tokenize(statement);
    DdlStatement out;
    if (t.empty()) {
        return out;
    }
    std::size_t i = 1;
    TableId name;
    if (is_word(t[0], "truncate")) {
        out.kind = DdlStatement::Kind::Truncate;
        if (i < t.size() && is_word(t[i], "table")) {
            ++i;
        }
        if (read_name(t, i, default_schema, name)) {
            out.tables.push_back(name);
        }
    } else if (is_word(t[0], "alter")) {
        while (i < t.size() && (is_word(t[i], "online") || is_word(t[i], "ignore"))) {
            ++i;
        }
        if (i >= t.size() || !is_word(t[i], "table")) {
            out.kind = DdlStatement::Kind::OtherDdl;
            return out;
        }
        ++i;
        skip_if_exists(t, i, false);
        out.kind = DdlStatement::Kind::AlterTable;
        if (read_name(t, i, default_schema, name)) {
            out.tables.push_back(name);
            out.only_adds = only_adds(t, i);
        }
    } else if (is_word(t[0], "rename")) {
        out.kind = DdlStatement::Kind::RenameTable;
        for (i = i < t.size() && is_word(t[i], "table") ? i + 1 : i; i < t.size();) {  // RENAME TABLE a TO b, c TO d
            if (read_name(t, i, default_schema, name)) {
                out.tables.push_back(name);
            } else {
                ++i;
            }
        }
        std::erase_if(out.tables, [](const TableId& id) { return id.name == "to" || id.name == "TO" || id.name == ","; });
    } else if (is_word(t[0], "drop") || is_word(t[0], "create")) {
        const bool drop = is_word(t[0], "drop");
        while (i < t.size() && (is_word(t[i], "temporary") || is_word(t[i], "or") || is_word(t[i], "replace"))) {
            ++i;
        }
        if (i >= t.size() || !is_word(t[i], "table")) {
            out.kind = DdlStatement::Kind::OtherDdl;
            return out;
        }
        ++i;
        skip_if_exists(t, i, !drop);
        out.kind = drop ? DdlStatement::Kind::DropTable : DdlStatement::Kind::CreateTable;
        while (read_name(t, i, default_schema, name)) {
            out.tables.push_back(name);
            if (!drop || i >= t.size() || t[i].text != ",") {
                break;
            }
            ++i;
        }
    } else if (is_word(t[0], "grant") || is_word(t[0], "revoke") || is_word(t[0], "analyze")
               || is_word(t[0], "optimize") || is_word(t[0], "flush")) {
        out.kind = DdlStatement::Kind::OtherDdl;
    }
    return out;
}

std::string statement_excerpt(std::string_view statement, std::size_t max) {
    std::string out;
    for (const char c : statement.substr(0, max)) {
        out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
    }
    if (statement.size() > max) {
        out += "...";
    }
    return out;
}

}  // namespace ferry::capture::mysql
