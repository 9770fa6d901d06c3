#include "pg_harness.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ferry::test {

std::string server_dsn(const char* env_var) {
    const char* value = std::getenv(env_var);  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr || *value == '\0') {
        ADD_FAILURE() << env_var << " is not set: run the tests through scripts/test.sh, which starts the servers";
        throw std::runtime_error("no test server");
    }
    return value;
}

std::string with_database(const std::string& dsn, const std::string& db) {
    return dsn.substr(0, dsn.rfind('/') + 1) + db;
}

double timeout_multiplier() {
    const char* value = std::getenv("FERRY_TEST_TIMEOUT_MULTIPLIER");  // NOLINT(concurrency-mt-unsafe)
    return value != nullptr ? std::max(1.0, std::atof(value)) : 1.0;
}

namespace {
pq::Connection connect_or_throw(const std::string& dsn) {
    auto c = pq::Connection::connect(dsn, pq::Mode::Normal, "test");
    if (!c.ok()) {
        throw std::runtime_error(c.status().message());
    }
    return std::move(c).value();
}
}  // namespace

TestDb::TestDb(const std::string& server, const std::string& name)
    : server_(server)
    , name_(name)
    , dsn_(with_database(server, name)) {
    auto admin = connect_or_throw(server_);
    const std::string quoted = "\"" + name_ + "\"";
    admin.run("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)", "test setup").ignore();
    if (Status st = admin.run("CREATE DATABASE " + quoted, "creating test database"); !st.ok()) {
        throw std::runtime_error(st.message());
    }
}

TestDb::~TestDb() {
    conn_.reset();
    try {
        auto admin = connect_or_throw(server_);
        // A killed agent's walsender may take a moment to notice; its slot is dropped once inactive.
        eventually(
            [&] {
                auto res = admin.exec_params("SELECT count(*) FROM pg_replication_slots WHERE database = $1 AND active",
                                             {name_}, "waiting for test slots");
                return res.ok() && pq::field(res.value().get(), 0, 0) == "0";
            },
            std::chrono::milliseconds(30000));
        admin.exec_params("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 "
                          "AND NOT active",
                          {name_}, "dropping test slots")
            .status()
            .ignore();
        admin.run("DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)", "test teardown").ignore();
    } catch (const std::exception&) {
    }
}

pq::Connection& TestDb::conn() {
    if (!conn_ || !conn_->is_ok()) {
        conn_.emplace(connect_or_throw(dsn_));
    }
    return *conn_;
}

void TestDb::exec(const std::string& sql) {
    if (Status st = conn().run(sql, "test SQL"); !st.ok()) {
        throw std::runtime_error(st.message() + " in: " + sql.substr(0, 200));
    }
}

