// Status and Result<T>: errors as values, classified once near the failing call.
//
// Errc drives policy (retry, stop, exit code); the message carries the detail. Messages never contain
// row data or secrets. Not thread-safe to share a single instance; cheap to copy.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ferry {

// Stable numeric values: they appear in logs and metrics; never renumber.
enum class Errc : std::uint8_t {
    Ok = 0,
    Transient = 1,      // network drop, server restart: retry with backoff
    SourceGone = 2,     // slot dropped, WAL removed: operator action needed
    Corruption = 3,     // undecodable event, unreadable offset record
    InvalidConfig = 4,  // reported once, at startup
    Unsupported = 5,    // type, identity or value the agent cannot represent
    Cancelled = 6,      // stop requested
    Internal = 7,       // a bug: an invariant was violated
    Fatal = 8,          // server state the operator must fix (privileges, settings, diverged target)
    Restart = 9,        // the source's set of tables changed: start the run again at once (no backoff)
};

std::string_view errc_name(Errc code) noexcept;

class [[nodiscard]] Status {
public:
    Status() = default;  // OK
    static Status error(Errc code, std::string message) { return Status(code, std::move(message)); }

    bool ok() const noexcept { return code_ == Errc::Ok; }
    bool retryable() const noexcept { return code_ == Errc::Transient; }
    Errc code() const noexcept { return code_; }
    const std::string& message() const noexcept { return message_; }
    void ignore() const noexcept {}  // explicit, greppable "I meant to drop this"

    // Same code, message prefixed with where it happened ("reading slot: ...").
    Status with_context(std::string_view context) const {
        return ok() ? *this : Status(code_, std::string(context) + ": " + message_);
    }

private:
    Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}
    Errc code_ = Errc::Ok;
    std::string message_;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}                                            // NOLINT(google-explicit-constructor)
    Result(Status error) : v_(std::move(error)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT(google-explicit-constructor)

    bool ok() const noexcept { return std::holds_alternative<T>(v_); }
    T& value() & { return std::get<T>(v_); }
    const T& value() const& { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    const Status& status() const& { return std::get<Status>(v_); }
    Status status() && { return std::get<Status>(std::move(v_)); }

private:
    std::variant<T, Status> v_;
};

}  // namespace ferry
