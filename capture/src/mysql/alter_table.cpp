#include "alter_table.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "ddl_tokens.hpp"
#include "ferry/core/mysql_types.hpp"

namespace ferry::capture::mysql {

namespace {

using Kind = AlterOp::Kind;
using Place = AlterOp::Place;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool is_any_word(const Token& t, std::initializer_list<std::string_view> words) {
    for (const auto w : words) {
        if (is_word(t, w)) {
            return true;
        }
    }
    return false;
}

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

    bool at_end() const { return i_ >= t_.size(); }
    bool at_clause_end() const { return at_end() || is_punct(t_[i_], ',') || is_punct(t_[i_], ';'); }
    const Token& peek(std::size_t ahead = 0) const {
        static const Token kNone{Token::Kind::Punct, ""};
        return i_ + ahead < t_.size() ? t_[i_ + ahead] : kNone;
    }
    bool word(std::string_view w) {
        if (!at_end() && is_word(t_[i_], w)) {
            ++i_;
            return true;
        }
        return false;
    }
    bool punct(char c) {
        if (!at_end() && is_punct(t_[i_], c)) {
            ++i_;
            return true;
        }
        return false;
    }
    void skip_if_exists(bool with_not) {
        if (is_word(peek(), "if") && (!with_not || is_word(peek(1), "not"))) {
            i_ += with_not ? 3 : 2;
        }
    }
    std::optional<std::string> name() {
        if (at_end() || !is_name(t_[i_])) {
            return std::nullopt;
        }
        return t_[i_++].text;
    }
    std::optional<TableId> table_name(std::string_view default_schema) {
        auto first = name();
        if (!first) {
            return std::nullopt;
        }
        if (punct('.')) {
            auto second = name();
            return second ? std::optional<TableId>(TableId{*first, *second}) : std::nullopt;
        }
        return TableId{std::string(default_schema), *first};
    }
    // The tokens of a parenthesised group at the cursor (without the parentheses); the cursor moves past it.
    std::vector<Token> group() {
        std::vector<Token> out;
        if (!punct('(')) {
            return out;
        }
        for (int depth = 1; !at_end(); ++i_) {
            depth += is_punct(t_[i_], '(') ? 1 : is_punct(t_[i_], ')') ? -1 : 0;
            if (depth == 0) {
                ++i_;
                break;
            }
            out.push_back(t_[i_]);
        }
        return out;
    }
    void skip_clause() {
        while (!at_clause_end()) {
            if (is_punct(t_[i_], '(')) {
                group();
            } else {
                ++i_;
            }
        }
    }
    std::string clause_words(std::size_t from) const {
        std::string out;
        for (std::size_t k = from; k < t_.size() && k < from + 3 && !is_punct(t_[k], ','); ++k) {
            out += (out.empty() ? "" : " ") + t_[k].text;
        }
        return out;
    }
    std::size_t position() const { return i_; }

