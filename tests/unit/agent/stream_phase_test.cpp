// The streaming loop's ordering rules, with an in-memory source and sink and a real offset store:
// target durable -> offset durable -> source acknowledged; skips of already-applied transactions and
// of changes a later table copy already holds; a stop mid-transaction drops only the open batch.
#include "stream_phase.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

namespace ferry::agent {
namespace {

using namespace std::chrono_literals;

SchemaPtr table(const std::string& name) {
    auto t = std::make_shared<TableSchema>();
    t->id = {"public", name};
    t->columns = {{"id", "integer", 23, true, false}};
    return t;
}

std::vector<Event> transaction(std::uint64_t commit, std::vector<SchemaPtr> tables) {
    ChangeBatch batch;
    for (auto& t : tables) {
        batch.changes.push_back(RowChange{Op::Insert, t, {}, {std::string("1")}});
    }
    return {TxnBegin{1, PgLsn{commit}, {}, {}, 0}, std::move(batch), TxnCommit{PgLsn{commit}, PgLsn{commit + 10}, {}}};
}

class FakeSource : public ChangeSource {
public:
    // Events from `hold_from` on are sent only after release() (the test's "later").
    std::size_t hold_from = SIZE_MAX;
    void release() {
        {
            std::lock_guard lock(mu_);
            released_ = true;
        }
        wake_.notify_all();
    }

    FakeSource(std::vector<Event> events, offsets::OffsetStore& store, std::function<std::uint64_t()> target_durable)
        : events_(std::move(events))
        , store_(store)
        , target_durable_(std::move(target_durable)) {}
    Result<Event> next(std::stop_token stop) override {
        {
            std::unique_lock lock(mu_);  // nothing to send until released (or ever, past the end)
            wake_.wait(lock, stop, [&] { return next_ < events_.size() && (next_ < hold_from || released_); });
        }
        if (stop.stop_requested()) {
            return Status::error(Errc::Cancelled, "stop");
        }
        return events_[next_++];
    }
    Status keep_alive() override { return {}; }
    void acknowledge(const SourcePosition& durable) override {
        const auto lsn = std::get<PgLsn>(durable).value;
        auto stored = store_.load_position();
        std::lock_guard lock(mu_);
        ack_violations_ += (!stored.ok() || !stored.value() || std::get<PgLsn>(*stored.value()).value < lsn) ? 1 : 0;
        ack_violations_ += target_durable_() < lsn ? 1 : 0;
        acked_.push_back(lsn);
    }
    std::vector<std::uint64_t> acked() {
        std::lock_guard lock(mu_);
        return acked_;
    }
    int ack_violations() {
        std::lock_guard lock(mu_);
        return ack_violations_;
    }

private:
    std::vector<Event> events_;
    std::size_t next_ = 0;
    bool released_ = false;
    std::condition_variable_any wake_;
    offsets::OffsetStore& store_;
    std::function<std::uint64_t()> target_durable_;
    std::mutex mu_;
    std::vector<std::uint64_t> acked_;
    int ack_violations_ = 0;
};

class FakeSink : public ChangeSink {
public:
    Result<std::optional<SourcePosition>> applied_position() override { return std::optional<SourcePosition>{}; }
    Status begin(const TxnBegin& b) override {
        std::lock_guard lock(mu_);
        open_.push_back("begin " + std::to_string(std::get<PgLsn>(b.commit_position).value));
        return {};
    }
    Status apply(const ChangeBatch& batch) override {
        std::lock_guard lock(mu_);
        for (const auto& c : batch.changes) {
            open_.push_back("insert " + c.table->id.name);
        }
        return {};
    }
    Status change_schema(const SchemaChange& change) override {
        std::lock_guard lock(mu_);
        open_.push_back("alter " + change.after->id.name);
        return {};
    }
    Status commit(const TxnCommit& c) override {
        std::lock_guard lock(mu_);
        open_.push_back("commit");
        pending_end_ = std::get<PgLsn>(c.end_position).value;
        ++pending_;
        return {};
    }
    Status flush() override {
        std::lock_guard lock(mu_);
        applied_.insert(applied_.end(), open_.begin(), open_.end());
        open_.clear();
        durable_ = pending_end_;
        pending_ = 0;
        return {};
    }
    Status discard_open() override {
        std::lock_guard lock(mu_);
        open_.clear();
        pending_ = 0;
        ++discards_;
        return {};
    }
    std::size_t pending_transactions() const override {
        std::lock_guard lock(mu_);
        return pending_;
    }
    std::vector<std::string> applied() {
        std::lock_guard lock(mu_);
        return applied_;
    }
    bool has_open(const std::string& entry) {
        std::lock_guard lock(mu_);
        return std::find(open_.begin(), open_.end(), entry) != open_.end();
    }
    std::uint64_t durable() {
        std::lock_guard lock(mu_);
        return durable_;
    }
    int discards() {
        std::lock_guard lock(mu_);
        return discards_;
    }

private:
    mutable std::mutex mu_;
    std::vector<std::string> open_;
    std::vector<std::string> applied_;
    std::uint64_t pending_end_ = 0;
    std::uint64_t durable_ = 0;
    std::size_t pending_ = 0;
    int discards_ = 0;
};

class StreamPhaseTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path()
               / ("ferry_stream_" + std::to_string(::getpid()) + "_"
                  + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        auto store = offsets::OffsetStore::open(dir_, false);
        ASSERT_TRUE(store.ok());
        store_ = std::move(store).value();
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }
    // Runs the loop until `done` holds (or 10 s pass), then stops it and runs `after_stop`.
    Status run(FakeSource& source, FakeSink& sink, const StreamSettings& settings, const std::function<bool()>& done,
               const std::function<void()>& after_stop = [] {}) {
        std::stop_source stop;
        Status result;
        std::thread loop([&] { result = run_stream(source, sink, *store_, settings, stop.get_token()); });
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(5ms);  // polling interval of a deadline wait
        }
        stop.request_stop();
        after_stop();
        loop.join();
        return result;
    }
    std::filesystem::path dir_;
    std::unique_ptr<offsets::OffsetStore> store_;
};

