// The HTTP endpoint (config `http`) while a PostgreSQL -> PostgreSQL pipeline moves through its
// snapshot, streaming, lag and failure: /healthz, /readyz and /metrics scraped as Prometheus would.
#include <httplib.h>

#include <regex>

#include "workload.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

struct Reply {
    int status = 0;  // 0: no answer
    std::string body;
};

class OperationsTest : public PipelineTest {
protected:
    // Starts ferry with the endpoint on a free port and learns the port from its log.
    std::unique_ptr<FerryProcess> start_with_endpoint(const std::vector<std::string>& tables) {
        write_config(tables, "http: {listen: '127.0.0.1:0', ready_max_lag_seconds: 3}\n");
        auto ferry = start_ferry();
        const std::regex serving("serving /metrics, /healthz and /readyz on 127\\.0\\.0\\.1:([0-9]+)");
        std::smatch m;
        EXPECT_TRUE(eventually([&] {
            const std::string log = ferry->log();
            return std::regex_search(log, m, serving);
        }, 30s)) << ferry->log();
        port_ = std::stoi(m[1].str());
        return ferry;
    }

    Reply get(const std::string& path) {
        httplib::Client client("127.0.0.1", port_);
        client.set_connection_timeout(5);
        client.set_read_timeout(10);
        auto res = client.Get(path);
        return res ? Reply{res->status, res->body} : Reply{};
    }

    // The value of one sample ("name{labels}"), or -1 when the scrape does not have it.
    double sample(const std::string& series) {
        const std::string body = get("/metrics").body;
        const auto at = body.find("\n" + series + " ");
        if (at == std::string::npos) {
            return -1;
        }
        return std::stod(body.substr(at + series.size() + 2));
    }

    int port_ = 0;
};

TEST_F(OperationsTest, MetricsAndReadinessFollowThePipeline) {
    src_->exec("CREATE TABLE items (id bigint PRIMARY KEY, note text)");
    src_->exec("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200000) g");
    auto ferry = start_with_endpoint({"public.items"});
    EXPECT_EQ(get("/healthz").status, 200);
    // Before streaming (starting, or copying the 200k rows) it is not ready, and says why.
    const Reply early = get("/readyz");
    EXPECT_EQ(early.status, 503) << early.body;
    EXPECT_NE(early.body.find("not ready: phase"), std::string::npos) << early.body;

    ASSERT_TRUE(eventually([&] { return get("/readyz").status == 200; }, 60s)) << ferry->log();
    EXPECT_EQ(sample("ferry_phase{phase=\"streaming\"}"), 1);
    EXPECT_EQ(sample("ferry_snapshot_table_done{table=\"public.items\"}"), 1);
    EXPECT_EQ(sample("ferry_snapshot_rows_copied{table=\"public.items\"}"), 200000);
    EXPECT_EQ(sample("ferry_source_up"), 1);
    EXPECT_GE(sample("ferry_slot_retained_wal_bytes"), 0);

    // Streaming: changes counted by table and operation once durable.
    src_->exec("INSERT INTO items SELECT g, 'new' FROM generate_series(200001, 200100) g");
    src_->exec("UPDATE items SET note = 'changed' WHERE id <= 10");
    src_->exec("DELETE FROM items WHERE id BETWEEN 11 AND 15");
    ASSERT_TRUE(eventually([&] { return sample("ferry_changes_applied_total{table=\"public.items\",op=\"delete\"}") == 5; },
                           30s))
        << get("/metrics").body;
    EXPECT_EQ(sample("ferry_changes_applied_total{table=\"public.items\",op=\"insert\"}"), 100);
    EXPECT_EQ(sample("ferry_changes_applied_total{table=\"public.items\",op=\"update\"}"), 10);
    EXPECT_GE(sample("ferry_transactions_applied_total"), 3);
    EXPECT_GT(sample("ferry_source_bytes_total"), 0);

    // Lag: the target table is locked, so a new change cannot be applied; past 3 s it is not ready.
    auto locker = pq::Connection::connect(tgt_->dsn(), pq::Mode::Normal, "lock");
    ASSERT_TRUE(locker.ok());
    ASSERT_TRUE(locker.value().run("BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE", "lock").ok());
    src_->exec("INSERT INTO items VALUES (300000, 'waits')");
    ASSERT_TRUE(eventually([&] { return get("/readyz").body.find("not ready: lag") != std::string::npos; }, 30s))
        << get("/readyz").body;
    EXPECT_GT(sample("ferry_lag_seconds"), 3);
    EXPECT_GE(sample("ferry_queued_events"), 1);
    // `ferry status`, another process, sees the same while the applier is blocked (as `run` wrote it
    // within the last second).
    auto [status_code, status] = run_ferry({"status", "-c", config_path_, "--json"}, scratch_.path("status.log"), 60s);
    EXPECT_EQ(status_code, 0) << status;
    const auto lag_at = status.find("\"lag_seconds\":");
    ASSERT_NE(lag_at, std::string::npos) << status;
    EXPECT_GT(std::stod(status.substr(lag_at + 14)), 2) << status;
    EXPECT_EQ(status.find("\"queued_events\":0"), std::string::npos) << status;
    ASSERT_TRUE(locker.value().run("COMMIT", "unlock").ok());
    ASSERT_TRUE(eventually([&] { return get("/readyz").status == 200; }, 30s)) << get("/readyz").body;
    EXPECT_EQ(sample("ferry_lag_seconds"), 0);
    EXPECT_EQ(sample("ferry_queued_events"), 0);

    // Failure: the target connection is cut; the next change finds it gone, and the run retries.
    tgt_->exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'ferry %' "
               "AND application_name <> 'ferry test' AND datname = current_database()");
    src_->exec("INSERT INTO items VALUES (300001, 'after the cut')");
    ASSERT_TRUE(eventually([&] { return sample("ferry_retries_total") >= 1; }, 30s)) << ferry->log();
    EXPECT_GE(sample("ferry_errors_total{kind=\"transient\"}"), 1) << get("/metrics").body;
    ASSERT_TRUE(wait_equal({"items"}, 60s)) << ferry->log();
    ASSERT_TRUE(eventually([&] { return get("/readyz").status == 200; }, 30s)) << get("/readyz").body;

    ferry->terminate();
    EXPECT_EQ(ferry->wait(30s), 0) << ferry->log();
    EXPECT_EQ(get("/healthz").status, 0);  // the listener went with the process
}

TEST_F(OperationsTest, AnAddressInUseIsAClearConfigError) {
    httplib::Server holder;
    const int taken = holder.bind_to_any_port("127.0.0.1");
    ASSERT_GT(taken, 0);
    src_->exec("CREATE TABLE t (id int PRIMARY KEY)");
    write_config({"public.t"}, "http: {listen: '127.0.0.1:" + std::to_string(taken) + "'}\n");
    auto [code, out] = run_ferry({"run", "-c", config_path_}, scratch_.path("taken.log"), 30s);
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find("cannot listen on 127.0.0.1:" + std::to_string(taken)), std::string::npos) << out;
    EXPECT_NE(out.find("change http.listen"), std::string::npos) << out;
}

}  // namespace
}  // namespace ferry::test
