// The steps a target still needs for a DDL statement's column changes: all of them the first time,
// none when the statement is replayed after a crash.
#include "column_steps.hpp"

#include <gtest/gtest.h>

namespace ferry::apply {
namespace {

TEST(ColumnSteps, AllOnceThenNoneOnReplay) {
    auto after = std::make_shared<TableSchema>();
    after->id = {"shop", "t"};
    after->columns = {{"id", "integer", 0, true, false}, {"title", "text", 0, false, true},
                      {"d", "timestamp(3)", 0, false, true}, {"amount", "numeric(12,3)", 0, false, false}};
    using K = ColumnChange::Kind;
    SchemaChange change{nullptr, after,
                        {{K::Add, "d", ""}, {K::Drop, "b", ""}, {K::Rename, "a", "title"}, {K::Retype, "amount", ""}},
                        "ALTER TABLE t ..."};
    const auto first = column_steps(change, *after, {"id", "a", "b", "amount"});
    ASSERT_EQ(first.size(), 4U);
    EXPECT_EQ(first[0].column->type_name, "timestamp(3)");
    EXPECT_EQ(first[2].new_name, "title");
    EXPECT_FALSE(first[3].column->is_nullable);
    // After the first run, only the retype remains (it cannot tell; repeating it is harmless).
    const auto replay = column_steps(change, *after, {"id", "title", "d", "amount"});
    ASSERT_EQ(replay.size(), 1U);
    EXPECT_EQ(replay[0].kind, K::Retype);
}

}  // namespace
}  // namespace ferry::apply
