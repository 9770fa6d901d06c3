#include "debezium_envelope.hpp"

#include <algorithm>
#include <functional>
#include <variant>

#include "ferry/core/json_text.hpp"

namespace ferry::apply::kafka {

namespace {

ColumnForm form_of(const TableSchema& table, const Column& column) {
    // MySQL/MariaDB columns get forms of their own when Kafka serves those sources; text meanwhile.
    return table.engine == Engine::Postgres ? pg_column_form(column) : ColumnForm{};
}

void append_key(std::string& out, std::string_view name) {
    append_json_string(out, name);
    out.push_back(':');
}

// {"column": value, ...} for the columns `wanted` accepts; null for an empty row image.
Status append_row(std::string& out, const TableSchema& table, const std::vector<Value>& row, const ValueOptions& options,
                  const std::function<bool(const Column&)>& wanted) {
    if (row.empty()) {
        out += "null";
        return {};
    }
    if (row.size() != table.columns.size()) {
        return Status::error(Errc::Corruption, "a row image of " + display_name(table.id) + " has "
                                                   + std::to_string(row.size()) + " values for "
                                                   + std::to_string(table.columns.size()) + " columns");
    }
    out.push_back('{');
    bool first = true;
    for (std::size_t i = 0; i < row.size(); ++i) {
        const Column& c = table.columns[i];
        if (!wanted(c)) {
            continue;
        }
        if (!first) {
            out.push_back(',');
        }
        first = false;
        append_key(out, c.name);
        if (Status st = append_json_value(form_of(table, c), options, row[i], out); !st.ok()) {
            return st.with_context(display_name(table.id) + " column " + c.name);
        }
    }
    out.push_back('}');
    return {};
}

const char* op_code(const RowChange& change, bool snapshot_read) {
    switch (change.op) {
        case Op::Insert: return snapshot_read ? "r" : "c";
        case Op::Update: return "u";
        case Op::Delete: return "d";
        case Op::Truncate: return "t";
    }
    return "c";
}

void append_source(std::string& out, const TableSchema& table, const SourceBlock& source, const ChangeContext& context) {
    const bool postgres = std::holds_alternative<PgLsn>(context.position);
    out += "{\"version\":";
    append_json_string(out, source.version);
    out += postgres ? ",\"connector\":\"postgresql\",\"name\":" : ",\"connector\":\"mysql\",\"name\":";
    append_json_string(out, source.name);
    out += ",\"ts_ms\":" + std::to_string(context.commit_ms) + ",\"snapshot\":";
    append_json_string(out, context.snapshot);
    out += ",\"db\":";
    append_json_string(out, postgres ? source.database : table.id.schema);
    if (postgres) {
        const std::string lsn = std::to_string(std::get<PgLsn>(context.position).value);
        out += ",\"sequence\":";
        append_json_string(out, "[null,\"" + lsn + "\"]");
        out += ",\"schema\":";
        append_json_string(out, table.id.schema);
        out += ",\"table\":";
        append_json_string(out, table.id.name);
        out += ",\"txId\":" + (context.txid == 0 ? std::string("null") : std::to_string(context.txid));
        out += ",\"lsn\":" + lsn + ",\"xmin\":null}";
        return;
    }
    const auto& binlog = std::get<BinlogPosition>(context.position);
    out += ",\"sequence\":null,\"table\":";
    append_json_string(out, table.id.name);
    out += ",\"server_id\":" + std::to_string(source.server_id) + ",\"gtid\":";
    if (binlog.gtid.empty()) {
        out += "null";
    } else {
        append_json_string(out, binlog.gtid);
    }
    out += ",\"file\":";
    append_json_string(out, binlog.file);
    out += ",\"pos\":" + std::to_string(binlog.offset) + ",\"row\":0,\"thread\":null,\"query\":null}";
}

// Debezium's transaction id: "txId:LSN" for PostgreSQL, the GTID (or file:pos) for MySQL/MariaDB.
std::string transaction_id(const ChangeContext& context) {
    if (const auto* lsn = std::get_if<PgLsn>(&context.position)) {
        return std::to_string(context.txid) + ":" + std::to_string(lsn->value);
    }
    const auto& binlog = std::get<BinlogPosition>(context.position);
    return binlog.gtid.empty() ? binlog.file + ":" + std::to_string(binlog.offset) : binlog.gtid;
}

}  // namespace

Result<std::optional<std::string>> record_key(const RowChange& change, const ValueOptions& options) {
    if (change.op == Op::Truncate) {
        return std::optional<std::string>{};
    }
    const TableSchema& table = *change.table;
    const auto& row = change.op == Op::Delete || change.after.empty() ? change.before : change.after;
    const bool keyless = table.primary_key.empty();
    std::string out;
    const Status st = append_row(out, table, row, options, [&](const Column& c) {
        return keyless || std::find(table.primary_key.begin(), table.primary_key.end(), c.name) != table.primary_key.end();
    });
    if (!st.ok()) {
        return st;
    }
    return std::optional<std::string>{std::move(out)};
}

Result<std::string> record_value(const RowChange& change, const SourceBlock& source, const ChangeContext& context,
                                 const ValueOptions& options) {
    const TableSchema& table = *change.table;
    const auto every = [](const Column&) { return true; };
    std::string out = "{\"before\":";
    if (Status st = append_row(out, table, change.before, options, every); !st.ok()) {
        return st;
    }
    out += ",\"after\":";
    if (Status st = append_row(out, table, change.after, options, every); !st.ok()) {
        return st;
    }
    out += ",\"source\":";
    append_source(out, table, source, context);
    out += ",\"op\":\"";
    out += op_code(change, context.snapshot_read);
    out += "\",\"ts_ms\":" + std::to_string(context.now_ms) + ",\"transaction\":";
    if (context.total_order == 0) {
        out += "null}";
        return out;
    }
    out += "{\"id\":";
    append_json_string(out, transaction_id(context));
    out += ",\"total_order\":" + std::to_string(context.total_order)
           + ",\"data_collection_order\":" + std::to_string(context.collection_order) + "}}";
    return out;
}

std::string transaction_key(const ChangeContext& context) {
    std::string out = "{\"id\":";
    append_json_string(out, transaction_id(context));
    out.push_back('}');
    return out;
}

std::string transaction_begin(const ChangeContext& context) {
    std::string out = "{\"status\":\"BEGIN\",\"id\":";
    append_json_string(out, transaction_id(context));
    out += ",\"ts_ms\":" + std::to_string(context.commit_ms) + ",\"event_count\":null,\"data_collections\":null}";
    return out;
}

std::string transaction_end(const ChangeContext& context, const std::vector<CollectionCount>& collections) {
    std::string out = "{\"status\":\"END\",\"id\":";
    append_json_string(out, transaction_id(context));
    out += ",\"ts_ms\":" + std::to_string(context.commit_ms) + ",\"event_count\":" + std::to_string(context.total_order)
           + ",\"data_collections\":[";
    for (std::size_t i = 0; i < collections.size(); ++i) {
        out += i == 0 ? "{\"data_collection\":" : ",{\"data_collection\":";
        append_json_string(out, collections[i].table.schema + "." + collections[i].table.name);
        out += ",\"event_count\":" + std::to_string(collections[i].events) + "}";
    }
    out += "]}";
    return out;
}

}  // namespace ferry::apply::kafka
