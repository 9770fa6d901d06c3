// Kafka topic names of captured tables: <topic_prefix>.<schema>.<table>, with every character Kafka
// does not allow in a topic name (anything but letters, digits, '.', '_' and '-') replaced by one
// '_' (a multi-byte UTF-8 character too), as Debezium does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/event.hpp"

namespace ferry::apply::kafka {

std::string topic_name(std::string_view prefix, const TableId& table);

// Problems with the topic names of these tables: two tables on one topic (names that differ only in
// replaced characters), or a name longer than Kafka's 249 characters. "" when there are none.
std::string check_topic_names(std::string_view prefix, const std::vector<TableId>& tables);

}  // namespace ferry::apply::kafka
