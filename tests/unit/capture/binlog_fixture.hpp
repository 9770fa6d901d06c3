// The binlog recorded from MariaDB 10.11 by tests/fixtures/binlog/record.sh, split into whole events,
// and the server's collation table recorded with it.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "binlog_event.hpp"
#include "row_decoder.hpp"

namespace ferry::capture::mysql::fixture {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Whole events in file order (after the 4-byte magic number), split by each header's size field.
inline std::vector<std::string> recorded_events() {
    const std::string file = read_file(std::string(FERRY_FIXTURE_DIR) + "/binlog/fixture.binlog");
    std::vector<std::string> out;
    for (std::size_t at = 4; at + kEventHeaderSize <= file.size();) {
        std::uint32_t size = 0;
        for (int i = 3; i >= 0; --i) {
            size = (size << 8U) | static_cast<std::uint8_t>(file[at + 9 + static_cast<std::size_t>(i)]);
        }
        out.push_back(file.substr(at, size));
        at += size;
    }
    return out;
}

inline CollationCharsets recorded_charsets() {
    std::istringstream in(read_file(std::string(FERRY_FIXTURE_DIR) + "/binlog/collations.tsv"));
    CollationCharsets out;
    std::uint32_t id = 0;
    std::string charset;
    while (in >> id >> charset) {
        out[id] = charset;
    }
    return out;
}

}  // namespace ferry::capture::mysql::fixture
