// GTID states as text, one transaction at a time: MariaDB's "0-1-42,1-2-7" (per domain, the last
// GTID) and MySQL's executed sets "uuid:1-42:50,uuid2:1-3". format() is canonical (domains and
// uuids sorted), so two spellings of one state compare equal after parse().format().
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ferry::capture::mysql {

class GtidState {
public:
    static GtidState parse(const std::string& text);
    void add_mariadb(std::uint32_t domain, std::uint32_t server_id, std::uint64_t sequence);
    void add_mysql(const std::string& uuid, std::int64_t number);
    std::string format() const;

private:
    std::map<std::uint32_t, std::string> domains_;  // MariaDB: domain -> "d-s-n"
    std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> sets_;  // MySQL: uuid -> intervals
};

}  // namespace ferry::capture::mysql
