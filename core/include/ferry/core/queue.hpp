// BoundedQueue: the single-producer/single-consumer hand-off between the capture and apply threads.
// A full queue makes the producer wait, which bounds memory and slows reading from the server.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>

namespace ferry {

template <class T>
class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

    enum class PushResult { Pushed, TimedOut, Stopped };
    // Waits at most `timeout` for room, so the producer can keep its connection alive meanwhile.
    // `item` is moved from only when Pushed.
    PushResult push_for(T& item, std::chrono::milliseconds timeout, std::stop_token st) {
        std::unique_lock lock(mu_);
        if (!not_full_.wait_for(lock, st, timeout, [&] { return items_.size() < capacity_; })) {
            return st.stop_requested() ? PushResult::Stopped : PushResult::TimedOut;
        }
        items_.push_back(std::move(item));
        not_empty_.notify_one();
        return PushResult::Pushed;
    }

    // Waits at most `timeout` for an item; nullopt on timeout or stop.
    std::optional<T> pop_for(std::chrono::milliseconds timeout, std::stop_token st) {
        std::unique_lock lock(mu_);
        if (!not_empty_.wait_for(lock, st, timeout, [&] { return !items_.empty(); })) {
            return std::nullopt;
        }
        T item = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
        return item;
    }

    bool empty() {
        std::lock_guard lock(mu_);
        return items_.empty();
    }
    std::size_t size() {
        std::lock_guard lock(mu_);
        return items_.size();
    }

private:
    const std::size_t capacity_;
    std::mutex mu_;
    std::condition_variable_any not_full_;
    std::condition_variable_any not_empty_;
    std::deque<T> items_;
};

}  // namespace ferry
