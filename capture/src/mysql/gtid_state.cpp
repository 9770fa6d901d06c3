#include "gtid_state.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ferry::capture::mysql {

GtidState GtidState::parse(const std::string& text) {
    GtidState g;
    std::size_t start = 0;
    while (start < text.size()) {
        auto comma = text.find(',', start);
        std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        std::erase_if(part, [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
        start = comma == std::string::npos ? text.size() : comma + 1;
        if (part.empty()) {
            continue;
        }
        if (const auto colon = part.find(':'); colon != std::string::npos) {  // MySQL uuid:1-5:7
            auto& intervals = g.sets_[part.substr(0, colon)];
            std::size_t at = colon + 1;
            while (at <= part.size()) {
                const auto next = part.find(':', at);
                const std::string range = part.substr(at, next == std::string::npos ? std::string::npos : next - at);
                const auto dash = range.find('-');
                std::int64_t lo = 0;
                std::int64_t hi = 0;
                std::from_chars(range.data(), range.data() + (dash == std::string::npos ? range.size() : dash), lo);
                hi = lo;
                if (dash != std::string::npos) {
                    std::from_chars(range.data() + dash + 1, range.data() + range.size(), hi);
                }
                intervals.emplace_back(lo, hi);
                if (next == std::string::npos) {
                    break;
                }
                at = next + 1;
            }
        } else {
            std::uint32_t domain = 0;
            std::from_chars(part.data(), part.data() + part.size(), domain);
            g.domains_[domain] = part;
        }
    }
    return g;
}

void GtidState::add_mariadb(std::uint32_t domain, std::uint32_t server_id, std::uint64_t sequence) {
    domains_[domain] = std::to_string(domain) + "-" + std::to_string(server_id) + "-" + std::to_string(sequence);
}

void GtidState::add_mysql(const std::string& uuid, std::int64_t number) {
    auto& intervals = sets_[uuid];
    for (auto& [lo, hi] : intervals) {
        if (number >= lo && number <= hi) {
            return;
        }
        if (number == hi + 1) {
            hi = number;
            return;
        }
    }
    intervals.emplace_back(number, number);
    std::sort(intervals.begin(), intervals.end());
}

std::string GtidState::format() const {
    std::string out;
    for (const auto& [domain, text] : domains_) {
        out += (out.empty() ? "" : ",") + text;
    }
    for (const auto& [uuid, intervals] : sets_) {
        out += (out.empty() ? "" : ",") + uuid;
        for (const auto& [lo, hi] : intervals) {
            out += ":" + std::to_string(lo) + (hi != lo ? "-" + std::to_string(hi) : "");
        }
    }
    return out;
}

}  // namespace ferry::capture::mysql
