// Bounds-checked big-endian reader over wire bytes. Every read reports failure instead of reading
// past the end; callers turn that into Errc::Corruption.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ferry::capture::pg {

class ByteReader {
public:
    explicit ByteReader(std::span<const std::byte> in) : in_(in) {}

    bool u8(std::uint8_t& v) { return read_be(v); }
    bool u16(std::uint16_t& v) { return read_be(v); }
    bool u32(std::uint32_t& v) { return read_be(v); }
    bool u64(std::uint64_t& v) { return read_be(v); }
    bool i32(std::int32_t& v) {
        std::uint32_t u = 0;
        if (!read_be(u)) {
            return false;
        }
        v = static_cast<std::int32_t>(u);
        return true;
    }
    bool i64(std::int64_t& v) {
        std::uint64_t u = 0;
        if (!read_be(u)) {
            return false;
        }
        v = static_cast<std::int64_t>(u);
        return true;
    }
    // NUL-terminated string.
    bool cstring(std::string& out) {
        for (std::size_t i = pos_; i < in_.size(); ++i) {
            if (in_[i] == std::byte{0}) {
                out.assign(reinterpret_cast<const char*>(in_.data() + pos_), i - pos_);
                pos_ = i + 1;
                return true;
            }
        }
        return false;
    }
    bool bytes(std::size_t n, std::string& out) {
        if (n > remaining()) {
            return false;
        }
        out.assign(reinterpret_cast<const char*>(in_.data() + pos_), n);
        pos_ += n;
        return true;
    }
    std::size_t remaining() const { return in_.size() - pos_; }
    std::span<const std::byte> rest() const { return in_.subspan(pos_); }

private:
    template <class T>
    bool read_be(T& v) {
        if (sizeof(T) > remaining()) {
            return false;
        }
        T out = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) {
            out = static_cast<T>((out << 8U) | static_cast<std::uint8_t>(in_[pos_ + i]));
        }
        pos_ += sizeof(T);
        v = out;
        return true;
    }

    std::span<const std::byte> in_;
    std::size_t pos_ = 0;
};

}  // namespace ferry::capture::pg
