// PostgreSQL array literals as JSON arrays, for MySQL/MariaDB targets (which have no arrays).
// https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO
#include "ferry/core/json_text.hpp"
#include "pg_array_text.hpp"
#include "to_mysql.hpp"

namespace ferry::apply::mysql {

namespace {

bool is_json_number(std::string_view s) {
    std::size_t i = 0;
    auto digits = [&] {
        const std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ++i;
        }
        return i > start;
    };
    if (i < s.size() && s[i] == '-') {
        ++i;
    }
    if (!digits()) {
        return false;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits()) {
            return false;
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            ++i;
        }
        if (!digits()) {
            return false;
        }
    }
    return i == s.size();
}


void append_element(std::string& out, std::string_view text, ArrayElement element) {
    switch (element) {
        case ArrayElement::Number:
            if (is_json_number(text)) {
                out += text;
                return;
            }
            break;  // NaN, Infinity: as strings
        case ArrayElement::Boolean:
            if (text == "t" || text == "f") {
                out += text == "t" ? "true" : "false";
                return;
            }
            break;
        case ArrayElement::Json: out += text; return;
        case ArrayElement::String: break;
    }
    append_json_string(out, text);
}

}  // namespace

Result<std::string> pg_array_to_json(std::string_view array, ArrayElement element) {
    std::string out;
    const Status st = apply::pg_array_to_json(
        array,
        [element](std::string_view text, std::string& json) {
            append_element(json, text, element);
            return Status();
        },
        out);
    if (!st.ok()) {
        return st;
    }
    return out;
}

}  // namespace ferry::apply::mysql
