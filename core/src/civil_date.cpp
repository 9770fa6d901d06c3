#include "ferry/core/civil_date.hpp"

namespace ferry {

namespace {

// Exactly `width` digits at s[at...].
bool digits_at(std::string_view s, std::size_t at, std::size_t width, std::int64_t& value) {
    if (width == 0 || at + width > s.size()) {
        return false;
    }
    value = 0;
    for (std::size_t i = at; i < at + width; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        value = value * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

bool parse_iso_date(std::string_view text, std::size_t& used, CivilDate& out) {
    const auto dash = text.find('-');
    std::int64_t y = 0, m = 0, d = 0;
    if (dash == std::string_view::npos || dash < 4 || !digits_at(text, 0, dash, y) || !digits_at(text, dash + 1, 2, m)
        || text.size() < dash + 6 || text[dash + 3] != '-' || !digits_at(text, dash + 4, 2, d) || m < 1 || m > 12
        || d < 1 || d > 31) {
        return false;
    }
    used = dash + 6;
    out = {y, static_cast<unsigned>(m), static_cast<unsigned>(d)};
    return true;
}

bool parse_iso_time(std::string_view text, std::size_t& used, std::int64_t& micros) {
    constexpr std::int64_t kMicrosPerSecond = 1'000'000;
    const auto colon = text.find(':');
    std::int64_t h = 0, m = 0, s = 0;
    if (colon == std::string_view::npos || colon < 2 || !digits_at(text, 0, colon, h) || !digits_at(text, colon + 1, 2, m)
        || text.size() < colon + 6 || text[colon + 3] != ':' || !digits_at(text, colon + 4, 2, s) || m > 59 || s > 59) {
        return false;
    }
    micros = ((h * 60 + m) * 60 + s) * kMicrosPerSecond;
    used = colon + 6;
    if (used < text.size() && text[used] == '.') {
        std::size_t end = used + 1;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
            ++end;
        }
        const std::size_t digits = end - used - 1;
        if (digits == 0 || digits > 6) {
            return false;
        }
        std::int64_t fraction = 0;
        digits_at(text, used + 1, digits, fraction);
        for (std::size_t i = digits; i < 6; ++i) {
            fraction *= 10;
        }
        micros += fraction;
        used = end;
    }
    return true;
}

}  // namespace ferry
