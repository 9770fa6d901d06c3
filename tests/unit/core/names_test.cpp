#include <gtest/gtest.h>

#include "ferry/core/names.hpp"

namespace ferry {
namespace {

TEST(Names, QuoteIdentDoublesQuotes) {
    EXPECT_EQ(quote_ident("plain"), "\"plain\"");
    EXPECT_EQ(quote_ident("Order \"Items\""), "\"Order \"\"Items\"\"\"");
    EXPECT_EQ(quote_table({"My Schema", "select"}), "\"My Schema\".\"select\"");
    EXPECT_EQ(quote_literal("it's"), "'it''s'");
}

TEST(Names, ParsesPlainAndQuotedParts) {
    auto p = parse_table_pattern("public.orders");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.value().schema, "public");
    EXPECT_EQ(p.value().table, "orders");

    auto q = parse_table_pattern(R"("Weird Schema"."Order ""Items""")");
    ASSERT_TRUE(q.ok()) << q.status().message();
    EXPECT_EQ(q.value().schema, "Weird Schema");
    EXPECT_EQ(q.value().table, "Order \"Items\"");

    auto dotted = parse_table_pattern(R"(s."a.b")");
    ASSERT_TRUE(dotted.ok());
    EXPECT_EQ(dotted.value().table, "a.b");

    auto mixed = parse_table_pattern("Public.MixedCase");
    ASSERT_TRUE(mixed.ok());
    EXPECT_EQ(mixed.value().schema, "Public");  // taken literally, no case folding
    EXPECT_EQ(mixed.value().table, "MixedCase");
}

TEST(Names, WildcardOnlyUnquoted) {
    auto w = parse_table_pattern("public.*");
    ASSERT_TRUE(w.ok());
    EXPECT_TRUE(w.value().is_wildcard());
    EXPECT_FALSE(parse_table_pattern(R"(public."*")").ok());
}

TEST(Names, RejectsMalformedNames) {
    for (const char* bad : {"orders", "public.", ".orders", R"("unterminated.x)", "a.b.c", R"(a.b"c)", R"("a"x.b)"}) {
        auto r = parse_table_pattern(bad);
        EXPECT_FALSE(r.ok()) << bad;
        if (!r.ok()) {
            EXPECT_EQ(r.status().code(), Errc::InvalidConfig);
        }
    }
}

TEST(Names, DisplayNameQuotesOnlyWhenNeeded) {
    EXPECT_EQ(display_name({"public", "orders"}), "public.orders");
    EXPECT_EQ(display_name({"public", "a.b"}), "public.\"a.b\"");
    EXPECT_EQ(display_name({" s", "t"}), "\" s\".t");
}

}  // namespace
}  // namespace ferry
