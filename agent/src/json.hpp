// A minimal JSON writer for `ferry status --json` (objects, strings, numbers, booleans).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "ferry/core/json_text.hpp"

namespace ferry::agent {

inline std::string json_string(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

class JsonObject {
public:
    JsonObject& add_raw(std::string_view key, const std::string& raw) {
        out_ += (out_.size() > 1 ? "," : "") + json_string(key) + ":" + raw;
        return *this;
    }
    JsonObject& add(std::string_view key, std::string_view value) { return add_raw(key, json_string(value)); }
    JsonObject& add(std::string_view key, const char* value) { return add_raw(key, json_string(value)); }
    JsonObject& add(std::string_view key, std::uint64_t value) { return add_raw(key, std::to_string(value)); }
    JsonObject& add(std::string_view key, double value) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", value);
        return add_raw(key, buf);
    }
    JsonObject& add(std::string_view key, bool value) { return add_raw(key, value ? "true" : "false"); }
    JsonObject& add_null(std::string_view key) { return add_raw(key, "null"); }
    std::string str() const { return out_ + "}"; }

private:
    std::string out_ = "{";
};

}  // namespace ferry::agent
