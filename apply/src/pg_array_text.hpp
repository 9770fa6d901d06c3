// PostgreSQL array literals ("{1,NULL,{2}}", "[0:1]={a,b}", quoted and backslash-escaped
// elements) as JSON arrays, nested as the array is. Each non-NULL element is written by the caller,
// which knows the element type; NULL elements become null.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "ferry/core/status.hpp"

namespace ferry::apply {

// Appends one element (its unquoted, unescaped text) as a JSON value.
using PgArrayElementWriter = std::function<Status(std::string_view text, std::string& out)>;

// Appends the array as JSON to `out`; Errc::Corruption when it is not an array literal, or the
// writer's error.
Status pg_array_to_json(std::string_view array, const PgArrayElementWriter& element, std::string& out);

}  // namespace ferry::apply
