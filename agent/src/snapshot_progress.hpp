// Progress of a running snapshot: counters the workers bump, and a reporter that renders them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"

namespace spdlog {
class logger;
}

namespace ferry::agent {

struct TableCounter {
    std::string name;
    std::uint64_t estimated_rows = 0;
    std::atomic<std::uint64_t> rows{0};
    std::atomic<int> state{0};  // 0 waiting, 1 copying, 2 done
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point finished;
};

class SnapshotProgress {
public:
    SnapshotProgress(std::vector<std::unique_ptr<TableCounter>>& tables, std::shared_ptr<spdlog::logger> log);
    // Called about twice a second by the reporter thread; draws on a terminal, logs every 10 s otherwise.
    void tick(bool final);

private:
    std::string line(const TableCounter& t, std::chrono::steady_clock::time_point now) const;

    std::vector<std::unique_ptr<TableCounter>>& tables_;
    std::shared_ptr<spdlog::logger> log_;
    bool is_terminal_;
    std::size_t drawn_lines_ = 0;
    std::chrono::steady_clock::time_point last_log_;
};

}  // namespace ferry::agent
