// BoundedQueue: the single-producer/single-consumer hand-off between the capture and apply threads.
// A full queue makes the producer wait, which bounds memory and slows reading from the server.
// Capacity is in weight units: each item weighs weight(item) (at least 1; 1 each by default), so
// many small items or a few large ones fit. An item heavier than the capacity still passes alone.
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
    using Weigher = std::size_t (*)(const T&);
    explicit BoundedQueue(std::size_t capacity, Weigher weight = nullptr) : capacity_(capacity), weight_(weight) {}

    enum class PushResult { Pushed, TimedOut, Stopped };
    // Waits at most `timeout` for room, so the producer can keep its connection alive meanwhile.
    // `item` is moved from only when Pushed.
    PushResult push_for(T& item, std::chrono::milliseconds timeout, std::stop_token st) {
        const std::size_t w = weigh(item);
        std::unique_lock lock(mu_);
        if (!not_full_.wait_for(lock, st, timeout, [&] { return items_.empty() || load_ + w <= capacity_; })) {
            return st.stop_requested() ? PushResult::Stopped : PushResult::TimedOut;
        }
        load_ += w;
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
        load_ -= weigh(item);
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
    std::size_t load() {  // total weight of the items waiting
        std::lock_guard lock(mu_);
        return load_;
    }

private:
    std::size_t weigh(const T& item) const {
        const std::size_t w = weight_ == nullptr ? 1 : weight_(item);
        return w == 0 ? 1 : w;
    }

    const std::size_t capacity_;
    const Weigher weight_;
    std::size_t load_ = 0;  // total weight of the items in the queue
    std::mutex mu_;
    std::condition_variable_any not_full_;
    std::condition_variable_any not_empty_;
    std::deque<T> items_;
};

}  // namespace ferry
