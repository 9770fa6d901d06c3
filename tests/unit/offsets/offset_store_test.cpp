#include <gtest/gtest.h>

#include <filesystem>

#include "ferry/offsets/offset_store.hpp"

namespace ferry::offsets {
namespace {

class OffsetStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("ferry_offsets_" + std::to_string(::getpid()) + "_"
                                                         + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

TEST_F(OffsetStoreTest, PositionSurvivesReopen) {
    {
        auto store = OffsetStore::open(dir_, false);
        ASSERT_TRUE(store.ok()) << store.status().message();
        auto empty = store.value()->load_position();
        ASSERT_TRUE(empty.ok());
        EXPECT_FALSE(empty.value().has_value());
        ASSERT_TRUE(store.value()->commit_position(PgLsn{0x1234}).ok());
        ASSERT_TRUE(store.value()->put_meta("k", "v").ok());
        ASSERT_TRUE(store.value()->close().ok());
    }
    auto store = OffsetStore::open(dir_, false);
    ASSERT_TRUE(store.ok());
    auto pos = store.value()->load_position();
    ASSERT_TRUE(pos.ok());
    ASSERT_TRUE(pos.value().has_value());
    EXPECT_EQ(std::get<PgLsn>(*pos.value()).value, 0x1234U);
    EXPECT_EQ(*store.value()->get_meta("k").value(), "v");
}

TEST_F(OffsetStoreTest, SecondWriterIsRefusedButReadersAreNot) {
    auto writer = OffsetStore::open(dir_, false);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer.value()->commit_position(PgLsn{7}).ok());
    auto second = OffsetStore::open(dir_, false);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.status().message().find("in use"), std::string::npos);
    auto reader = OffsetStore::open(dir_, true);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    EXPECT_EQ(std::get<PgLsn>(*reader.value()->load_position().value()).value, 7U);
}

TEST_F(OffsetStoreTest, TableProgressAndSchemas) {
    auto store = OffsetStore::open(dir_, false);
    ASSERT_TRUE(store.ok());
    const TableId weird{"s p", "t\"q"};
    ASSERT_TRUE(store.value()->put_table_progress(weird, {TableState::Done, PgLsn{99}, 10, 12, PgLsn{42}}, true).ok());
    const TableId binlog_table{"shop", "orders"};
    const BinlogPosition later{"binlog.000003", 900, "0-1-9"};
    const BinlogPosition earlier{"binlog.000002", 4, "0-1-7"};
    ASSERT_TRUE(store.value()->put_table_progress(binlog_table, {TableState::Copying, later, 5, 6, earlier}, true).ok());
    auto progress = store.value()->table_progress();
    ASSERT_TRUE(progress.ok());
    ASSERT_EQ(progress.value().size(), 2U);
    EXPECT_EQ(progress.value().at(weird).state, TableState::Done);
    EXPECT_EQ(progress.value().at(weird).rows_copied, 10U);
    EXPECT_EQ(std::get<PgLsn>(progress.value().at(weird).converge_from).value, 42U);
    EXPECT_EQ(std::get<BinlogPosition>(progress.value().at(binlog_table).snapshot_position), later);
    EXPECT_EQ(std::get<BinlogPosition>(progress.value().at(binlog_table).converge_from), earlier);
    ASSERT_TRUE(store.value()->clear_table_progress().ok());
    EXPECT_TRUE(store.value()->table_progress().value().empty());

    TableSchema t;
    t.id = weird;
    t.identity = Identity::FullRow;
    t.columns = {{"a", "integer", 23, true, false}, {"b", "public.mood[]", 16000, true, true}};
    TableSchema m;
    m.id = {"shop", "orders"};
    m.engine = Engine::MySql;
    m.columns = {{"id", "bigint(20) unsigned", 0, true, false}};
    ASSERT_TRUE(store.value()->put_schemas({t, m}).ok());
    auto schemas = store.value()->schemas();
    ASSERT_TRUE(schemas.ok());
    ASSERT_EQ(schemas.value().size(), 2U);
    EXPECT_TRUE(schemas.value()[0].same_shape(t) || schemas.value()[1].same_shape(t));
    EXPECT_TRUE(schemas.value()[0].same_shape(m) || schemas.value()[1].same_shape(m));
}

TEST_F(OffsetStoreTest, ReadOnlyOpenOfMissingStateFails) {
    auto store = OffsetStore::open(dir_, true);
    ASSERT_FALSE(store.ok());
    EXPECT_FALSE(std::filesystem::exists(dir_));
}

TEST(Encodings, TruncatedRecordsAreCorruption) {
    for (const SourcePosition& p : {SourcePosition{PgLsn{42}}, SourcePosition{BinlogPosition{"b.000001", 7, "0-1-2"}}}) {
        const std::string pos = encode_position(p);
        for (std::size_t len = 0; len < pos.size(); ++len) {
            auto r = decode_position(std::string_view(pos).substr(0, len));
            ASSERT_FALSE(r.ok());
            EXPECT_EQ(r.status().code(), Errc::Corruption);
        }
        auto back = decode_position(pos);
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(format_position(back.value()), format_position(p));
    }
    TableSchema t;
    t.id = {"s", "t"};
    t.columns = {{"a", "integer", 23, true, false}};
    t.primary_key = {"a"};
    const std::string schema = encode_schema(t);
    for (std::size_t len = 0; len < schema.size(); ++len) {
        EXPECT_FALSE(decode_schema(std::string_view(schema).substr(0, len)).ok());
    }
    EXPECT_TRUE(decode_schema(schema).ok());
}

}  // namespace
}  // namespace ferry::offsets
