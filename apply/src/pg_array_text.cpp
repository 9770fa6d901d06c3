// https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO
#include "pg_array_text.hpp"

namespace ferry::apply {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class ArrayParser {
public:
    ArrayParser(std::string_view text, const PgArrayElementWriter& element) : s_(text), element_(element) {}

    Status parse(std::string& out) {
        if (!s_.empty() && s_.front() == '[') {  // explicit bounds: "[0:1]={...}"
            const auto eq = s_.find('=');
            if (eq == std::string_view::npos) {
                return bad();
            }
            i_ = eq + 1;
        }
        out_ = &out;
        if (!array()) {
            return error_.ok() ? bad() : error_;
        }
        skip_space();
        return i_ == s_.size() ? Status() : bad();
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
        out_->push_back('[');
        skip_space();
        if (i_ < s_.size() && s_[i_] == '}') {
            ++i_;
            out_->push_back(']');
            return true;
        }
        for (bool first = true;; first = false) {
            if (!first) {
                out_->push_back(',');
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
                out_->push_back(']');
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
            return write(text);
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
            *out_ += "null";
            return true;
        }
        return write(text);
    }
    bool write(std::string_view text) {
        error_ = element_(text, *out_);
        return error_.ok();
    }

    std::string_view s_;
    const PgArrayElementWriter& element_;
    std::size_t i_ = 0;
    std::string* out_ = nullptr;
    Status error_;  // from the element writer
};

}  // namespace

Status pg_array_to_json(std::string_view array, const PgArrayElementWriter& element, std::string& out) {
    return ArrayParser(array, element).parse(out);
}

}  // namespace ferry::apply
