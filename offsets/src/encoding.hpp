// Length-prefixed binary encoding helpers for the offset store's values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::offsets::detail {

inline void put_u64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((v >> static_cast<unsigned>(shift)) & 0xFFU));
    }
}
inline void put_string(std::string& out, std::string_view s) {
    put_u64(out, s.size());
    out.append(s);
}

// Bounds-checked reader: every read reports failure instead of running past the end.
class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool u8(std::uint8_t& v) {
        if (pos_ + 1 > in_.size()) {
            return false;
        }
        v = static_cast<std::uint8_t>(in_[pos_++]);
        return true;
    }
    bool u64(std::uint64_t& v) {
        if (pos_ + 8 > in_.size()) {
            return false;
        }
        v = 0;
        for (int i = 0; i < 8; ++i) {
            v = (v << 8U) | static_cast<std::uint8_t>(in_[pos_++]);
        }
        return true;
    }
    bool string(std::string& s) {
        std::uint64_t n = 0;
        if (!u64(n) || n > in_.size() - pos_) {
            return false;
        }
        s.assign(in_.substr(pos_, n));
        pos_ += n;
        return true;
    }
    bool at_end() const { return pos_ == in_.size(); }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
};

}  // namespace ferry::offsets::detail
