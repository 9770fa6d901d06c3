// Bounds-checked little-endian reader over binlog bytes: every read reports failure instead of
// running past the end, so a truncated or corrupt event becomes an error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::capture::mysql {

// The few big-endian fields of the binlog (DECIMAL digit groups, DATETIME2/TIME2/TIMESTAMP2): the
// unsigned value of up to eight bytes, most significant first.
inline std::uint64_t big_endian(std::string_view bytes) {
    std::uint64_t v = 0;
    for (const char c : bytes) {
        v = (v << 8U) | static_cast<std::uint8_t>(c);
    }
    return v;
}

class LeReader {
public:
    explicit LeReader(std::string_view in) : in_(in) {}

    std::size_t remaining() const { return in_.size() - pos_; }
    std::size_t position() const { return pos_; }
    bool at_end() const { return pos_ == in_.size(); }

    // Unsigned little-endian integer of `n` bytes (1..8).
    bool uint(std::size_t n, std::uint64_t& v) {
        if (n == 0 || n > 8 || remaining() < n) {
            return false;
        }
        v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[pos_ + i])) << (8U * i);
        }
        pos_ += n;
        return true;
    }
    template <class T>
    bool u(std::size_t n, T& out) {
        std::uint64_t v = 0;
        if (!uint(n, v)) {
            return false;
        }
        out = static_cast<T>(v);
        return true;
    }
    // The protocol's length-encoded integer (1, 3, 4 or 9 bytes).
    bool lenenc(std::uint64_t& v) {
        std::uint64_t first = 0;
        if (!uint(1, first)) {
            return false;
        }
        if (first < 0xFB) {
            v = first;
            return true;
        }
        switch (first) {
            case 0xFC:
                return uint(2, v);
            case 0xFD:
                return uint(3, v);
            case 0xFE:
                return uint(8, v);
            default:  // 0xFB is NULL and 0xFF an error marker: neither is a length here
                return false;
        }
    }
    bool bytes(std::size_t n, std::string_view& out) {
        if (remaining() < n) {
            return false;
        }
        out = in_.substr(pos_, n);
        pos_ += n;
        return true;
    }
    bool skip(std::size_t n) {
        std::string_view ignored;
        return bytes(n, ignored);
    }
    std::string_view rest() {
        auto r = in_.substr(pos_);
        pos_ = in_.size();
        return r;
    }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
};

}  // namespace ferry::capture::mysql
