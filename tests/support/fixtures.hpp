// Reads recorded fixture files (tests/fixtures/...).
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace ferry::test {

struct Fixture {
    std::string name;
    std::vector<std::byte> bytes;
};

inline std::vector<Fixture> load_fixtures(const std::string& subdir, const std::string& extension) {
    std::vector<Fixture> out;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(FERRY_FIXTURE_DIR) + "/" + subdir)) {
        if (entry.path().extension() != extension) {
            continue;
        }
        std::ifstream in(entry.path(), std::ios::binary);
        std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        Fixture f{entry.path().filename().string(), {}};
        f.bytes.resize(raw.size());
        std::transform(raw.begin(), raw.end(), f.bytes.begin(), [](char c) { return static_cast<std::byte>(c); });
        out.push_back(std::move(f));
    }
    std::sort(out.begin(), out.end(), [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
    return out;
}

}  // namespace ferry::test
