#include "reverse_pipeline.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "ferry/capture/mysql_capture.hpp"
#include "ferry/verify/cutover.hpp"
#include "logging.hpp"
#include "verify_command.hpp"

namespace ferry::agent {

namespace {

namespace fs = std::filesystem;

std::string reverse_name(const Config& config) { return config.name + "_reverse"; }
std::string reverse_state_dir(const Config& config) { return fs::absolute(config.state_dir).string() + "_reverse"; }

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
    out["source"]["type"] = config.target.type;
    out["source"]["url"] = forward["target"]["url"];
    out["source"]["tables"] = forward["source"]["tables"];
    out["target"]["type"] = config.source.type;
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
    if (config.target.type == "kafka") {
        return Status::error(Errc::InvalidConfig, "--reverse needs a database target (postgres or mysql)");
    }
    if (config.name.size() + 8 > 50) {
        return Status::error(Errc::InvalidConfig, "--reverse needs a pipeline name of at most 42 characters (the reverse is "
                                                  "named <name>_reverse)");
    }
    const std::string state = reverse_state_dir(config);
    if (fs::exists(state) && !fs::is_empty(state)) {
        return Status::error(Errc::Fatal, "--reverse: the state of an earlier reverse is at " + state
                                              + "; if it is not wanted any more, remove it (and drop its slot ferry_"
                                              + reverse_name(config) + " at a PostgreSQL target) and run cutover again");
    }
    // The new primary as the reverse's source.
    Status source;
    if (config.target.type == "mysql") {
        capture::MysqlSourceConfig reverse_source{config.target.url, 0, config.source.tables};
        auto catalog = capture::MysqlCatalog::connect(reverse_source, make_logger("cutover"));
        source = catalog.ok() ? catalog.value()->check_server() : catalog.status();
        if (!source.ok()) {
            source = Status::error(source.code(), "--reverse: the target (the new primary) as a source: " + source.message());
        }
    } else {
        source = verify::check_reverse_source_postgres(config.target.url, "ferry_" + reverse_name(config));
    }
    if (!source.ok()) {
        return source;
    }
    // The old source as the reverse's target.
    return config.source.type == "mysql"
               ? verify::check_reverse_target_mysql(config.source.url, Config::reverse_server_id(config.name))
               : verify::check_reverse_target_postgres(config.source.url);
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
