#include "logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace ferry::agent {

namespace {
std::shared_ptr<spdlog::sinks::sink>& shared_sink() {
    static std::shared_ptr<spdlog::sinks::sink> sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    return sink;
}
spdlog::level::level_enum& shared_level() {
    static spdlog::level::level_enum level = spdlog::level::info;
    return level;
}
}  // namespace

void setup_logging(const std::string& level) {
    shared_level() = spdlog::level::from_str(level);
    spdlog::set_level(shared_level());
    spdlog::flush_on(spdlog::level::warn);
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& component) {
    static std::mutex mu;
    std::lock_guard lock(mu);
    if (auto existing = spdlog::get(component)) {
        return existing;
    }
    auto logger = std::make_shared<spdlog::logger>(component, shared_sink());
    logger->set_level(shared_level());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
    spdlog::register_logger(logger);
    return logger;
}

}  // namespace ferry::agent
