#include "relation_cache.hpp"

#include <gtest/gtest.h>

namespace ferry::capture::pg {
namespace {

TableSchema orders() {
    TableSchema t;
    t.id = {"public", "orders"};
    t.columns = {{"id", "bigint", 20, true, false}, {"note", "text", 25, false, true}};
    t.primary_key = {"id"};
    return t;
}

RelationMsg relation(std::vector<RelationColumn> columns) {
    RelationMsg m;
    m.relid = 42;
    m.schema = "public";
    m.name = "orders";
    m.columns = std::move(columns);
    return m;
}

TEST(RelationCache, UsesCatalogSchemaWhenShapesMatch) {
    int namer_calls = 0;
    RelationCache cache({orders()}, [&](std::uint32_t, std::int32_t) -> Result<std::string> {
        ++namer_calls;
        return std::string("x");
    });
    ASSERT_TRUE(cache.update(relation({{true, "id", 20, -1}, {false, "note", 25, -1}})).ok());
    auto s = cache.find(42);
    ASSERT_TRUE(s.ok());
    ASSERT_NE(s.value(), nullptr);
    EXPECT_EQ(s.value()->columns[0].type_name, "bigint");
    EXPECT_EQ(namer_calls, 0);
}

TEST(RelationCache, NamesNewColumnsAfterDdl) {
    RelationCache cache({orders()}, [](std::uint32_t oid, std::int32_t typmod) -> Result<std::string> {
        EXPECT_EQ(oid, 1700U);
        EXPECT_EQ(typmod, 655366);
        return std::string("numeric(10,2)");
    });
    ASSERT_TRUE(cache.update(relation({{true, "id", 20, -1}, {false, "note", 25, -1}, {false, "price", 1700, 655366}})).ok());
    auto s = cache.find(42);
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(s.value()->columns.size(), 3U);
    EXPECT_EQ(s.value()->columns[2].type_name, "numeric(10,2)");
    EXPECT_EQ(s.value()->columns[0].type_name, "bigint");
}

TEST(RelationCache, UncapturedTablesMapToNull) {
    RelationCache cache({orders()}, nullptr);
    auto m = relation({{true, "id", 20, -1}});
    m.name = "other";
    m.relid = 7;
    ASSERT_TRUE(cache.update(m).ok());
    auto s = cache.find(7);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value(), nullptr);
}

TEST(RelationCache, RenameOfACapturedTableStopsThePipeline) {
    RelationCache cache({orders()}, nullptr);
    ASSERT_TRUE(cache.update(relation({{true, "id", 20, -1}, {false, "note", 25, -1}})).ok());
    auto renamed = relation({{true, "id", 20, -1}, {false, "note", 25, -1}});
    renamed.name = "orders_old";
    auto st = cache.update(renamed);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), Errc::Unsupported);
    EXPECT_NE(st.message().find("renamed to public.orders_old"), std::string::npos);
}

TEST(RelationCache, ChangeBeforeRelationIsCorruption) {
    RelationCache cache({orders()}, nullptr);
    auto s = cache.find(99);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), Errc::Corruption);
}

}  // namespace
}  // namespace ferry::capture::pg