    ColumnDefinition column_definition(std::string column);
    DefaultClause default_clause();
    void place(AlterOp& op) {
        if (word("first")) {
            op.place = Place::First;
        } else if (word("after")) {
            op.place = Place::After;
            op.after = name().value_or("");
        }
    }

private:
    std::vector<Token> t_;
    std::size_t i_ = 0;
};

// Column names of a key's parenthesised list: `a`, b(10), c DESC.
std::vector<std::string> key_columns(const std::vector<Token>& list) {
    std::vector<std::string> out;
    bool expect_name = true;
    int depth = 0;
    for (const auto& tok : list) {
        if (is_punct(tok, '(')) {
            ++depth;
        } else if (is_punct(tok, ')')) {
            --depth;
        } else if (depth == 0 && is_punct(tok, ',')) {
            expect_name = true;
        } else if (depth == 0 && expect_name && is_name(tok)) {
            out.push_back(tok.text);
            expect_name = false;
        }
    }
    return out;
}

std::string numbers_text(const std::vector<Token>& args) {
    std::string out;
    for (const auto& a : args) {
        out += a.text;
    }
    return out;
}

// The type's words and arguments -> COLUMN_TYPE spelling.
std::string column_type(std::string base, const std::vector<Token>& args, bool has_args, bool is_unsigned, bool zerofill) {
    static const std::vector<std::pair<std::string_view, std::string_view>> kAliases{
        {"int1", "tinyint"}, {"int2", "smallint"}, {"int3", "mediumint"}, {"middleint", "mediumint"},
        {"int4", "int"}, {"integer", "int"}, {"int8", "bigint"}, {"dec", "decimal"}, {"numeric", "decimal"},
        {"fixed", "decimal"}, {"real", "double"}, {"character", "char"}, {"nchar", "char"}, {"nvarchar", "varchar"}};
    for (const auto& [alias, name] : kAliases) {
        if (base == alias) {
            base = name;
        }
    }
    std::string out = base;
    if (base == "bool" || base == "boolean") {
        out = "tinyint(1)";
    } else if (base == "enum" || base == "set") {
        MysqlType t;
        t.kind = base == "enum" ? MysqlType::Kind::Enum : MysqlType::Kind::Set;
        t.base = base;
        for (const auto& a : args) {
            if (a.kind == Token::Kind::String) {
                t.labels.push_back(a.text);
            }
        }
        return format_mysql_type(t);
    } else if (base == "decimal") {
        const std::string n = numbers_text(args);
        out += !has_args ? "(10,0)" : n.find(',') == std::string::npos ? "(" + n + ",0)" : "(" + n + ")";
    } else if (base == "float" && has_args && numbers_text(args).find(',') == std::string::npos) {
        out = std::stoi("0" + numbers_text(args)) > 24 ? "double" : "float";
    } else if ((base == "char" || base == "binary" || base == "bit") && !has_args) {
        out += "(1)";
    } else if ((base == "text" || base == "blob") && has_args) {
        const unsigned long n = std::stoul("0" + numbers_text(args));
        const char* size = n < 256 ? "tiny" : n < 65536 ? "" : n < 16777216 ? "medium" : "long";
        out = size + base;
    } else if (has_args) {
        out += "(" + numbers_text(args) + ")";
    }
    if (is_unsigned || zerofill) {
        out += " unsigned";
    }
    if (zerofill) {
        out += " zerofill";
    }
    return out;
}

ColumnDefinition Parser::column_definition(std::string column) {
    ColumnDefinition def;
    def.name = std::move(column);
    std::string base = at_end() ? "" : lower(t_[i_++].text);
    // Two-word spellings.
    if ((base == "double" && word("precision")) || (base == "long" && word("varchar"))) {
        base = base == "double" ? "double" : "mediumtext";
    } else if (base == "long" && word("varbinary")) {
        base = "mediumblob";
    } else if (base == "long") {
        base = "mediumtext";
    } else if (base == "national") {
        base = at_end() ? "" : lower(t_[i_++].text);
    }
    if ((base == "char" || base == "character") && word("varying")) {
        base = "varchar";
    }
    const bool has_args = is_punct(peek(), '(');
    const std::vector<Token> args = group();
    bool is_unsigned = false;
    bool zerofill = false;
    for (;;) {
        if (word("unsigned")) {
            is_unsigned = true;
        } else if (word("zerofill")) {
            zerofill = true;
        } else if (!word("signed")) {
            break;
        }
    }
    if (base == "serial") {
        def.type_name = "bigint(20) unsigned";
        def.nullable = false;
    } else {
        def.type_name = column_type(base, args, has_args, is_unsigned, zerofill);
    }
    // Attributes up to the end of the definition (a FIRST/AFTER placement or the clause's end).
    while (!at_clause_end() && !is_word(peek(), "first") && !is_word(peek(), "after")) {
        if (is_punct(peek(), '(')) {
            group();
        } else if (word("not")) {
            def.nullable = !word("null") && def.nullable;
        } else if (word("primary") || word("key")) {
            def.primary_key = true;  // PRIMARY KEY, or KEY alone, which means the same on a column
            word("key");
        } else if (word("unique")) {
            word("key");
        } else if (word("default")) {
            def.default_value = default_clause();
        } else if (word("comment")) {
            ++i_;  // its string
        } else if (word("auto_increment") || word("as") || word("generated")) {
            def.computed = true;
        } else {
            ++i_;
        }
    }
    return def;
}

bool is_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

// The value after DEFAULT (the cursor is past the word). Numbers arrive in pieces: "-", "1", ".", "5e",
// "-", "3" for -1.5e-3.
DefaultClause Parser::default_clause() {
    using DK = DefaultClause::Kind;
    if (word("null")) {
        return {};
    }
    if (is_punct(peek(), '(')) {
        group();
        return {DK::Expression, ""};
    }
    std::string sign = punct('-') ? "-" : "";
    if (sign.empty()) {
        punct('+');
    }
    if (peek().kind == Token::Kind::Word && peek().text.starts_with('_') && peek(1).kind == Token::Kind::String) {
        ++i_;  // a character set introducer: _utf8mb4'text'
    }
    if (peek().kind == Token::Kind::String) {
        std::string text;
        while (peek().kind == Token::Kind::String) {
            text += t_[i_++].text;  // 'a' 'b' is 'ab'
        }
        return {DK::String, text};
    }
    const Token& t = peek();
    if ((is_word(t, "b") || is_word(t, "x")) && peek(1).kind == Token::Kind::String) {
        i_ += 2;
        return {is_word(t, "b") ? DK::Bits : DK::Hex, t_[i_ - 1].text};
    }
    if (is_word(t, "true") || is_word(t, "false")) {
        ++i_;
        return {DK::Number, is_word(t_[i_ - 1], "true") ? "1" : "0"};
    }
    if (t.kind == Token::Kind::Word && (t.text.starts_with("0x") || t.text.starts_with("0X"))) {
        ++i_;
        return {DK::Hex, t_[i_ - 1].text.substr(2)};
    }
    if (t.kind == Token::Kind::Word && std::isdigit(static_cast<unsigned char>(t.text[0])) != 0) {
        std::string number = sign + t_[i_++].text;
        if (punct('.')) {
            number += ".";
            if (peek().kind == Token::Kind::Word && std::isdigit(static_cast<unsigned char>(peek().text[0])) != 0) {
                number += t_[i_++].text;
            }
        }
        const char last = number.back();
        if ((last == 'e' || last == 'E') && (is_punct(peek(), '-') || is_punct(peek(), '+'))
            && is_digits(peek(1).text)) {
            number += t_[i_].text + t_[i_ + 1].text;
            i_ += 2;
        }
        return {DK::Number, number};
    }
    if (is_punct(t, '.') && is_digits(peek(1).text)) {  // .5
        i_ += 2;
        return {DK::Number, sign + "0." + t_[i_ - 1].text};
    }
    if (!at_clause_end()) {
        ++i_;  // CURRENT_TIMESTAMP, NOW(), a function
        if (is_punct(peek(), '(')) {
            group();
        }
    }
    return {DK::Expression, ""};
}

AlterOp unsupported(const Parser& p, std::size_t clause_start) {
    AlterOp op;
    op.kind = Kind::Unsupported;
    op.clause = p.clause_words(clause_start);
    return op;
}

// One ADD clause (the cursor is after ADD); appends what it does to `ops`.
void add_clause(Parser& p, std::size_t start, std::vector<AlterOp>& ops) {
    if (p.word("constraint")) {
        if (!is_word(p.peek(), "primary") && !is_word(p.peek(), "unique") && !is_word(p.peek(), "foreign")
            && !is_word(p.peek(), "check")) {
            p.name();  // the constraint's symbol
        }
    }
    if (p.word("primary")) {
        p.word("key");
        AlterOp op;
        op.kind = Kind::AddPrimaryKey;
        while (!p.at_clause_end() && !is_punct(p.peek(), '(')) {
            p.name();  // USING BTREE and the like
        }
        op.key = key_columns(p.group());
        ops.push_back(std::move(op));
        return p.skip_clause();
    }
    if (is_any_word(p.peek(), {"index", "key", "unique", "fulltext", "spatial", "foreign", "check", "period", "system",
                               "partition", "vector"})) {
        return p.skip_clause();
    }
    p.word("column");
    p.skip_if_exists(true);
    if (is_punct(p.peek(), '(')) {  // ADD (a int, b text)
        Parser inner(p.group());
        do {
            AlterOp op;
            op.kind = Kind::AddColumn;
            op.place = Place::Last;
            op.definition = inner.column_definition(inner.name().value_or(""));
            ops.push_back(std::move(op));
        } while (inner.punct(','));
        return;
    }
    auto column = p.name();
    if (!column) {
        ops.push_back(unsupported(p, start));
        return p.skip_clause();
    }
    AlterOp op;
    op.kind = Kind::AddColumn;
    op.place = Place::Last;
    op.definition = p.column_definition(*column);
    p.place(op);
    ops.push_back(std::move(op));
}

void drop_clause(Parser& p, std::size_t start, std::vector<AlterOp>& ops) {
    if (p.word("primary")) {
        p.word("key");
        AlterOp op;
        op.kind = Kind::DropPrimaryKey;
        ops.push_back(std::move(op));
        return p.skip_clause();
    }
    if (is_any_word(p.peek(), {"index", "key", "foreign", "constraint", "check", "period", "system"})) {
        return p.skip_clause();
    }
    if (is_word(p.peek(), "partition")) {  // deletes rows without row events
        ops.push_back(unsupported(p, start));
        return p.skip_clause();
    }
    p.word("column");
    p.skip_if_exists(false);
    AlterOp op;
    op.kind = Kind::DropColumn;
    op.column = p.name().value_or("");
    ops.push_back(std::move(op));
    p.skip_clause();  // RESTRICT | CASCADE
}

void modify_clause(Parser& p, bool change, std::vector<AlterOp>& ops) {
    p.word("column");
    p.skip_if_exists(false);
    AlterOp op;
    op.kind = Kind::ModifyColumn;
    op.column = p.name().value_or("");
    op.definition = p.column_definition(change ? p.name().value_or("") : op.column);
    p.place(op);
    ops.push_back(std::move(op));
}

void rename_clause(Parser& p, std::string_view default_schema, std::vector<AlterOp>& ops) {
    if (p.word("column")) {
        AlterOp op;
        op.kind = Kind::RenameColumn;
        op.column = p.name().value_or("");
        p.word("to");
        op.new_name = p.name().value_or("");
        ops.push_back(std::move(op));
        return;
    }
    if (is_word(p.peek(), "index") || is_word(p.peek(), "key")) {
        return p.skip_clause();
    }
    if (!p.word("to")) {
        p.word("as");
    }
    AlterOp op;
    op.kind = Kind::RenameTable;
    op.new_table = p.table_name(default_schema).value_or(TableId{});
    ops.push_back(std::move(op));
}

bool is_ignored_clause(const Token& t) {
    return is_any_word(t, {"algorithm", "lock", "force", "engine", "auto_increment", "comment", "row_format",
                           "key_block_size", "stats_persistent", "stats_auto_recalc", "stats_sample_pages",
                           "pack_keys", "checksum", "default", "character", "charset", "collate", "max_rows",
                           "min_rows", "avg_row_length", "delay_key_write", "insert_method", "data", "index",
                           "transactional", "page_checksum", "page_compressed", "page_compression_level",
                           "encrypted", "encryption_key_id", "order", "enable", "disable", "with", "without",
                           "coalesce", "reorganize", "analyze", "check", "optimize", "rebuild", "repair",
                           "remove", "partition", "partitions", "alter", "union", "sequence"});
}

}  // namespace

