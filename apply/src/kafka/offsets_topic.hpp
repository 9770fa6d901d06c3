// Ferry's positions in Kafka itself (exactly-once): the topic <topic_prefix>.offsets, compacted,
// keyed by what the position is of. Each record is written inside the Kafka transaction whose
// records it vouches for, so a read_committed reader finds exactly the positions whose records
// were committed.
//
//   key "<pipeline>"                          value "position=<position>"  the stream's applied position
//   key "<pipeline>/copy/<schema>.<table>"    value "position=<position>\nrows=<N>"  a table copied whole
//
// A tombstone (no value) forgets a key. Positions are format_position's text.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ferry/apply/kafka_apply.hpp"

namespace ferry::apply::kafka {

std::string offsets_topic(const KafkaTargetConfig& config);
std::string stream_key(const KafkaTargetConfig& config);
std::string copy_key(const KafkaTargetConfig& config, const TableId& table);

std::string position_value(const SourcePosition& position, std::optional<std::uint64_t> rows = std::nullopt);
// The position of a position_value; nullopt when it is none.
std::optional<SourcePosition> parse_position_value(const std::string& value);

// The last committed value of every key (nullopt: a tombstone), read with a read_committed
// consumer up to the end of the topic; empty when the topic does not exist yet.
Result<std::map<std::string, std::optional<std::string>>> read_offsets(const KafkaTargetConfig& config);

}  // namespace ferry::apply::kafka
