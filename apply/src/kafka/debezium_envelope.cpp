#include "debezium_envelope.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <variant>

#include "ferry/core/json_text.hpp"

namespace ferry::apply::kafka {

namespace {

void append_uint(std::string& out, std::uint64_t v) {
    std::array<char, 24> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), v).ptr;
    out.append(digits.data(), end);
}

void append_int(std::string& out, std::int64_t v) {
    std::array<char, 24> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), v).ptr;
    out.append(digits.data(), end);
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

// Debezium's transaction id: "txId:LSN" for PostgreSQL, the GTID (or file:pos) for MySQL/MariaDB.
std::string transaction_id(const ChangeContext& context) {
    if (const auto* lsn = std::get_if<PgLsn>(&context.position)) {
        return std::to_string(context.txid) + ":" + std::to_string(lsn->value);
    }
    const auto& binlog = std::get<BinlogPosition>(context.position);
    return context.gtid.empty() ? binlog.file + ":" + std::to_string(binlog.offset) : context.gtid;
}

}  // namespace

namespace {

// A PostgreSQL column's form, looking through domains (also domains over domains) to their base type.
ColumnForm postgres_form(const Column& c, const std::map<std::string, std::string>& domain_bases) {
    const ColumnForm form = pg_column_form(c);
    if (form.form != JsonForm::Text) {
        return form;
    }
    std::string type = c.type_name;
    for (int depth = 0; depth < 8; ++depth) {
        const auto it = domain_bases.find(type);
        if (it == domain_bases.end()) {
            return depth == 0 ? form : pg_type_name_form(type);
        }
        type = it->second;
    }
    return form;
}

}  // namespace

RecordEncoder::TableEncoding::TableEncoding(SchemaPtr schema, const std::map<std::string, std::string>& domain_bases)
    : table(std::move(schema)) {
    const TableSchema& t = *table;
    const bool keyless = t.primary_key.empty();
    for (const auto& c : t.columns) {
        forms.push_back(t.engine == Engine::Postgres ? postgres_form(c, domain_bases) : mysql_column_form(c));
        in_key.push_back(keyless || std::find(t.primary_key.begin(), t.primary_key.end(), c.name) != t.primary_key.end());
        std::string name;
        append_json_string(name, c.name);
        names.push_back(name + ":");
    }
    if (t.engine == Engine::Postgres) {
        schema_and_table = ",\"schema\":";
        append_json_string(schema_and_table, t.id.schema);
        schema_and_table += ",\"table\":";
        append_json_string(schema_and_table, t.id.name);
    } else {
        schema_and_table = ",\"db\":";
        append_json_string(schema_and_table, t.id.schema);
        schema_and_table += ",\"sequence\":null,\"table\":";
        append_json_string(schema_and_table, t.id.name);
    }
}

RecordEncoder::RecordEncoder(ValueOptions options, SourceBlock source, const std::vector<UserType>& types)
    : options_(options), source_(std::move(source)) {
    for (const auto& t : types) {
        if (t.kind == UserType::Kind::Domain) {
            domain_bases_[t.name] = t.base_type;
            domain_bases_[t.schema + "." + t.name] = t.base_type;
        }
    }
}

const RecordEncoder::TableEncoding& RecordEncoder::encoding_of(const SchemaPtr& table) {
    if (last_ != nullptr && last_->table == table) {
        return *last_;
    }
    auto it = tables_.find(table.get());
    if (it == tables_.end() || it->second.table != table) {
        if (tables_.size() >= 1000) {  // schemas replaced by DDL: keep the cache bounded
            tables_.clear();
        }
        it = tables_.insert_or_assign(table.get(), TableEncoding(table, domain_bases_)).first;
    }
    last_ = &it->second;
    return *last_;
}

// {"column": value, ...} of the columns in `only` (all when null); null for an empty row image.
Status RecordEncoder::append_row(std::string& out, const TableEncoding& e, const std::vector<Value>& row,
                                 const std::vector<bool>* only) const {
    if (row.empty()) {
        out += "null";
        return {};
    }
    const TableSchema& table = *e.table;
    if (row.size() != table.columns.size()) {
        return Status::error(Errc::Corruption, "a row image of " + display_name(table.id) + " has "
                                                   + std::to_string(row.size()) + " values for "
                                                   + std::to_string(table.columns.size()) + " columns");
    }
    out.push_back('{');
    bool first = true;
    for (std::size_t i = 0; i < row.size(); ++i) {
        if (only != nullptr && !(*only)[i]) {
            continue;
        }
        if (!first) {
            out.push_back(',');
        }
        first = false;
        out += e.names[i];
        if (Status st = append_json_value(e.forms[i], options_, row[i], out); !st.ok()) {
            return st.with_context(display_name(table.id) + " column " + table.columns[i].name);
        }
    }
    out.push_back('}');
    return {};
}

