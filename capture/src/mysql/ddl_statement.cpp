#include "ddl_statement.hpp"

#include <cctype>

#include "ddl_tokens.hpp"

namespace ferry::capture::mysql {

namespace {

// Reads [schema.]name at `i`; advances past it.
bool read_name(const std::vector<Token>& t, std::size_t& i, std::string_view default_schema, TableId& out) {
    if (i >= t.size() || !is_name(t[i])) {
        return false;
    }
    if (i + 2 < t.size() && is_punct(t[i + 1], '.')) {
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

}  // namespace

DdlStatement classify_statement(std::string_view statement, std::string_view default_schema) {
    const auto t = tokenize_sql(statement);
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
        std::erase_if(out.tables, [](const TableId& id) { return id.name == "to" || id.name == "TO"; });
    } else if (is_word(t[0], "drop") || is_word(t[0], "create")) {
        const bool drop = is_word(t[0], "drop");
        while (i < t.size() && (is_word(t[i], "temporary") || is_word(t[i], "or") || is_word(t[i], "replace"))) {
            out.temporary = out.temporary || is_word(t[i], "temporary");
            ++i;
        }
        if (drop && i < t.size() && (is_word(t[i], "database") || is_word(t[i], "schema"))) {
            ++i;
            skip_if_exists(t, i, false);
            out.kind = DdlStatement::Kind::DropDatabase;
            out.database = i < t.size() && is_name(t[i]) ? t[i].text : std::string();
            return out;
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
            if (!drop || i >= t.size() || !is_punct(t[i], ',')) {
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
