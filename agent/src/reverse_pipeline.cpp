#include "reverse_pipeline.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "ferry/pq/connection.hpp"
#include "verify_command.hpp"

namespace ferry::agent {

namespace {

namespace fs = std::filesystem;

std::string reverse_name(const Config& config) { return config.name + "_reverse"; }
std::string reverse_state_dir(const Config& config) { return fs::absolute(config.state_dir).string() + "_reverse"; }

Result<std::string> scalar(const std::string& conninfo, const std::string& sql,
                           const std::vector<std::optional<std::string>>& params = {}) {
    auto conn = pq::Connection::connect(conninfo, pq::Mode::Normal, "cutover");
    if (!conn.ok()) {
        return conn.status();
    }
    auto res = conn.value().exec_params(sql, params, "checking what --reverse needs");
    if (!res.ok()) {
        return res.status();
    }
    return PQntuples(res.value().get()) == 0 ? std::string() : pq::field(res.value().get(), 0, 0);
}

Status need(const Result<std::string>& answer, const std::string& why) {
    if (!answer.ok()) {
        return answer.status();
    }
    return answer.value() == "t" ? Status() : Status::error(Errc::Fatal, "--reverse: " + why);
}

// The reverse's config: the forward's ends swapped, as the forward file spells them.
Result<std::string> reverse_yaml(const Config& config, const std::string& config_path) {
    YAML::Node forward;
    try {
        forward = YAML::LoadFile(config_path);
    } catch (const YAML::Exception& e) {
        return Status::error(Errc::InvalidConfig, config_path + ": " + e.what());
    }
    YAML::Node out;
    out["name"] = reverse_name(config);
    out["reverse_of"] = config.name;
    out["source"]["type"] = "postgres";
    out["source"]["url"] = forward["target"]["url"];
    out["source"]["tables"] = forward["source"]["tables"];
    out["target"]["type"] = "postgres";
    out["target"]["url"] = forward["source"]["url"];
    out["snapshot"] = "never";
    out["state_dir"] = reverse_state_dir(config);
    out["log_level"] = config.log_level;
    YAML::Emitter text;
    text << out;
    return "# Written by `ferry cutover --reverse` for pipeline " + config.name + ": replication back from its target to its source.\n"
           + std::string(text.c_str()) + "\n";
}

// The last line of a file, for a process that stopped before it was ready.
std::string last_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::string last;
    while (std::getline(in, line)) {
        if (!line.empty()) {
            last = line;
        }
    }
    return last;
}

Result<pid_t> spawn_run(const std::string& config_path, const std::string& log_path) {
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log < 0) {
        return Status::error(Errc::Fatal, "--reverse: cannot write " + log_path);
    }
    const pid_t pid = ::fork();
    if (pid == 0) {  // only async-signal-safe calls until exec
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        setsid();
        dup2(log, STDOUT_FILENO);
        dup2(log, STDERR_FILENO);
        execl("/proc/self/exe", "ferry", "run", "-c", config_path.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    ::close(log);
    if (pid < 0) {
        return Status::error(Errc::Fatal, "--reverse: cannot start a process");
    }
    return pid;
}

}  // namespace

Status check_reverse(const Config& config) {
    if (config.source.type != "postgres" || config.target.type != "postgres") {
        return Status::error(Errc::InvalidConfig, "--reverse works between PostgreSQL databases for now");
    }
    if (config.name.size() + 8 > 50) {
        return Status::error(Errc::InvalidConfig, "--reverse needs a pipeline name of at most 42 characters (the reverse is "
                                                  "named <name>_reverse)");
    }
    if (fs::exists(reverse_state_dir(config)) && !fs::is_empty(reverse_state_dir(config))) {
        return Status::error(Errc::Fatal, "--reverse: the state of an earlier reverse is at " + reverse_state_dir(config)
                                              + "; if it is not wanted any more, drop its slot ferry_" + reverse_name(config)
                                              + " at the target, remove that directory and run cutover again");
    }
    if (Status st = need(scalar(config.target.url, "SELECT setting = 'logical' FROM pg_settings WHERE name = 'wal_level'"),
                         "the target (the new primary) needs wal_level = logical: set it, restart the server and run "
                         "cutover again");
        !st.ok()) {
        return st;
    }
    if (Status st = need(scalar(config.target.url, "SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user"),
                         "the target's user needs the REPLICATION attribute (ALTER ROLE ... REPLICATION)");
        !st.ok()) {
        return st;
    }
    if (Status st = need(scalar(config.target.url, "SELECT NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = $1)",
                                {"ferry_" + reverse_name(config)}),
                         "slot ferry_" + reverse_name(config) + " exists at the target already (an earlier reverse?): drop it "
                         "(SELECT pg_drop_replication_slot('ferry_" + reverse_name(config) + "')) if it is not wanted");
        !st.ok()) {
        return st;
    }
    return need(scalar(config.source.url,
                       "SELECT has_function_privilege($1, 'EXECUTE') AND "
                       "has_function_privilege('pg_replication_origin_session_setup(text)', 'EXECUTE')",
                       {"pg_replication_origin_create(text)"}),
                "the source's user needs to be a superuser, or EXECUTE on pg_replication_origin_create and "
                "pg_replication_origin_session_setup (the reverse marks what it writes there)");
}

Result<ReverseRun> start_reverse(const Config& config, const std::string& config_path, std::chrono::seconds limit) {
    const fs::path dir = fs::absolute(config_path).parent_path();
    ReverseRun run{(dir / (reverse_name(config) + ".yaml")).string(), (dir / (reverse_name(config) + ".log")).string(), 0};
    auto yaml = reverse_yaml(config, config_path);
    if (!yaml.ok()) {
        return yaml.status();
    }
    {
        std::ofstream out(run.config_path, std::ios::trunc);
        out << yaml.value();
        if (!out) {
            return Status::error(Errc::Fatal, "--reverse: cannot write " + run.config_path);
        }
    }
    Config reverse;
    if (auto problems = load_config(run.config_path, reverse); !problems.empty()) {
        return Status::error(Errc::Fatal, "--reverse: the reverse's config is not valid: " + problems.front());
    }
    auto pid = spawn_run(run.config_path, run.log_path);
    if (!pid.ok()) {
        return pid.status();
    }
    run.pid = pid.value();
    const auto applied = durable_position(reverse);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        int wstatus = 0;
        if (::waitpid(run.pid, &wstatus, WNOHANG) == run.pid) {
            return Status::error(Errc::Fatal, "--reverse: the reverse pipeline stopped: " + last_line(run.log_path) + " (log: "
                                                  + run.log_path + ")");
        }
        auto at = applied();
        if (at.ok() && at.value()) {
            return run;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(run.pid, SIGTERM);
            return Status::error(Errc::Fatal, "--reverse: the reverse pipeline did not start streaming within "
                                                  + std::to_string(limit.count()) + " s (log: " + run.log_path + ")");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

}  // namespace ferry::agent
