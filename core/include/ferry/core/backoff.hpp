// Capped exponential backoff for reconnects after transient errors.
#pragma once

#include <algorithm>
#include <chrono>

namespace ferry {

class Backoff {
public:
    Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max) : min_(min), max_(max), next_(min) {}
    std::chrono::milliseconds next() {
        const auto current = next_;
        next_ = std::min(max_, next_ * 2);
        return current;
    }
    void reset() { next_ = min_; }

private:
    std::chrono::milliseconds min_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds next_;
};

}  // namespace ferry
