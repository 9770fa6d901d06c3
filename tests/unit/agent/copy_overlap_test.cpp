// Where a table's copy meets the stream: changes the copy holds are dropped, changes it may hold
// (a copy resumed across snapshots) become whole-row replacements by key.
#include "copy_overlap.hpp"

#include <gtest/gtest.h>

namespace ferry::agent {
namespace {

SchemaPtr accounts() {
    auto t = std::make_shared<TableSchema>();
    t->id = {"bank", "accounts"};
    t->engine = Engine::MySql;
    t->columns = {{"id", "int(11)", 0, true, false}, {"balance", "int(11)", 0, false, false}};
    t->primary_key = {"id"};
    return t;
}

RowChange change(Op op, const SchemaPtr& t, std::vector<Value> before, std::vector<Value> after) {
    return RowChange{op, t, std::move(before), std::move(after)};
}

const Value one = std::string("1");
const Value two = std::string("2");
const Value ten = std::string("10");
const Value twenty = std::string("20");

BinlogPosition at(std::uint64_t offset) { return BinlogPosition{"binlog.000001", offset, ""}; }

TEST(CopyOverlap, ChangesBeforeTheFirstCopyAreDroppedAfterTheLastKept) {
    const auto t = accounts();
    const CopyPositions copies{{t->id, CopiedAt{at(100), at(200)}}};
    std::vector<RowChange> early{change(Op::Insert, t, {}, {one, ten})};
    fit_to_copies(early, at(50), copies);
    EXPECT_TRUE(early.empty());
    std::vector<RowChange> late{change(Op::Update, t, {one, ten}, {one, twenty})};
    fit_to_copies(late, at(200), copies);
    ASSERT_EQ(late.size(), 1U);
    EXPECT_EQ(late[0].op, Op::Update);
    EXPECT_FALSE(late[0].converging);
}

TEST(CopyOverlap, BetweenTheCopiesEveryChangeReplacesItsRow) {
    const auto t = accounts();
    auto other = std::make_shared<TableSchema>(*accounts());
    other->id.name = "other";
    const CopyPositions copies{{t->id, CopiedAt{at(100), at(200)}}};
    std::vector<RowChange> changes{
        change(Op::Insert, t, {}, {one, ten}),
        change(Op::Update, t, {one, ten}, {one, twenty}),   // same key: an insert that replaces
        change(Op::Update, t, {one, twenty}, {two, twenty}),  // key changed: delete 1, insert 2
        change(Op::Delete, t, {two, twenty}, {}),
        change(Op::Update, other, {one, ten}, {one, twenty}),  // not copied in several snapshots
        change(Op::Truncate, t, {}, {}),
    };
    fit_to_copies(changes, at(150), copies);
    ASSERT_EQ(changes.size(), 7U);
    const std::vector<Op> ops{Op::Insert, Op::Insert, Op::Delete, Op::Insert, Op::Delete, Op::Update, Op::Truncate};
    for (std::size_t i = 0; i < ops.size(); ++i) {
        EXPECT_EQ(changes[i].op, ops[i]) << i;
        EXPECT_EQ(changes[i].converging, i < 5) << i;
    }
    EXPECT_TRUE(changes[1].before.empty());
    EXPECT_EQ(changes[1].after, (std::vector<Value>{one, twenty}));
    EXPECT_EQ(changes[2].before, (std::vector<Value>{one, twenty}));
    EXPECT_EQ(changes[3].after, (std::vector<Value>{two, twenty}));
}

TEST(CopyOverlap, ASingleSnapshotCopyHasNoConvergingWindow) {
    const auto t = accounts();
    const CopyPositions copies{{t->id, CopiedAt{at(100), at(100)}}};
    std::vector<RowChange> changes{change(Op::Delete, t, {one, ten}, {})};
    fit_to_copies(changes, at(100), copies);
    ASSERT_EQ(changes.size(), 1U);
    EXPECT_FALSE(changes[0].converging);
}

}  // namespace
}  // namespace ferry::agent
