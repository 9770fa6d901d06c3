// Hexadecimal digits, for the few decoders that read them (bytea text, URLs, COPY escapes), and the
// one lowercase hex encoder and decoder of byte strings.
#pragma once

#include <string>
#include <string_view>

namespace ferry {

// 0..15 for a hex digit (either case), -1 for anything else.
constexpr int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Appends `bytes` as lowercase hex, two digits per byte.
inline void append_hex(std::string& out, std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.reserve(out.size() + bytes.size() * 2);
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        out.push_back(kHex[u >> 4U]);
        out.push_back(kHex[u & 0xFU]);
    }
}

// Appends the bytes `hex` spells (digits of either case, in pairs); false if it is not hex.
inline bool append_unhex(std::string& out, std::string_view hex) {
    if (hex.size() % 2 != 0) {
        return false;
    }
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_digit(hex[i]);
        const int lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return true;
}

}  // namespace ferry
