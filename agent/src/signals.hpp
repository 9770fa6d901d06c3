// SIGINT/SIGTERM handling: the signals are blocked in every thread and a dedicated thread waits for
// them (sigwait), then requests a stop. No work happens in a signal handler.
#pragma once

#include <stop_token>
#include <thread>

namespace ferry::agent {

class SignalWatcher {
public:
    // Call before starting any other thread so that every thread inherits the blocked mask.
    SignalWatcher();
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    std::stop_token token() const { return stop_.get_token(); }
    std::stop_source& source() { return stop_; }

private:
    std::stop_source stop_;
    std::thread thread_;  // declared last: started after stop_ exists
};

}  // namespace ferry::agent
