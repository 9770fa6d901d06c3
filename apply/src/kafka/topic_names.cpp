#include "topic_names.hpp"

#include <map>

#include "ferry/core/names.hpp"

namespace ferry::apply::kafka {

namespace {

// One '_' per illegal character: a multi-byte UTF-8 character counts once.
void append_legal(std::string& out, std::string_view part) {
    for (const char c : part) {
        if ((static_cast<unsigned char>(c) & 0xC0U) == 0x80U) {
            continue;  // a UTF-8 continuation byte
        }
        const bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                           || c == '_' || c == '-';
        out.push_back(legal ? c : '_');
    }
}

}  // namespace

std::string topic_name(std::string_view prefix, const TableId& table) {
    std::string out;
    append_legal(out, prefix);
    out.push_back('.');
    append_legal(out, table.schema);
    out.push_back('.');
    append_legal(out, table.name);
    return out;
}

std::string check_topic_names(std::string_view prefix, const std::vector<TableId>& tables) {
    constexpr std::size_t kMaxTopicLength = 249;
    std::map<std::string, const TableId*> seen;
    std::string problems;
    const auto add = [&](const std::string& problem) { problems += (problems.empty() ? "" : "; ") + problem; };
    for (const auto& t : tables) {
        const std::string topic = topic_name(prefix, t);
        if (topic.size() > kMaxTopicLength) {
            add("the topic of " + display_name(t) + " would be longer than Kafka's 249 characters; choose a shorter "
                "target.topic_prefix or leave the table out");
        }
        const auto [it, fresh] = seen.emplace(topic, &t);
        if (!fresh) {
            add(display_name(*it->second) + " and " + display_name(t) + " would share topic " + topic
                + "; leave one of them out");
        }
    }
    return problems;
}

}  // namespace ferry::apply::kafka