Rows TestDb::query(const std::string& sql) {
    auto res = conn().exec(sql, "test query");
    if (!res.ok()) {
        throw std::runtime_error(res.status().message() + " in: " + sql.substr(0, 200));
    }
    Rows rows;
    const PGresult* r = res.value().get();
    for (int i = 0; i < PQntuples(r); ++i) {
        std::vector<std::optional<std::string>> row;
        for (int j = 0; j < PQnfields(r); ++j) {
            row.push_back(pq::is_null(r, i, j) ? std::nullopt : std::optional<std::string>(PQgetvalue(r, i, j)));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string TestDb::scalar(const std::string& sql) {
    auto rows = query(sql);
    return rows.empty() || rows[0].empty() || !rows[0][0] ? std::string() : *rows[0][0];
}

std::vector<std::string> TestDb::dump(const std::string& quoted_table) {
    std::vector<std::string> out;
    for (auto& row : query("SELECT x::text FROM " + quoted_table + " x ORDER BY x::text COLLATE \"C\"")) {
        out.push_back(row[0].value_or("<null row>"));
    }
    return out;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit,
                std::chrono::milliseconds max_pause) {
    const auto deadline = std::chrono::steady_clock::now()
                          + std::chrono::milliseconds(static_cast<long long>(limit.count() * timeout_multiplier()));
    auto pause = std::min(std::chrono::milliseconds(20), max_pause);
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(pause);  // polling interval of a deadline wait, not a fixed delay
        pause = std::min(pause * 2, max_pause);
    }
    return condition();
}

FerryProcess::FerryProcess(std::vector<std::string> args, std::string log_path) : log_path_(std::move(log_path)) {
    args.insert(args.begin(), FERRY_BINARY);
    pid_ = fork();
    if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test that crashes leaves no agent behind holding its slot
        const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
}

FerryProcess::~FerryProcess() {
    if (running()) {
        kill_hard();
    }
}

void FerryProcess::kill_hard() {
    if (!exit_code_) {
        ::kill(pid_, SIGKILL);
        wait(std::chrono::milliseconds(10000));
    }
}

void FerryProcess::terminate() { ::kill(pid_, SIGTERM); }

int FerryProcess::wait(std::chrono::milliseconds limit) {
    if (exit_code_) {
        return *exit_code_;
    }
    int status = 0;
    const bool done = eventually([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, limit);
    if (!done) {
        return -1;
    }
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return *exit_code_;
}

bool FerryProcess::running() {
    if (exit_code_) {
        return false;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    return true;
}

std::string FerryProcess::log() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::pair<int, std::string> run_ferry(const std::vector<std::string>& args, const std::string& log_path,
                                      std::chrono::milliseconds limit) {
    std::filesystem::remove(log_path);
    FerryProcess p(args, log_path);
    const int code = p.wait(limit);
    return {code, p.log()};
}

ScratchDir::ScratchDir() {
    std::string tmpl = "/tmp/ferry-it.XXXXXX";
    dir_ = mkdtemp(tmpl.data());
}

ScratchDir::~ScratchDir() {
    if (!::testing::Test::HasFailure()) {
        std::filesystem::remove_all(dir_);
    } else {
        std::fprintf(stderr, "kept test files in %s\n", dir_.c_str());
    }
}

std::string ScratchDir::write(const std::string& name, const std::string& content) const {
    const std::string p = path(name);
    std::ofstream(p) << content;
    return p;
}

std::string unique_name(const std::string& prefix) {
    std::string name = prefix + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_"
                       + std::to_string(getpid());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::isalnum(c) != 0 ? static_cast<char>(std::tolower(c)) : '_'; });
    return name.substr(0, 50);
}

std::string pipeline_config(const std::string& name, const std::string& source_dsn, const std::string& target_dsn,
                            const std::vector<std::string>& tables, const std::string& state_dir,
                            const std::string& extra) {
    std::string list;
    for (const auto& t : tables) {
        std::string quoted = "'";
        for (char c : t) {
            quoted += c == '\'' ? std::string("''") : std::string(1, c);
        }
        list += (list.empty() ? "" : ", ") + quoted + "'";
    }
    return "name: " + name + "\nsource:\n  type: postgres\n  url: " + source_dsn + "\n  tables: [" + list
           + "]\ntarget:\n  type: postgres\n  url: " + target_dsn + "\nstate_dir: " + state_dir + "\n" + extra;
}

StartedReverse::StartedReverse(const std::string& cutover_output) {
    const auto at = cutover_output.find("(pid ");
    if (at == std::string::npos) {
        throw std::runtime_error("cutover started no reverse: " + cutover_output);
    }
    pid_ = std::stol(cutover_output.substr(at + 5));
}

StartedReverse::~StartedReverse() {
    ::kill(static_cast<pid_t>(pid_), SIGTERM);
    eventually([&] {  // gone, or a zombie where nothing reaps orphans
        std::string stat;
        std::getline(std::ifstream("/proc/" + std::to_string(pid_) + "/stat"), stat);
        return stat.empty() || stat.find(") Z ") != std::string::npos;
    }, std::chrono::seconds(30));
}

}  // namespace ferry::test
