// PostgreSQL array literals as JSON arrays, for MySQL/MariaDB targets (which have no arrays).
// https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO
#include "ferry/core/json_text.hpp"
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

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class ArrayParser {
public:
    ArrayParser(std::string_view text, ArrayElement element) : s_(text), element_(element) {}

    Result<std::string> parse() {
        if (!s_.empty() && s_.front() == '[') {  // explicit bounds: "[0:1]={...}"
            const auto eq = s_.find('=');
            if (eq == std::string_view::npos) {
                return bad();
            }
            i_ = eq + 1;
        }
        if (!array()) {
            return bad();
        }
        skip_space();
        return i_ == s_.size() ? Result<std::string>(std::move(out_)) : bad();
    }

private:
    static Status bad() { return Status::error(Errc::Corruption, "an array value is not a PostgreSQL array literal"); }
    void skip_space() {
        while (i_ < s_.size() && is_space(s_[i_])) {
            ++i_;
        }
    }
    bool array() {
        skip_space();
        if (i_ >= s_.size() || s_[i_] != '{') {
            return false;
        }
        ++i_;
        out_.push_back('[');
        skip_space();
        if (i_ < s_.size() && s_[i_] == '}') {
            ++i_;
            out_.push_back(']');
            return true;
        }
        for (bool first = true;; first = false) {
            if (!first) {
                out_.push_back(',');
            }
            skip_space();
            if (i_ < s_.size() && s_[i_] == '{' ? !array() : !element()) {
                return false;
            }
            skip_space();
            if (i_ >= s_.size()) {
                return false;
            }
            if (s_[i_++] == '}') {
                out_.push_back(']');
                return true;
            }
            if (s_[i_ - 1] != ',') {
                return false;
            }
        }
    }
    bool element() {
        std::string text;
        if (i_ < s_.size() && s_[i_] == '"') {
            for (++i_; i_ < s_.size() && s_[i_] != '"'; ++i_) {
                if (s_[i_] == '\\' && ++i_ >= s_.size()) {
                    return false;
                }
                text.push_back(s_[i_]);
            }
            if (i_++ >= s_.size()) {
                return false;
            }
            append_element(out_, text, element_);
            return true;
        }
        while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}') {
            if (s_[i_] == '\\' && ++i_ >= s_.size()) {
                return false;
            }
            text.push_back(s_[i_++]);
        }
        while (!text.empty() && is_space(text.back())) {
            text.pop_back();
        }
        if (text.empty()) {
            return false;
        }
        if (text == "NULL") {
            out_ += "null";
        } else {
            append_element(out_, text, element_);
        }
        return true;
    }

    std::string_view s_;
    ArrayElement element_;
    std::size_t i_ = 0;
    std::string out_;
};

}  // namespace

Result<std::string> pg_array_to_json(std::string_view array, ArrayElement element) {
    return ArrayParser(array, element).parse();
}

}  // namespace ferry::apply::mysql
