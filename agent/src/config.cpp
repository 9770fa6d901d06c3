#include "config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "ferry/apply/kafka_apply.hpp"
#include "ferry/apply/mysql_apply.hpp"
#include "ferry/capture/mysql_capture.hpp"
#include "ferry/capture/pg_capture.hpp"

namespace ferry::agent {

namespace {

using Problems = std::vector<std::string>;

// Replaces ${VAR} from the environment; an unset variable is a problem (it would silently
// change the meaning of the config).
std::string substitute_env(const std::string& in, const std::string& key, Problems& problems) {
    std::string out;
    std::size_t pos = 0;
    while (pos < in.size()) {
        const auto open = in.find("${", pos);
        if (open == std::string::npos) {
            out += in.substr(pos);
            break;
        }
        const auto close = in.find('}', open + 2);
        if (close == std::string::npos) {
            problems.push_back(key + ": unterminated ${");
            return in;
        }
        out += in.substr(pos, open - pos);
        const std::string var = in.substr(open + 2, close - open - 2);
        const char* value = std::getenv(var.c_str());  // NOLINT(concurrency-mt-unsafe): read before threads start
        if (value == nullptr) {
            problems.push_back(key + ": environment variable " + var + " is not set");
        } else {
            out += value;
        }
        pos = close + 1;
    }
    return out;
}

void check_keys(const YAML::Node& node, const std::string& where, const std::set<std::string>& allowed,
                Problems& problems) {
    for (const auto& kv : node) {
        const auto key = kv.first.as<std::string>();
        if (!allowed.contains(key)) {
            problems.push_back("unknown key " + (where.empty() ? "" : where + ".") + key);
        }
    }
}

std::string scalar(const YAML::Node& parent, const std::string& key, const std::string& path, bool required,
                   Problems& problems) {
    const YAML::Node node = parent[key];
    if (!node || node.IsNull()) {
        if (required) {
            problems.push_back("missing " + path);
        }
        return {};
    }
    if (!node.IsScalar()) {
        problems.push_back(path + " must be a single value");
        return {};
    }
    return substitute_env(node.as<std::string>(), path, problems);
}

std::size_t whole_number(const YAML::Node& parent, const std::string& key, std::size_t fallback, std::size_t min,
                         std::size_t max, Problems& problems) {
    const std::string text = scalar(parent, key, key, false, problems);
    if (text.empty()) {
        return fallback;
    }
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0' || text[0] == '-' || v < min || v > max) {
        problems.push_back(key + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
        return fallback;
    }
    return static_cast<std::size_t>(v);
}

std::size_t positive(const YAML::Node& parent, const std::string& key, std::size_t fallback, std::size_t max,
                     Problems& problems) {
    return whole_number(parent, key, fallback, 1, max, problems);
}

void parse_source(const YAML::Node& root, Config& out, Problems& problems) {
    const YAML::Node src = root["source"];
    if (!src || !src.IsMap()) {
        problems.push_back("missing source (a map with type, url, tables)");
        return;
    }
    check_keys(src, "source", {"type", "url", "tables", "server_id"}, problems);
    out.source.type = scalar(src, "type", "source.type", true, problems);
    out.source.url = scalar(src, "url", "source.url", true, problems);
    if (!out.source.type.empty() && out.source.type != "postgres" && out.source.type != "mysql") {
        problems.push_back("source.type '" + out.source.type + "' is not supported (supported: postgres, mysql)");
    }
    if (out.source.type == "postgres" && !out.source.url.empty()) {
        if (auto err = capture::check_pg_url(out.source.url); !err.empty()) {
            problems.push_back("source.url is not a valid PostgreSQL connection string: " + err);
        }
    }
    if (out.source.type == "mysql" && !out.source.url.empty()) {
        if (auto err = capture::check_mysql_url(out.source.url); !err.empty()) {
            problems.push_back("source.url: " + err);
        }
    }
    if (src["server_id"]) {
        if (out.source.type != "mysql") {
            problems.push_back("source.server_id applies to type mysql only");
        } else {
            out.source.server_id = static_cast<std::uint32_t>(positive(src, "server_id", 0, 4294967295ULL, problems));
        }
    }
    const YAML::Node tables = src["tables"];
    if (!tables || !tables.IsSequence() || tables.size() == 0) {
        problems.push_back("missing source.tables (a list of schema.table or schema.*)");
        return;
    }
    for (std::size_t i = 0; i < tables.size(); ++i) {
        const std::string key = "source.tables[" + std::to_string(i) + "]";
        if (!tables[i].IsScalar()) {
            problems.push_back(key + " must be a table name");
            continue;
        }
        const std::string text = substitute_env(tables[i].as<std::string>(), key, problems);
        auto pattern = parse_table_pattern(text);
        if (!pattern.ok()) {
            problems.push_back(key + " '" + text + "': " + pattern.status().message());
        } else {
            out.source.tables.push_back(pattern.value());
        }
    }
}

bool flag(const YAML::Node& parent, const std::string& key, const std::string& path, bool fallback,
          Problems& problems) {
    const std::string text = scalar(parent, key, path, false, problems);
    if (text.empty()) {
        return fallback;
    }
    if (text != "true" && text != "false") {
        problems.push_back(path + " must be true or false");
        return fallback;
    }
    return text == "true";
}

// One of `choices` (the first is the default).
std::string choice(const YAML::Node& parent, const std::string& key, const std::string& path,
                   const std::vector<std::string>& choices, Problems& problems) {
    const std::string text = scalar(parent, key, path, false, problems);
    if (text.empty()) {
        return choices.front();
    }
    if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
        std::string list;
        for (const auto& c : choices) {
            list += (list.empty() ? "" : " or ") + c;
        }
        problems.push_back(path + " must be " + list + " (got '" + text + "')");
        return choices.front();
    }
    return text;
}

// Settings Ferry makes itself: overriding them would break its ordering and delivery guarantees.
const std::set<std::string>& reserved_kafka_properties() {
    static const std::set<std::string> kReserved{"bootstrap.servers", "metadata.broker.list", "enable.idempotence",
                                                 "acks", "request.required.acks", "transactional.id"};
    return kReserved;
}

void parse_kafka_target(const YAML::Node& dst, Config& out, Problems& problems) {
    auto& kafka = out.target.kafka;
    const YAML::Node brokers = dst["brokers"];
    if (brokers && brokers.IsSequence()) {  // [host:port, ...] as well as "host:port,host:port"
        for (std::size_t i = 0; i < brokers.size(); ++i) {
            const std::string key = "target.brokers[" + std::to_string(i) + "]";
            if (!brokers[i].IsScalar()) {
                problems.push_back(key + " must be host:port");
                continue;
            }
            kafka.brokers += (kafka.brokers.empty() ? "" : ",") + substitute_env(brokers[i].as<std::string>(), key, problems);
        }
        if (brokers.size() == 0) {
            problems.push_back("target.brokers must name at least one broker (host:port)");
        }
    } else {
        kafka.brokers = scalar(dst, "brokers", "target.brokers", true, problems);
    }
    kafka.topic_prefix = scalar(dst, "topic_prefix", "target.topic_prefix", false, problems);
    if (kafka.topic_prefix.empty()) {
        kafka.topic_prefix = out.name;
    } else if (!std::regex_match(kafka.topic_prefix, std::regex("[A-Za-z0-9._-]+"))) {
        problems.push_back("target.topic_prefix may hold only letters, digits, '.', '_' and '-' (it starts topic names)");
    }
    const YAML::Node properties = dst["properties"];
    if (properties && !properties.IsMap()) {
        problems.push_back("target.properties must be a map of librdkafka settings");
    } else if (properties) {
        for (const auto& kv : properties) {
            const auto name = kv.first.as<std::string>();
            const std::string path = "target.properties." + name;
            if (reserved_kafka_properties().contains(name)) {
                problems.push_back(path + " is set by Ferry itself (brokers: target.brokers; idempotence, acks and "
                                          "transactions keep its delivery guarantees)");
                continue;
            }
            kafka.properties[name] = scalar(properties, name, path, true, problems);
        }
        if (std::string rejected = apply::check_kafka_properties(kafka.properties); !rejected.empty()) {
            problems.push_back(rejected + " (see librdkafka's CONFIGURATION.md)");
        }
    }
    kafka.tombstones = flag(dst, "tombstones", "target.tombstones", true, problems);
    kafka.transaction_topic = flag(dst, "transaction_topic", "target.transaction_topic", false, problems);
    kafka.exactly_once = flag(dst, "exactly_once", "target.exactly_once", false, problems);
    kafka.precise_decimals = choice(dst, "decimals", "target.decimals", {"string", "precise"}, problems) == "precise";
    kafka.epoch_temporals = choice(dst, "temporal", "target.temporal", {"iso", "epoch"}, problems) == "epoch";
    if (dst["url"]) {
        problems.push_back("target.url does not apply to type kafka (use target.brokers)");
    }
}

void parse_target(const YAML::Node& root, Config& out, Problems& problems) {
    const YAML::Node dst = root["target"];
    if (!dst || !dst.IsMap()) {
        problems.push_back("missing target (a map with type and url)");
        return;
    }
    out.target.type = scalar(dst, "type", "target.type", true, problems);
    if (out.target.type == "kafka") {
        check_keys(dst, "target", {"type", "url", "brokers", "topic_prefix", "properties", "tombstones",
                                   "transaction_topic", "exactly_once", "decimals", "temporal"},
                   problems);
        parse_kafka_target(dst, out, problems);
        return;
    }
    check_keys(dst, "target", {"type", "url", "brokers", "topic_prefix"}, problems);
    if (!out.target.type.empty() && out.target.type != "postgres" && out.target.type != "mysql") {
        problems.push_back("target.type '" + out.target.type + "' is not supported (supported: postgres, mysql, kafka)");
        return;
    }
    out.target.url = scalar(dst, "url", "target.url", true, problems);
    if (!out.target.url.empty() && out.target.type == "mysql") {
        if (auto err = apply::check_mysql_target_url(out.target.url); !err.empty()) {
            problems.push_back("target.url is not a valid mysql:// URL: " + err);
        }
    } else if (!out.target.url.empty()) {
        if (auto err = capture::check_pg_url(out.target.url); !err.empty()) {
            problems.push_back("target.url is not a valid PostgreSQL connection string: " + err);
        }
    }
    if (dst["brokers"] || dst["topic_prefix"]) {
        problems.push_back("target.brokers and target.topic_prefix apply to type kafka only");
    }
}

// http: {listen: HOST:PORT, ready_max_lag_seconds: N}
void parse_http(const YAML::Node& root, Config& out, Problems& problems) {
    const YAML::Node http = root["http"];
    if (!http) {
        return;
    }
    if (!http.IsMap()) {
        problems.push_back("http must be a map: {listen: 127.0.0.1:9187}");
        return;
    }
    check_keys(http, "http", {"listen", "ready_max_lag_seconds"}, problems);
    const std::string listen = scalar(http, "listen", "http.listen", true, problems);
    const auto colon = listen.rfind(':');
    std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {  // [::1]:9187
        host = host.substr(1, host.size() - 2);
    }
    const std::string port = colon == std::string::npos ? "" : listen.substr(colon + 1);
    if (!listen.empty()) {
        const bool digits = std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
        if (host.empty() || port.empty() || port.size() > 5 || !digits || std::stoul(port) > 65535) {
            problems.push_back("http.listen must be HOST:PORT, e.g. 127.0.0.1:9187 (port 0: any free port)");
        } else {
            out.http.host = host;
            out.http.port = static_cast<std::uint16_t>(std::stoul(port));
        }
    }
    const std::string lag = scalar(http, "ready_max_lag_seconds", "http.ready_max_lag_seconds", false, problems);
    if (!lag.empty()) {
        char* end = nullptr;
        const double v = std::strtod(lag.c_str(), &end);
        if (end == lag.c_str() || *end != '\0' || !(v > 0)) {
            problems.push_back("http.ready_max_lag_seconds must be a number of seconds above 0");
        } else {
            out.http.ready_max_lag_seconds = v;
        }
    }
}

Problems parse_root(const YAML::Node& root, Config& out) {
    Problems problems;
    if (!root.IsMap()) {
        return {"the config must be a YAML map (name, source, target, ...)"};
    }
    check_keys(root, "", {"name", "source", "target", "snapshot", "state_dir", "snapshot_jobs", "batch_transactions",
                          "snapshot_checkpoint_seconds", "log_level", "http", "reverse_of"},
               problems);
    out.name = scalar(root, "name", "name", true, problems);
    if (!out.name.empty() && !std::regex_match(out.name, std::regex("[a-z0-9_]+"))) {
        problems.push_back("name '" + out.name + "' must match [a-z0-9_]+ (it names the slot and publication)");
    } else if (out.name.size() > 50) {
        problems.push_back("name must be at most 50 characters (PostgreSQL slot names are limited to 63)");
    }
    out.reverse_of = scalar(root, "reverse_of", "reverse_of", false, problems);
    if (!out.reverse_of.empty() && !std::regex_match(out.reverse_of, std::regex("[a-z0-9_]+"))) {
        problems.push_back("reverse_of must be the name of a pipeline ([a-z0-9_]+)");
    }
    parse_source(root, out, problems);
    parse_target(root, out, problems);
    if (!out.reverse_of.empty() && out.target.type == "kafka") {
        problems.push_back("reverse_of needs a database target (postgres or mysql)");
    }
    parse_http(root, out, problems);
    const std::string snapshot = scalar(root, "snapshot", "snapshot", false, problems);
    if (snapshot.empty() || snapshot == "initial") {
        out.snapshot = SnapshotMode::Initial;
    } else if (snapshot == "never") {
        out.snapshot = SnapshotMode::Never;
    } else if (snapshot == "only") {
        out.snapshot = SnapshotMode::Only;
    } else {
        problems.push_back("snapshot must be initial, never or only (got '" + snapshot + "')");
    }
    out.state_dir = scalar(root, "state_dir", "state_dir", false, problems);
    if (out.state_dir.empty()) {
        out.state_dir = "./ferry-state/" + out.name;
    }
    out.snapshot_jobs = positive(root, "snapshot_jobs", 2, 64, problems);
    out.batch_transactions = positive(root, "batch_transactions", 1000, 1000000, problems);
    out.snapshot_checkpoint_seconds = whole_number(root, "snapshot_checkpoint_seconds", 10, 0, 86400, problems);
    const std::string level = scalar(root, "log_level", "log_level", false, problems);
    if (!level.empty()) {
        static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error"};
        if (!kLevels.contains(level)) {
            problems.push_back("log_level must be one of trace, debug, info, warn, error");
        }
        out.log_level = level;
    }
    return problems;
}

}  // namespace

std::vector<std::string> parse_config(const std::string& yaml_text, Config& out) {
    try {
        return parse_root(YAML::Load(yaml_text), out);
    } catch (const YAML::Exception& e) {
        return {"not valid YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")"};
    }
}

std::vector<std::string> load_config(const std::string& path, Config& out) {
    std::ifstream in(path);
    if (!in) {
        return {"cannot read config file " + path};
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), out);
}

}  // namespace ferry::agent

namespace ferry::agent {

namespace {
// A stable id in [2^30, 2^31), unlikely to collide with real servers' small ids.
std::uint32_t server_id_from(const std::string& text) {
    std::uint32_t h = 2166136261U;  // FNV-1a
    for (const char c : text) {
        h = (h ^ static_cast<std::uint8_t>(c)) * 16777619U;
    }
    return (h & 0x3FFFFFFFU) | 0x40000000U;
}
}  // namespace

std::uint32_t Config::mysql_server_id() const { return source.server_id != 0 ? source.server_id : server_id_from(name); }

std::uint32_t Config::reverse_server_id(const std::string& forward) { return server_id_from(reverse_origin(forward)); }

}  // namespace ferry::agent
