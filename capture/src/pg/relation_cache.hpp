// RelationCache: pgoutput relation id -> the captured table's schema. Pure state, no I/O: a type the
// startup catalog did not know is named through the injected `TypeNamer`.
#pragma once

#include <functional>
#include <map>
#include <unordered_map>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"
#include "pgoutput.hpp"

namespace ferry::capture::pg {

// format_type(oid, typmod) at the source.
using TypeNamer = std::function<Result<std::string>(std::uint32_t oid, std::int32_t typmod)>;

class RelationCache {
public:
    RelationCache(const std::vector<TableSchema>& tables, TypeNamer namer);

    // Records a Relation message. Tables that are not captured map to nullptr.
    Status update(const RelationMsg& msg);
    // The schema for a relation id; Corruption when no Relation message announced it.
    Result<SchemaPtr> find(std::uint32_t relid) const;

private:
    std::map<TableId, SchemaPtr> captured_;  // startup catalog; replaced when a Relation changes shape
    std::unordered_map<std::uint32_t, SchemaPtr> by_relid_;
    TypeNamer namer_;
};

}  // namespace ferry::capture::pg
