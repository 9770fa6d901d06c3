#include <gtest/gtest.h>

#include "ferry/core/copy_text.hpp"

namespace ferry {
namespace {

TEST(CopyText, RoundTripsEscapes) {
    const std::string nasty = "tab\there\nnewline\\backslash\rcr \\N";
    std::string row;
    append_copy_field(row, nasty);
    row += '\t';
    append_copy_null(row);
    row += '\t';
    append_copy_field(row, "");
    auto fields = parse_copy_row(row);
    ASSERT_TRUE(fields.ok());
    ASSERT_EQ(fields.value().size(), 3U);
    EXPECT_EQ(fields.value()[0], nasty);
    EXPECT_FALSE(fields.value()[1].has_value());
    EXPECT_EQ(fields.value()[2], "");
}

TEST(CopyText, DecodesOctalAndHexEscapes) {
    auto fields = parse_copy_row("\\101\\x42\\b");
    ASSERT_TRUE(fields.ok());
    EXPECT_EQ(fields.value()[0], "AB\b");
}

TEST(CopyText, TrailingBackslashIsCorruption) {
    auto fields = parse_copy_row("abc\\");
    ASSERT_FALSE(fields.ok());
    EXPECT_EQ(fields.status().code(), Errc::Corruption);
}

}  // namespace
}  // namespace ferry
