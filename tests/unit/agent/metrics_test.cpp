#include "metrics.hpp"

#include <gtest/gtest.h>

namespace ferry::agent {
namespace {

using namespace std::chrono_literals;

StatusView streaming_view() {
    StatusView view;
    view.phase = "streaming";
    view.tables.push_back({TableId{"public", "odd \"name\"\\x"}, {}});
    view.tables.back().progress.state = offsets::TableState::Done;
    view.tables.back().progress.rows_copied = 42;
    return view;
}

TEST(Metrics, RendersPrometheusTextWithEscapedLabels) {
    Config config;
    config.name = "shop";
    config.source.type = "postgres";
    config.target.type = "kafka";
    Metrics metrics;
    metrics.add_applied({{TableId{"public", "orders"}, OpCounts{3, 2, 1, 0}}}, 4);
    metrics.add_applied({{TableId{"public", "orders"}, OpCounts{1, 0, 0, 0}}}, 1);
    metrics.count_error(Status::error(Errc::Transient, "dropped"), true);
    metrics.set_source_bytes(1000);
    const std::string text = metrics.prometheus(config, streaming_view());
    for (const char* line : {"ferry_info{pipeline=\"shop\",source=\"postgres\",target=\"kafka\"} 1\n",
                             "ferry_phase{phase=\"streaming\"} 1\n", "ferry_phase{phase=\"snapshot\"} 0\n",
                             "ferry_changes_applied_total{table=\"public.orders\",op=\"insert\"} 4\n",
                             "ferry_changes_applied_total{table=\"public.orders\",op=\"delete\"} 1\n",
                             "ferry_transactions_applied_total 5\n", "ferry_source_bytes_total 1000\n",
                             "ferry_errors_total{kind=\"transient\"} 1\n", "ferry_retries_total 1\n",
                             R"(ferry_snapshot_rows_copied{table="public.\"odd \"\"name\"\"\\x\""} 42)" "\n",
                             "# TYPE ferry_changes_applied_total counter\n", "ferry_lag_seconds 0\n"}) {
        EXPECT_NE(text.find(line), std::string::npos) << line << "\nin\n" << text;
    }
}

TEST(Metrics, LagIsTheAgeOfTheOldestTransactionNotYetDurable) {
    Metrics metrics;
    const auto now = std::chrono::system_clock::now();
    metrics.received(PgLsn{100}, now - 30s, 5);
    metrics.received(PgLsn{200}, now - 10s, 2);
    EXPECT_NEAR(metrics.backlog().lag_seconds, 30, 1);
    EXPECT_EQ(metrics.backlog().changes, 7U);
    std::string why;
    EXPECT_FALSE(is_ready(streaming_view(), metrics.backlog(), 20, why));
    EXPECT_EQ(why.rfind("lag 3", 0), 0U) << why;
    metrics.settled(PgLsn{150});
    EXPECT_NEAR(metrics.backlog().lag_seconds, 10, 1);
    EXPECT_TRUE(is_ready(streaming_view(), metrics.backlog(), 20, why));
    metrics.settled(PgLsn{200});
    EXPECT_EQ(metrics.backlog().lag_seconds, 0);
    EXPECT_EQ(metrics.backlog().changes, 0U);
    StatusView copying = streaming_view();
    copying.phase = "snapshot";
    EXPECT_FALSE(is_ready(copying, metrics.backlog(), 20, why));
    EXPECT_EQ(why, "phase snapshot");
}

}  // namespace
}  // namespace ferry::agent
