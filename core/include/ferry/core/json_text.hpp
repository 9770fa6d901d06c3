// JSON text: the one string escaper (status output, arrays for MySQL targets, Kafka records) and the
// base64 encoder JSON carries bytes in.
#pragma once

#include <string>
#include <string_view>

namespace ferry {

// Appends `s` (UTF-8) as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

// Appends `bytes` in standard base64 (RFC 4648, with padding).
void append_base64(std::string& out, std::string_view bytes);

}  // namespace ferry