TEST_F(StreamPhaseTest, SkipsAppliedTransactionsAndChangesACopyAlreadyHolds) {
    auto a = table("a");
    auto b = table("b");
    std::vector<Event> events;
    for (auto [commit, tables] : std::vector<std::pair<std::uint64_t, std::vector<SchemaPtr>>>{
             {100, {a}}, {200, {a, b}}, {300, {a, b}}}) {
        auto txn = transaction(commit, tables);
        events.insert(events.end(), txn.begin(), txn.end());
    }
    FakeSink sink;
    FakeSource source(events, *store_, [&] { return sink.durable(); });
    StreamSettings settings;
    settings.applied = PgLsn{110};                          // transaction 100 is already at the target
    settings.snapshot_positions[{"public", "b"}] = CopiedAt{PgLsn{250}, PgLsn{250}};  // b was copied after transaction 200
    ASSERT_TRUE(run(source, sink, settings, [&] { return sink.durable() == 310; }).ok());
    const std::vector<std::string> expected{"begin 200", "insert a", "commit", "begin 300", "insert a", "insert b", "commit"};
    EXPECT_EQ(sink.applied(), expected);
    EXPECT_EQ(std::get<PgLsn>(*store_->load_position().value()).value, 310U);
    ASSERT_FALSE(source.acked().empty());
    EXPECT_EQ(source.acked().back(), 310U);
    EXPECT_EQ(source.ack_violations(), 0) << "acknowledged before the target and the offset store had it";
}

// Two transactions, the second still arriving when the stop is requested.
std::vector<Event> whole_then_open(const SchemaPtr& a) {
    auto events = transaction(100, {a});
    auto second = transaction(200, {a});
    events.insert(events.end(), second.begin(), second.end());
    return events;
}

TEST_F(StreamPhaseTest, StopInsideATransactionWaitsForItsCommit) {
    FakeSink sink;
    FakeSource source(whole_then_open(table("a")), *store_, [&] { return sink.durable(); });
    source.hold_from = 5;  // the second transaction's commit comes after the stop request
    StreamSettings settings;
    settings.applied = PgLsn{50};
    ASSERT_TRUE(run(source, sink, settings, [&] { return sink.has_open("insert a") && sink.has_open("begin 200"); },
                    [&] { source.release(); })
                    .ok());
    EXPECT_EQ(sink.durable(), 210U);
    EXPECT_EQ(std::get<PgLsn>(*store_->load_position().value()).value, 210U);
    EXPECT_EQ(sink.discards(), 0);
    EXPECT_EQ(source.ack_violations(), 0);
}

TEST_F(StreamPhaseTest, StopInsideATransactionThatDoesNotEndDropsTheOpenBatch) {
    FakeSink sink;
    FakeSource source(whole_then_open(table("a")), *store_, [&] { return sink.durable(); });
    source.hold_from = 5;  // never released: the commit never comes
    StreamSettings settings;
    settings.applied = PgLsn{50};
    settings.stop_grace = 100ms;
    ASSERT_TRUE(run(source, sink, settings, [&] { return sink.has_open("begin 200"); }).ok());
    // Transaction 100 shared the target transaction with the open one: dropped, never acknowledged,
    // so the source sends it again on restart.
    EXPECT_EQ(sink.discards(), 1);
    EXPECT_EQ(sink.durable(), 0U);
    EXPECT_FALSE(store_->load_position().value().has_value());
    EXPECT_TRUE(source.acked().empty());
}

}  // namespace
}  // namespace ferry::agent
