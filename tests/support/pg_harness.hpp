// Integration-test harness: fresh databases on the real test servers, a `ferry` child process that
// can be killed with SIGKILL, deadline-based waiting, and row-by-row table comparison.
// Servers come from FERRY_TEST_PG_SOURCE / FERRY_TEST_PG_TARGET / FERRY_TEST_PG_REPLICA_LEVEL
// (scripts/test.sh starts them). A missing server fails the test; it never skips.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/pq/connection.hpp"

namespace ferry::test {

using Rows = std::vector<std::vector<std::optional<std::string>>>;

// Connection string of a test server (the `postgres` database); fails the test when unset.
std::string server_dsn(const char* env_var);
// `dsn` with its database replaced by `db`.
std::string with_database(const std::string& dsn, const std::string& db);
double timeout_multiplier();

// A database created for one test and dropped (with its slots) afterwards.
class TestDb {
public:
    TestDb(const std::string& server, const std::string& name);
    ~TestDb();
    TestDb(const TestDb&) = delete;
    TestDb& operator=(const TestDb&) = delete;

    const std::string& dsn() const { return dsn_; }
    void exec(const std::string& sql);
    Rows query(const std::string& sql);
    std::string scalar(const std::string& sql);
    // Every row of `table` as its text form, sorted: equal outputs mean equal tables (multisets).
    std::vector<std::string> dump(const std::string& quoted_table);

private:
    pq::Connection& conn();
    std::string server_;
    std::string name_;
    std::string dsn_;
    std::optional<pq::Connection> conn_;
};

// Polls `condition` until it holds or `limit` (times FERRY_TEST_TIMEOUT_MULTIPLIER) passes.
// `max_pause` caps the polling interval (it doubles from 20 ms): lower it where the moment matters,
// e.g. to aim a kill into a phase that lasts half a second.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit,
                std::chrono::milliseconds max_pause = std::chrono::milliseconds(250));

class FerryProcess {
public:
    explicit FerryProcess(std::vector<std::string> args, std::string log_path);
    ~FerryProcess();
    FerryProcess(const FerryProcess&) = delete;
    FerryProcess& operator=(const FerryProcess&) = delete;

    void kill_hard();                                   // SIGKILL
    void terminate();                                   // SIGTERM
    int wait(std::chrono::milliseconds limit);          // exit code; -1 on timeout, 128+sig on signal
    bool running();
    std::string log() const;                            // everything it wrote to stderr/stdout

private:
    int pid_ = -1;
    std::string log_path_;
    std::optional<int> exit_code_;
};

// Runs ferry to completion (with args) and returns {exit code, output}.
std::pair<int, std::string> run_ferry(const std::vector<std::string>& args, const std::string& log_path,
                                      std::chrono::milliseconds limit);

// A scratch directory for one test (configs, state, logs), removed afterwards.
// The reverse pipeline `ferry cutover --reverse` started (its pid, read from cutover's output), which
// runs detached: stopped (SIGTERM) and waited for however the test ends.
class StartedReverse {
public:
    explicit StartedReverse(const std::string& cutover_output);
    ~StartedReverse();
    StartedReverse(const StartedReverse&) = delete;
    StartedReverse& operator=(const StartedReverse&) = delete;

private:
    long pid_ = 0;
};

class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    std::string write(const std::string& name, const std::string& content) const;

private:
    std::string dir_;
};

// A unique lowercase name for the current test (database names, pipeline names).
std::string unique_name(const std::string& prefix);

// Standard pipeline config text.
std::string pipeline_config(const std::string& name, const std::string& source_dsn, const std::string& target_dsn,
                            const std::vector<std::string>& tables, const std::string& state_dir,
                            const std::string& extra = "");

}  // namespace ferry::test
