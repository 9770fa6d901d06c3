#include "relation_cache.hpp"

namespace ferry::capture::pg {

RelationCache::RelationCache(const std::vector<TableSchema>& tables, TypeNamer namer) : namer_(std::move(namer)) {
    for (const auto& t : tables) {
        captured_.emplace(t.id, std::make_shared<const TableSchema>(t));
    }
}

Status RelationCache::update(const RelationMsg& msg) {
    const TableId id{msg.schema.empty() ? "pg_catalog" : msg.schema, msg.name};
    const auto it = captured_.find(id);
    if (it == captured_.end()) {
        const auto known = by_relid_.find(msg.relid);
        if (known != by_relid_.end() && known->second) {
            // Same relation, new name: its changes must not silently stop arriving at the target.
            return Status::error(Errc::Unsupported, "captured table " + display_name(known->second->id)
                                                        + " was renamed to " + display_name(id)
                                                        + " at the source; rename the target table and the entry "
                                                          "in source.tables to match, then restart");
        }
        by_relid_[msg.relid] = nullptr;
        return {};
    }
    const TableSchema& known = *it->second;
    bool same = known.columns.size() == msg.columns.size();
    for (std::size_t i = 0; same && i < msg.columns.size(); ++i) {
        same = known.columns[i].name == msg.columns[i].name && known.columns[i].type_oid == msg.columns[i].type_oid;
    }
    if (same) {
        by_relid_[msg.relid] = it->second;
        return {};
    }
    // The table changed shape since startup (DDL at the source): describe it as the stream does.
    auto changed = std::make_shared<TableSchema>();
    changed->id = id;
    changed->primary_key = known.primary_key;
    bool has_key = false;
    for (const auto& rc : msg.columns) {
        Column c;
        c.name = rc.name;
        c.type_oid = rc.type_oid;
        c.is_key = rc.is_key;
        has_key = has_key || rc.is_key;
        for (const auto& k : known.columns) {
            if (k.name == rc.name && k.type_oid == rc.type_oid) {
                c.type_name = k.type_name;
                c.is_nullable = k.is_nullable;
            }
        }
        if (c.type_name.empty()) {
            auto name = namer_(rc.type_oid, rc.type_modifier);
            if (!name.ok()) {
                return name.status();
            }
            c.type_name = name.value();
        }
        changed->columns.push_back(std::move(c));
    }
    changed->identity = msg.replica_identity == 'f' && known.identity == Identity::FullRow ? Identity::FullRow
                                                                                           : Identity::Key;
    if (!has_key) {
        return Status::error(Errc::Unsupported, "table " + display_name(id)
                                                    + " no longer has a replica identity; add a primary key or set "
                                                      "REPLICA IDENTITY FULL");
    }
    SchemaPtr ptr = changed;
    captured_[id] = ptr;
    by_relid_[msg.relid] = ptr;
    return {};
}

Result<SchemaPtr> RelationCache::find(std::uint32_t relid) const {
    const auto it = by_relid_.find(relid);
    if (it == by_relid_.end()) {
        return Status::error(Errc::Corruption, "change for relation " + std::to_string(relid)
                                                   + " arrived before its Relation message");
    }
    return it->second;
}

}  // namespace ferry::capture::pg
