// Loggers for the agent's components, all writing to stderr. Lifecycle and positions at info; no
// row data and no secrets at any level above trace.
#pragma once

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace ferry::agent {

void setup_logging(const std::string& level);
std::shared_ptr<spdlog::logger> make_logger(const std::string& component);

}  // namespace ferry::agent
