// The comparison's rules (ferry/verify/verify.hpp) on tables held in memory: what counts as a
// difference, what is a change in flight, and what cannot be settled. The databases' own side
// (digests computed by PostgreSQL) is tested against real servers in tests/integration/pg.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "ferry/verify/verify.hpp"

namespace ferry::verify {
namespace {

using namespace std::chrono_literals;
using Rows = std::map<long, RowRead>;  // key -> digest and version

Key key_of(long k) { return {std::to_string(k)}; }

class MemoryTable final : public TableReader {
public:
    MemoryTable(Rows& rows, std::function<void()>& on_read) : rows_(rows), on_read_(on_read) {}
    Result<std::optional<Key>> next_bound(const std::optional<Key>& after, std::size_t step) override {
        auto it = after ? rows_.upper_bound(std::stol((*after)[0])) : rows_.begin();
        for (std::size_t i = 1; i < step && it != rows_.end(); ++i) {
            ++it;
        }
        return it == rows_.end() ? std::optional<Key>{} : std::optional<Key>{key_of(it->first)};
    }
    Result<ChunkSum> chunk_sum(const std::optional<Key>& lo, const std::optional<Key>& hi) override {
        ChunkSum sum;
        for (const auto& [k, row] : range(lo, hi)) {
            ++sum.rows;
            sum.digest += std::to_string(k) + "=" + row.digest + ";";
        }
        return sum;
    }
    Result<std::vector<RowDigest>> row_digests(const std::optional<Key>& lo, const std::optional<Key>& hi) override {
        std::vector<RowDigest> out;
        for (const auto& [k, row] : range(lo, hi)) {
            out.push_back({key_of(k), row.digest});
        }
        return out;
    }
    Result<std::map<Key, RowRead>> read_rows(const std::vector<Key>& keys) override {
        if (on_read_) {
            on_read_();
        }
        std::map<Key, RowRead> out;
        for (const auto& key : keys) {
            if (const auto it = rows_.find(std::stol(key[0])); it != rows_.end()) {
                out.emplace(key, it->second);
            }
        }
        return out;
    }

private:
    Rows range(const std::optional<Key>& lo, const std::optional<Key>& hi) const {
        Rows out;
        for (const auto& [k, row] : rows_) {
            if ((!lo || k > std::stol((*lo)[0])) && (!hi || k <= std::stol((*hi)[0]))) {
                out.emplace(k, row);
            }
        }
        return out;
    }
    Rows& rows_;
    std::function<void()>& on_read_;
};

class MemoryDatabase final : public Database {
public:
    Result<std::unique_ptr<TableReader>> open_table(const TableSchema&) override {
        return std::unique_ptr<TableReader>(std::make_unique<MemoryTable>(rows, on_read));
    }
    Result<SourcePosition> current_position() override { return SourcePosition{PgLsn{++position}}; }
    std::string text_order() const override { return "C"; }
    void sort_text_bytewise() override {}

    Rows rows;
    std::function<void()> on_read;  // called before each read of rows: a source that keeps changing
    std::uint64_t position = 100;
};

class CompareTest : public ::testing::Test {
protected:
    CompareTest() {
        table_.id = {"public", "t"};
        table_.columns = {{"id", "bigint", 20, true, false}, {"v", "text", 25, false, true}};
        for (long k = 1; k <= 95; ++k) {
            source_.rows[k] = {"v" + std::to_string(k), "x1"};
            target_.rows[k] = {"v" + std::to_string(k), "x9"};  // versions are the source's business
        }
        settings_.chunk_rows = 10;
        settings_.settle_timeout = 200ms;
    }
    TableResult compare() {
        auto result = compare_table(table_, source_, target_, applied_, settings_);
        EXPECT_TRUE(result.ok()) << result.status().message();
        return result.value();
    }
    // The pipeline: caught up with the source's positions, applying `in_flight` when first asked.
    AppliedPosition applied_ = [this]() -> Result<std::optional<SourcePosition>> {
        if (in_flight_) {
            in_flight_();
            in_flight_ = nullptr;
        }
        return stalled_ ? std::optional<SourcePosition>{PgLsn{1}} : std::optional<SourcePosition>{PgLsn{source_.position}};
    };

    TableSchema table_;
    MemoryDatabase source_;
    MemoryDatabase target_;
    Settings settings_;
    std::function<void()> in_flight_;
    bool stalled_ = false;
};

TEST_F(CompareTest, EqualTablesAreEqualInChunksOfTheSourceKeyOrder) {
    const TableResult r = compare();
    EXPECT_TRUE(r.equal());
    EXPECT_EQ(r.chunks, 10U);  // 9 full chunks, and the last one open-ended
    EXPECT_EQ(r.source_rows, 95U);
    EXPECT_EQ(r.target_rows, 95U);
    EXPECT_EQ(r.chunks_rechecked, 0U);
}

TEST_F(CompareTest, ChangedMissingAndExtraRowsDifferWhenTheSourceStaysAsItWas) {
    target_.rows[50].digest = "changed";
    target_.rows.erase(77);
    target_.rows[200] = {"extra", "x9"};
    const TableResult r = compare();
    EXPECT_EQ(r.rows_different, 3U);
    EXPECT_EQ(r.rows_unsettled, 0U);
    EXPECT_EQ(r.first_keys, (std::vector<std::string>{"50", "77", "200"}));
    EXPECT_FALSE(r.equal());
}

TEST_F(CompareTest, AChangeInFlightIsSettledOnceThePipelineAppliedIt) {
    source_.rows[30].digest = "new";
    in_flight_ = [this] { target_.rows[30].digest = "new"; };
    const TableResult r = compare();
    EXPECT_TRUE(r.equal());
    EXPECT_EQ(r.chunks_rechecked, 1U);
}

TEST_F(CompareTest, ARowThatKeepsChangingIsUnsettledNotDifferent) {
    target_.rows[12].digest = "behind";
    int version = 0;
    source_.on_read = [&] { source_.rows[12] = {"v" + std::to_string(++version), "x" + std::to_string(version)}; };
    const TableResult r = compare();
    EXPECT_EQ(r.rows_different, 0U);
    EXPECT_EQ(r.rows_unsettled, 1U);
    EXPECT_EQ(r.unsettled_keys, std::vector<std::string>{"12"});
    EXPECT_NE(r.unsettled_reason.find("kept changing"), std::string::npos) << r.unsettled_reason;
}

TEST_F(CompareTest, APipelineThatDoesNotCatchUpLeavesDifferencesUnsettled) {
    target_.rows[3].digest = "behind";
    stalled_ = true;
    const TableResult r = compare();
    EXPECT_EQ(r.rows_different, 0U);
    EXPECT_EQ(r.rows_unsettled, 1U);
    EXPECT_NE(r.unsettled_reason.find("did not apply up to"), std::string::npos) << r.unsettled_reason;
}

TEST_F(CompareTest, AKeylessTableIsComparedWhole) {
    table_.columns[0].is_key = false;
    target_.rows.erase(5);
    const TableResult r = compare();
    EXPECT_EQ(r.chunks, 1U);
    EXPECT_EQ(r.rows_different, 1U);
    EXPECT_EQ(r.first_keys, std::vector<std::string>{"(no key: the table as a whole)"});
}

}  // namespace
}  // namespace ferry::verify
