// Helpers for tests with a MySQL/MariaDB source: databases on the MariaDB servers that
// tests/support/servers.sh starts, and the pipeline config.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <thread>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "ferry/my/connection.hpp"
#include "pg_harness.hpp"

namespace ferry::test {

inline std::string env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr) {
        throw std::runtime_error(std::string(name) + " is not set: run the tests through scripts/test.sh");
    }
    return v;
}

// A fresh MariaDB database for one test, dropped afterwards.
class MysqlDb {
public:
    // `server`: a URL ending in '/', by default the shared MariaDB source of the test run.
    explicit MysqlDb(std::string name, std::string server = env("FERRY_TEST_MYSQL_SOURCE"))
        : name_(std::move(name)), server_(std::move(server)), url_(server_ + name_) {
        run("DROP DATABASE IF EXISTS " + my::quote_ident(name_));
        run("CREATE DATABASE " + my::quote_ident(name_) + " CHARACTER SET utf8mb4");
    }
    ~MysqlDb() { connection().run("DROP DATABASE IF EXISTS " + my::quote_ident(name_), "test cleanup").ignore(); }
    const std::string& url() const { return url_; }
    void run(const std::string& sql) {
        if (Status st = connection().run(sql, "test statement"); !st.ok()) {
            throw std::runtime_error(st.message() + " in: " + sql.substr(0, 200));
        }
    }
    void reconnect() { conn_.reset(); }  // after a restart of the server
    my::Connection& connection() {
        if (!conn_) {
            auto url = my::parse_url(server_);
            auto c = my::Connection::connect(url.value(), "test", {0, true});
            if (!c.ok()) {
                throw std::runtime_error(c.status().message());
            }
            conn_.emplace(std::move(c).value());
        }
        return *conn_;
    }

private:
    std::string name_;
    std::string server_;
    std::string url_;
    std::optional<my::Connection> conn_;
};

// The target's answer, or "" while the table does not exist yet.
inline std::string scalar_or_empty(TestDb& db, const std::string& sql) {
    try {
        return db.scalar(sql);
    } catch (const std::exception&) {
        return {};
    }
}

// A pipeline config; each end's type follows from its URL (mysql://... or PostgreSQL).
// `extra`: more top-level keys, one "key: value\n" line each.
inline std::string config(const ScratchDir& dir, const std::string& name, const std::string& source_url,
                   const std::string& target_url, const std::string& tables, const std::string& log_level = "warn",
                   const std::string& extra = "") {
    auto type = [](const std::string& url) { return url.starts_with("mysql://") ? "mysql" : "postgres"; };
    return dir.write("ferry.yaml", "name: " + name + "\nsource:\n  type: " + type(source_url) + "\n  url: " + source_url
                                        + "\n  tables: [" + tables + "]\ntarget:\n  type: " + type(target_url)
                                        + "\n  url: " + target_url + "\nstate_dir: " + dir.path("state")
                                        + "\nlog_level: " + log_level + "\n" + extra);
}

// `ferry verify --json` on a pipeline's config, with `extra` arguments: its exit code and output.
inline std::pair<int, std::string> verify_pipeline(const ScratchDir& dir, const std::string& cfg,
                                                   const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"verify", "-c", cfg, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (std::find(extra.begin(), extra.end(), "--settle-timeout") == extra.end()) {
        args.insert(args.end(), {"--settle-timeout", "30"});
    }
    return run_ferry(args, dir.path("verify.log"), std::chrono::seconds(300));
}

// Every row of a query's result at a MariaDB server, as returned by the text protocol.
inline std::vector<my::Row> my_rows(my::Connection& conn, const std::string& sql) {
    auto rows = conn.query(sql, "test query");
    return rows.ok() ? std::move(rows).value() : std::vector<my::Row>{};
}

// A MariaDB server of this test's own (servers.sh mysql_single), stopped when the test ends.
class PrivateMariaDb {
public:
    PrivateMariaDb(const ScratchDir& scratch, const std::string& options) : dir_(scratch.path("servers")) {
        namespace fs = std::filesystem;  // the server runs as the mysql user: it must reach its directory
        fs::permissions(scratch.path("."), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec
                                               | fs::perms::others_read | fs::perms::others_exec);
        const std::string cmd = std::string(FERRY_SERVERS_SCRIPT) + " mysql_single " + dir_ + " " + options + " 2>&1";
        FILE* out = popen(cmd.c_str(), "r");
        if (out == nullptr) {
            throw std::runtime_error("cannot run servers.sh");
        }
        char line[512];
        while (std::fgets(line, sizeof line, out) != nullptr) {
            url_ = line;
        }
        if (pclose(out) != 0) {
            throw std::runtime_error("servers.sh mysql_single failed: " + url_);
        }
        url_.erase(url_.find_last_not_of('\n') + 1);
    }
    ~PrivateMariaDb() { std::system((std::string(FERRY_SERVERS_SCRIPT) + " down " + dir_).c_str()); }  // NOLINT(concurrency-mt-unsafe)
    PrivateMariaDb(const PrivateMariaDb&) = delete;
    PrivateMariaDb& operator=(const PrivateMariaDb&) = delete;
    const std::string& url() const { return url_; }
    // A clean shutdown and start, or a kill -9 and start (crash recovery), on the same port.
    void restart(bool crash) {
        const std::string cmd = std::string(FERRY_SERVERS_SCRIPT) + " mysql_restart " + dir_ + (crash ? " crash" : " clean");
        if (std::system(cmd.c_str()) != 0) {  // NOLINT(concurrency-mt-unsafe)
            throw std::runtime_error("servers.sh mysql_restart failed");
        }
    }

private:
    std::string dir_;
    std::string url_;
};

// Runs `round(connection, i)` for i = 1, 2, ... on a thread and a MariaDB source connection of its
// own until stopped, counting the rounds that succeed: the concurrent writers of the tests.
class SourceLoop {
public:
    using Round = std::function<bool(my::Connection&, int)>;
    // `server`: a URL ending in '/' (by default the shared MariaDB source, as the ferry user).
    explicit SourceLoop(Round round, std::string server = env("FERRY_TEST_MYSQL_SOURCE"))
        : round_(std::move(round)), server_(std::move(server)), thread_([this] { run(); }) {}
    ~SourceLoop() { stop(); }
    SourceLoop(const SourceLoop&) = delete;
    SourceLoop& operator=(const SourceLoop&) = delete;
    void stop() {
        stop_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    int rounds() const { return rounds_.load(); }

private:
    void run() {
        auto conn = my::Connection::connect(my::parse_url(server_).value(), "test writer", {0, true});
        for (int i = 1; !stop_ && conn.ok(); ++i) {
            if (round_(conn.value(), i)) {
                ++rounds_;
            }
        }
    }

    Round round_;
    std::string server_;
    std::atomic<bool> stop_{false};
    std::atomic<int> rounds_{0};
    std::thread thread_;  // declared last: starts after the members it uses
};

// The first field of the first row, or "" when there is none.
inline std::string my_scalar(MysqlDb& db, const std::string& sql) {
    auto rows = my_rows(db.connection(), sql);
    return rows.empty() ? std::string() : my::field(rows.front(), 0);
}

}  // namespace ferry::test