Result<std::vector<AlterOp>> parse_alter_table(std::string_view statement, std::string_view default_schema) {
    Parser p(tokenize_sql(statement));
    if (!p.word("alter")) {
        return Status::error(Errc::Unsupported, "not an ALTER TABLE statement");
    }
    while (p.word("online") || p.word("ignore")) {
    }
    if (!p.word("table")) {
        return Status::error(Errc::Unsupported, "not an ALTER TABLE statement");
    }
    p.skip_if_exists(false);
    if (!p.table_name(default_schema)) {
        return Status::error(Errc::Unsupported, "an ALTER TABLE without a table name");
    }
    if (p.word("wait")) {
        p.name();
    } else {
        p.word("nowait");
    }
    std::vector<AlterOp> ops;
    while (!p.at_end()) {
        const std::size_t start = p.position();
        if (p.punct(',') || p.punct(';')) {
            continue;
        }
        if (p.word("add")) {
            add_clause(p, start, ops);
        } else if (p.word("drop")) {
            drop_clause(p, start, ops);
        } else if (p.word("modify")) {
            modify_clause(p, false, ops);
        } else if (p.word("change")) {
            modify_clause(p, true, ops);
        } else if (p.word("rename")) {
            rename_clause(p, default_schema, ops);
        } else if (is_ignored_clause(p.peek())) {
            p.skip_clause();  // ALTER COLUMN ... SET DEFAULT, table options, ALGORITHM=, ...
        } else {
            ops.push_back(unsupported(p, start));  // CONVERT TO CHARACTER SET, DISCARD TABLESPACE, ...
            p.skip_clause();
        }
    }
    return ops;
}

std::string column_type_from_ddl(std::string_view data_type) {
    Parser p(tokenize_sql(data_type));
    return p.column_definition("").type_name;
}

}  // namespace ferry::capture::mysql
