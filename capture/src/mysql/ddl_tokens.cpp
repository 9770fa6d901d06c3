#include "ddl_tokens.hpp"

#include <cctype>

namespace ferry::capture::mysql {

namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$'; }

// A string literal starting at s[i] (a quote); appends its value to `out` and returns the index after it.
std::size_t read_string(std::string_view s, std::size_t i, std::string& out) {
    const char quote = s[i];
    for (++i; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            const char e = s[++i];
            out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == '0' ? '\0' : e);
        } else if (s[i] == quote && i + 1 < s.size() && s[i + 1] == quote) {
            out.push_back(quote);
            ++i;
        } else if (s[i] == quote) {
            return i + 1;
        } else {
            out.push_back(s[i]);
        }
    }
    return i;
}

std::size_t read_identifier(std::string_view s, std::size_t i, std::string& out) {
    for (++i; i < s.size(); ++i) {
        if (s[i] == '`' && i + 1 < s.size() && s[i + 1] == '`') {
            out.push_back('`');
            ++i;
        } else if (s[i] == '`') {
            return i + 1;
        } else {
            out.push_back(s[i]);
        }
    }
    return i;
}

}  // namespace

std::vector<Token> tokenize_sql(std::string_view s) {
    std::vector<Token> out;
    std::size_t i = 0;
    int executable_comments = 0;  // open /*! ... */ whose contents are being read
    while (i < s.size()) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            ++i;
        } else if (s.substr(i, 3) == "/*!" || s.substr(i, 4) == "/*M!") {
            i += s[i + 2] == 'M' ? 4 : 3;
            while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) {
                ++i;  // the version the contents need
            }
            ++executable_comments;
        } else if (executable_comments > 0 && s.substr(i, 2) == "*/") {
            i += 2;
            --executable_comments;
        } else if (s.substr(i, 2) == "/*") {
            const auto end = s.find("*/", i + 2);
            i = end == std::string_view::npos ? s.size() : end + 2;
        } else if (c == '#' || s.substr(i, 3) == "-- ") {
            const auto end = s.find('\n', i);
            i = end == std::string_view::npos ? s.size() : end + 1;
        } else if (c == '`') {
            Token t{Token::Kind::Identifier, ""};
            i = read_identifier(s, i, t.text);
            out.push_back(std::move(t));
        } else if (c == '\'' || c == '"') {
            Token t{Token::Kind::String, ""};
            i = read_string(s, i, t.text);
            out.push_back(std::move(t));
        } else if (is_word_char(c)) {
            Token t;
            while (i < s.size() && is_word_char(s[i])) {
                t.text.push_back(s[i++]);
            }
            out.push_back(std::move(t));
        } else {
            out.push_back({Token::Kind::Punct, std::string(1, c)});
            ++i;
        }
    }
    return out;
}

bool is_word(const Token& t, std::string_view word) {
    if (t.kind != Token::Kind::Word || t.text.size() != word.size()) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(t.text[i])) != word[i]) {
            return false;
        }
    }
    return true;
}

bool is_punct(const Token& t, char c) { return t.kind == Token::Kind::Punct && t.text.size() == 1 && t.text[0] == c; }

}  // namespace ferry::capture::mysql