Result<bool> RecordEncoder::key(const RowChange& change, std::string& out) {
    out.clear();
    if (change.op == Op::Truncate) {
        return false;
    }
    const TableEncoding& e = encoding_of(change.table);
    const auto& row = change.op == Op::Delete || change.after.empty() ? change.before : change.after;
    if (Status st = append_row(out, e, row, &e.in_key); !st.ok()) {
        return st;
    }
    return true;
}

void RecordEncoder::append_source(std::string& out, const TableEncoding& e, const ChangeContext& context) const {
    const bool postgres = std::holds_alternative<PgLsn>(context.position);
    out += "{\"version\":";
    append_json_string(out, source_.version);
    out += postgres ? ",\"connector\":\"postgresql\",\"name\":" : ",\"connector\":\"mysql\",\"name\":";
    append_json_string(out, source_.name);
    out += ",\"ts_ms\":";
    append_int(out, context.commit_ms);
    out += ",\"snapshot\":";
    append_json_string(out, context.snapshot);
    if (postgres) {
        const std::uint64_t lsn = std::get<PgLsn>(context.position).value;
        out += ",\"db\":";
        append_json_string(out, source_.database);
        out += ",\"sequence\":\"[null,\\\"";
        append_uint(out, lsn);
        out += "\\\"]\"";
        out += e.schema_and_table;
        out += ",\"txId\":";
        if (context.txid == 0) {
            out += "null";
        } else {
            append_uint(out, context.txid);
        }
        out += ",\"lsn\":";
        append_uint(out, lsn);
        out += ",\"xmin\":null}";
        return;
    }
    const auto& binlog = std::get<BinlogPosition>(context.position);
    out += e.schema_and_table;
    out += ",\"server_id\":";
    append_uint(out, context.server_id != 0 ? context.server_id : source_.server_id);
    out += ",\"gtid\":";
    if (context.gtid.empty()) {
        out += "null";
    } else {
        append_json_string(out, context.gtid);
    }
    out += ",\"file\":";
    append_json_string(out, binlog.file);
    out += ",\"pos\":";
    append_uint(out, binlog.offset);
    out += ",\"row\":0,\"thread\":null,\"query\":null}";
}

Status RecordEncoder::value(const RowChange& change, const ChangeContext& context, std::string& out) {
    out.clear();
    const TableEncoding& e = encoding_of(change.table);
    out += "{\"before\":";
    if (Status st = append_row(out, e, change.before, nullptr); !st.ok()) {
        return st;
    }
    out += ",\"after\":";
    if (Status st = append_row(out, e, change.after, nullptr); !st.ok()) {
        return st;
    }
    out += ",\"source\":";
    append_source(out, e, context);
    out += ",\"op\":\"";
    out += op_code(change, context.snapshot_read);
    out += "\",\"ts_ms\":";
    append_int(out, context.now_ms);
    out += ",\"transaction\":";
    if (context.total_order == 0) {
        out += "null}";
        return {};
    }
    if (transaction_id_.empty() || transaction_txid_ != context.txid || !(transaction_of_ == context.position)
        || transaction_gtid_ != context.gtid) {
        transaction_gtid_ = context.gtid;
        transaction_of_ = context.position;
        transaction_txid_ = context.txid;
        transaction_id_.clear();
        append_json_string(transaction_id_, transaction_id(context));
    }
    out += "{\"id\":";
    out += transaction_id_;
    out += ",\"total_order\":";
    append_uint(out, context.total_order);
    out += ",\"data_collection_order\":";
    append_uint(out, context.collection_order);
    out += "}}";
    return {};
}

Result<std::optional<std::string>> record_key(const RowChange& change, const ValueOptions& options) {
    RecordEncoder encoder(options, {});
    std::string out;
    auto has = encoder.key(change, out);
    if (!has.ok()) {
        return has.status();
    }
    return has.value() ? std::optional<std::string>(std::move(out)) : std::nullopt;
}

Result<std::string> record_value(const RowChange& change, const SourceBlock& source, const ChangeContext& context,
                                 const ValueOptions& options) {
    RecordEncoder encoder(options, source);
    std::string out;
    if (Status st = encoder.value(change, context, out); !st.ok()) {
        return st;
    }
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
