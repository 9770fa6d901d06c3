// Wall-clock milliseconds since the Unix epoch: the unit of the timestamps in the status values
// that `ferry run` writes and `ferry status` reads.
#pragma once

#include <chrono>
#include <cstdint>

namespace ferry::agent {

inline std::int64_t epoch_ms(std::chrono::system_clock::time_point t = std::chrono::system_clock::now()) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace ferry::agent
