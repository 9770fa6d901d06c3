#include <gtest/gtest.h>

#include "ferry/core/event.hpp"
#include "ferry/core/queue.hpp"

namespace ferry {
namespace {

TEST(Lsn, FormatsAndParses) {
    PgLsn lsn{(0x16ULL << 32U) | 0xB374D848ULL};
    EXPECT_EQ(format_lsn(lsn), "16/B374D848");
    PgLsn back;
    ASSERT_TRUE(parse_lsn("16/B374D848", back));
    EXPECT_EQ(back, lsn);
    for (const char* bad : {"", "/", "16/", "/1", "16/XYZ", "1/2/3", "G/1"}) {
        EXPECT_FALSE(parse_lsn(bad, back)) << bad;
    }
    SourcePosition pos;
    ASSERT_TRUE(parse_position(format_position(SourcePosition{lsn}), pos));
    EXPECT_EQ(std::get<PgLsn>(pos), lsn);
}

TEST(BinlogPosition, FormatsParsesAndOrdersByFileSequence) {
    const BinlogPosition a{"binlog.999999", 4567, "0-1-42,1-2-7"};
    SourcePosition pos;
    ASSERT_TRUE(parse_position(format_position(SourcePosition{a}), pos));
    EXPECT_EQ(std::get<BinlogPosition>(pos).gtid, "0-1-42,1-2-7");
    EXPECT_EQ(std::get<BinlogPosition>(pos), a);
    const BinlogPosition mysql{"mysql-bin.000003", 155, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"};
    ASSERT_TRUE(parse_position(format_position(SourcePosition{mysql}), pos));
    EXPECT_EQ(std::get<BinlogPosition>(pos).gtid, mysql.gtid);
    EXPECT_EQ(std::get<BinlogPosition>(pos).offset, 155U);
    // After rotation past 999999 the suffix grows a digit: still later.
    EXPECT_TRUE(position_before(a, BinlogPosition{"binlog.1000000", 4, ""}));
    EXPECT_TRUE(position_before(BinlogPosition{"binlog.000002", 900, ""}, BinlogPosition{"binlog.000003", 4, ""}));
    EXPECT_TRUE(position_before(BinlogPosition{"binlog.000002", 4, ""}, BinlogPosition{"binlog.000002", 5, ""}));
    EXPECT_FALSE(position_before(a, a));
    EXPECT_FALSE(position_before(PgLsn{1}, a));
    BinlogPosition out;
    for (const char* bad : {"", ":", "binlog.1:", ":12", "binlog.1:12x", "binlog.1"}) {
        EXPECT_FALSE(parse_binlog_position(bad, out)) << bad;
    }
}

TEST(BoundedQueue, BlocksWhenFullAndStops) {
    BoundedQueue<int> q(1);
    std::stop_source stop;
    int a = 1;
    int b = 2;
    EXPECT_EQ(q.push_for(a, std::chrono::milliseconds(1), stop.get_token()), BoundedQueue<int>::PushResult::Pushed);
    EXPECT_EQ(q.push_for(b, std::chrono::milliseconds(1), stop.get_token()), BoundedQueue<int>::PushResult::TimedOut);
    EXPECT_EQ(b, 2);  // not moved from
    auto got = q.pop_for(std::chrono::milliseconds(1), stop.get_token());
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, 1);
    stop.request_stop();
    EXPECT_FALSE(q.pop_for(std::chrono::milliseconds(1000), stop.get_token()).has_value());
}

TEST(BoundedQueue, CapacityIsInWeightAndAHeavyItemStillPasses) {
    BoundedQueue<int> q(10, [](const int& v) { return static_cast<std::size_t>(v); });
    std::stop_source stop;
    const auto push = [&](int v) { return q.push_for(v, std::chrono::milliseconds(1), stop.get_token()); };
    EXPECT_EQ(push(6), BoundedQueue<int>::PushResult::Pushed);
    EXPECT_EQ(push(0), BoundedQueue<int>::PushResult::Pushed);  // weighs 1, not 0
    EXPECT_EQ(push(4), BoundedQueue<int>::PushResult::TimedOut);
    EXPECT_EQ(push(3), BoundedQueue<int>::PushResult::Pushed);
    EXPECT_EQ(*q.pop_for(std::chrono::milliseconds(1), stop.get_token()), 6);
    EXPECT_EQ(*q.pop_for(std::chrono::milliseconds(1), stop.get_token()), 0);
    EXPECT_EQ(*q.pop_for(std::chrono::milliseconds(1), stop.get_token()), 3);
    EXPECT_EQ(push(50), BoundedQueue<int>::PushResult::Pushed);  // alone in an empty queue
    EXPECT_EQ(push(1), BoundedQueue<int>::PushResult::TimedOut);
}

}  // namespace
}  // namespace ferry
