// The tokens of a MySQL/MariaDB statement, enough to read DDL: words, `quoted` identifiers, string
// literals (unescaped), numbers and punctuation. Comments are skipped; the contents of executable
// comments (/*! ... */, /*M! ... */) are read as part of the statement, as the server does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::capture::mysql {

struct Token {
    enum class Kind : std::uint8_t { Word, Identifier, String, Punct };
    Kind kind = Kind::Word;
    std::string text;  // identifiers unquoted, strings unescaped, words as written
};

std::vector<Token> tokenize_sql(std::string_view statement);

// A Word equal to `lower_word` ignoring case.
bool is_word(const Token& token, std::string_view lower_word);
bool is_punct(const Token& token, char c);
// Word or Identifier: something that can name a column or table.
inline bool is_name(const Token& token) { return token.kind == Token::Kind::Word || token.kind == Token::Kind::Identifier; }

}  // namespace ferry::capture::mysql
