// The ferry executable: `ferry run`, `ferry status`. Exit status per shared/design.md: 0 success or
// graceful stop, 2 usage or configuration error, 1 any other fatal error (one line on stderr).
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "config.hpp"
#include "ferry/core/status.hpp"
#include "logging.hpp"
#include "pipeline.hpp"
#include "signals.hpp"
#include "status_command.hpp"
#include "cutover_command.hpp"
#include "verify_command.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFatal = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDifferent = 1;  // verify: the tables differ

int fail(const ferry::Status& st) {
    spdlog::shutdown();
    std::fflush(stdout);  // what a command printed comes before why it failed
    std::fprintf(stderr, "ferry: %s\n", st.message().c_str());
    return st.code() == ferry::Errc::InvalidConfig ? kExitUsage : kExitFatal;
}

bool load(const std::string& path, ferry::agent::Config& config) {
    const auto problems = ferry::agent::load_config(path, config);
    if (problems.empty()) {
        return true;
    }
    std::string line;
    for (const auto& p : problems) {
        line += (line.empty() ? "" : "; ") + p;
    }
    std::fprintf(stderr, "ferry: invalid config %s: %s\n", path.c_str(), line.c_str());
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ferry: change-data-capture replication (PostgreSQL -> PostgreSQL)"};
    app.set_version_flag("--version", std::string("ferry ") + FERRY_VERSION);
    app.require_subcommand(1);
    std::string config_path;
    bool as_json = false;
    auto* run = app.add_subcommand("run", "snapshot (per the snapshot mode), then stream until SIGINT/SIGTERM");
    run->add_option("-c,--config", config_path, "pipeline config file (YAML)")->required();
    auto* status = app.add_subcommand("status", "phase, durable position, lag and snapshot progress");
    status->add_option("-c,--config", config_path, "pipeline config file (YAML)")->required();
    status->add_flag("--json", as_json, "print JSON");
    auto* check = app.add_subcommand("check", "read and check the config file only (exit 0 valid, 2 not)");
    check->add_option("-c,--config", config_path, "pipeline config file (YAML)")->required();
    ferry::agent::VerifyOptions verify_options;
    auto* verify = app.add_subcommand("verify", "compare source and target tables (exit 0 equal, 1 different)");
    verify->add_option("-c,--config", config_path, "pipeline config file (YAML)")->required();
    verify->add_flag("--json", verify_options.as_json, "print JSON");
    verify->add_option("--table", verify_options.tables, "only this table (schema.table); repeatable");
    verify->add_option("--chunk-rows", verify_options.settings.chunk_rows, "rows per compared chunk (default 10000)")
        ->check(CLI::Range(100, 10000000));
    std::size_t settle_seconds = 60;
    verify->add_option("--settle-timeout", settle_seconds,
                       "seconds to wait for the pipeline to apply past a differing read (default 60)")
        ->check(CLI::Range(1, 86400));
    ferry::agent::CutoverOptions cutover_options;
    auto* cutover = app.add_subcommand("cutover", "catch up to the source's position now, carry sequences, verify: safe to switch?");
    cutover->add_option("-c,--config", config_path, "pipeline config file (YAML)")->required();
    cutover->add_flag("--freeze-source", cutover_options.freeze_source,
                      "make the source read-only for the final catch-up (writable again afterwards)");
    cutover->add_flag("--keep-frozen", cutover_options.keep_frozen,
                      "with --freeze-source: leave the source read-only when the verdict is safe (undo printed)");
    cutover->add_flag("--verify-frozen", cutover_options.verify_frozen,
                      "verify again at the end point, while the source is frozen (the pause lasts the scan)");
    auto* freeze_flag = cutover->get_option("--freeze-source");
    cutover->add_flag("--reverse", cutover_options.reverse,
                      "then start replication back from the target to the source, which stays read-only for "
                      "applications (a rollback option)")
        ->needs(freeze_flag);
    std::size_t cutover_seconds = 300;
    cutover->add_option("--timeout", cutover_seconds, "seconds to wait for the pipeline to catch up (default 300)")
        ->check(CLI::Range(1, 86400));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? kExitOk : kExitUsage;
    }
    ferry::agent::Config config;
    if (!load(config_path, config)) {
        return kExitUsage;
    }
    if (check->parsed()) {
        std::printf("%s: pipeline %s, %s -> %s\n", config_path.c_str(), config.name.c_str(), config.source.type.c_str(),
                    config.target.type.c_str());
        return kExitOk;
    }
    if (status->parsed()) {
        ferry::agent::setup_logging("error");
        const ferry::Status st = ferry::agent::print_status(config, as_json);
        return st.ok() ? kExitOk : fail(st);
    }
    if (verify->parsed()) {
        ferry::agent::setup_logging("error");
        verify_options.settings.settle_timeout = std::chrono::seconds(settle_seconds);
        auto equal = ferry::agent::run_verify(config, verify_options);
        if (!equal.ok()) {
            return fail(equal.status());
        }
        spdlog::shutdown();
        return equal.value() ? kExitOk : kExitDifferent;
    }
    if (cutover->parsed()) {
        ferry::agent::setup_logging("error");
        ferry::agent::SignalWatcher cutover_signals;  // an interrupted cutover makes the source writable again
        cutover_options.catch_up_limit = std::chrono::seconds(cutover_seconds);
        cutover_options.config_path = config_path;
        auto safe = ferry::agent::run_cutover(config, cutover_options, cutover_signals.token());
        if (!safe.ok()) {
            return fail(safe.status());
        }
        spdlog::shutdown();
        return safe.value() ? kExitOk : kExitDifferent;
    }
    ferry::agent::setup_logging(config.log_level);
    ferry::agent::SignalWatcher signals;  // before any other thread
    try {
        const ferry::Status st = ferry::agent::run_pipeline(config, signals.token());
        if (!st.ok()) {
            return fail(st);
        }
    } catch (const std::exception& e) {
        return fail(ferry::Status::error(ferry::Errc::Internal, std::string("internal error: ") + e.what()));
    }
    spdlog::shutdown();
    return kExitOk;
}
