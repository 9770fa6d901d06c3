#include "ferry/core/json_text.hpp"

#include <gtest/gtest.h>

namespace ferry {
namespace {

std::string json(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

std::string base64(std::string_view s) {
    std::string out;
    append_base64(out, s);
    return out;
}

TEST(JsonText, StringsEscapeQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(json(""), "\"\"");
    EXPECT_EQ(json("plain ünïcødé ✓"), "\"plain ünïcødé ✓\"");
    EXPECT_EQ(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json("\n\r\t"), "\"\\n\\r\\t\"");
    EXPECT_EQ(json(std::string("\0\x1f\x7f", 3)), "\"\\u0000\\u001f\x7f\"");
}

TEST(JsonText, Base64AsRfc4648) {
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64(std::string("\0\xff\xfe", 3)), "AP/+");
}

}  // namespace
}  // namespace ferry
