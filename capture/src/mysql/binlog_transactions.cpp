#include "binlog_transactions.hpp"

#include <algorithm>
#include <utility>

#include "ddl_statement.hpp"
#include "ferry/core/mysql_types.hpp"
#include "schema_evolution.hpp"

namespace ferry::capture::mysql {

namespace {

using Kind = MysqlType::Kind;

std::string lower_prefix(std::string_view s, std::size_t n) {
    std::string out;
    for (const char c : s.substr(0, n)) {
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) != 0 || s.back() == ';')) {
        s.remove_suffix(1);
    }
    return s;
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && lower_prefix(a, a.size()) == b; }

// The binlog type codes a column declared as `kind` may arrive with.
bool binlog_type_matches(Kind kind, std::uint8_t type) {
    switch (kind) {
        case Kind::TinyInt: return type == kTypeTiny;
        case Kind::SmallInt: return type == kTypeShort;
        case Kind::MediumInt: return type == kTypeInt24;
        case Kind::Int: return type == kTypeLong;
        case Kind::BigInt: return type == kTypeLongLong;
        case Kind::Decimal: return type == kTypeNewDecimal;
        case Kind::Float: return type == kTypeFloat;
        case Kind::Double: return type == kTypeDouble;
        case Kind::Bit: return type == kTypeBit;
        case Kind::Year: return type == kTypeYear;
        case Kind::Date: return type == kTypeDate || type == kTypeNewDate;
        case Kind::Time: return type == kTypeTime2 || type == kTypeTime;
        case Kind::DateTime: return type == kTypeDateTime2 || type == kTypeDateTime;
        case Kind::Timestamp: return type == kTypeTimestamp2 || type == kTypeTimestamp;
        case Kind::Char: case Kind::Binary: return type == kTypeString;
        case Kind::VarChar: case Kind::VarBinary: return type == kTypeVarchar || type == kTypeVarString;
        case Kind::Text: case Kind::Blob: case Kind::Json:
            return type == kTypeBlob || type == kTypeTinyBlob || type == kTypeMediumBlob || type == kTypeLongBlob
                   || type == kTypeJson;
        case Kind::Enum: return type == kTypeEnum;
        case Kind::Set: return type == kTypeSet;
        case Kind::Other: return false;
    }
    return false;
}

}  // namespace

TransactionAssembler::TransactionAssembler(const std::vector<TableSchema>& tables, CollationCharsets charsets,
                                           BinlogPosition start, std::size_t max_batch_changes)
    : charsets_(std::move(charsets))
    , max_batch_changes_(max_batch_changes)
    , file_(start.file)
    , position_(start)
    , gtid_(GtidState::parse(start.gtid)) {
    for (const auto& t : tables) {
        schemas_[t.id] = std::make_shared<const TableSchema>(t);
    }
}

void TransactionAssembler::set_scope(std::vector<TablePattern> patterns, std::optional<BinlogPosition> catalog_read_after,
                                     std::map<TableId, BinlogPosition> schema_valid_from) {
    patterns_ = std::move(patterns);
    catalog_read_after_ = std::move(catalog_read_after);
    schema_valid_from_ = std::move(schema_valid_from);
}

SchemaPtr TransactionAssembler::captured(const TableId& id) const {
    const auto it = schemas_.find(id);
    if (it == schemas_.end()) {
        return {};
    }
    const auto from = schema_valid_from_.find(id);
    return from != schema_valid_from_.end() && group_start_ < from->second ? SchemaPtr{} : it->second;
}

// Not captured yet, and the catalog was read before this statement: never leave its rows out.
bool TransactionAssembler::appears(const TableId& id) const {
    if (!catalog_read_after_ || group_start_ < *catalog_read_after_ || schemas_.contains(id)) {
        return false;
    }
    return std::any_of(patterns_.begin(), patterns_.end(), [&](const TablePattern& p) { return p.matches(id); });
}

// A captured table dropped (or renamed away): at the target too. Before the catalog was read, a
// table of that name in the catalog is a newer one (re-created, or renamed in): the catalog is read
// again once this is applied, so that it is copied afresh.
void TransactionAssembler::drop(const SchemaPtr& table, const QueryEvent& q, const DecodedEvent& ev,
                                std::deque<Event>& out) {
    ensure_begun(ev, out);
    flush_batch(out);
    out.emplace_back(SchemaChange{table, nullptr, {}, statement_excerpt(q.statement)});
    schemas_.erase(table->id);
    tables_changed_ = tables_changed_ || (catalog_read_after_ && group_start_ < *catalog_read_after_);
}

// RENAME TABLE a TO b, c TO d: a captured table renamed away is dropped (at the target too: the
// source has no such table any more); a name that starts to match source.tables has the catalog
// read again after this transaction, and its table copied. A swap (t TO t_old, t_new TO t) thus
// copies the new t afresh.
Status TransactionAssembler::on_rename(const DdlStatement& ddl, const QueryEvent& q, const DecodedEvent& ev,
                                       std::deque<Event>& out) {
    for (std::size_t i = 0; i + 1 < ddl.tables.size(); i += 2) {
        if (auto schema = captured(ddl.tables[i])) {
            drop(schema, q, ev, out);
        }
        if (appears(ddl.tables[i + 1])) {
            ensure_begun(ev, out);
            tables_changed_ = true;
        }
    }
    return {};
}

// ALTER TABLE a ..., RENAME [TO|AS] b is followed as RENAME TABLE a TO b: whatever else the
// statement changes, b is copied afresh from the catalog.
std::optional<DdlStatement> TransactionAssembler::renamed_by_alter(const DdlStatement& ddl, const QueryEvent& q) {
    if (ddl.kind != DdlStatement::Kind::AlterTable || ddl.tables.empty()
        || lower_prefix(q.statement, q.statement.size()).find("rename") == std::string::npos) {
        return std::nullopt;
    }
    auto ops = parse_alter_table(q.statement, q.database);
    if (!ops.ok()) {
        return std::nullopt;  // on a captured table, on_alter reports it
    }
    for (const auto& op : ops.value()) {
        if (op.kind == AlterOp::Kind::RenameTable && !op.new_table.name.empty()) {
            DdlStatement rename;
            rename.kind = DdlStatement::Kind::RenameTable;
            rename.tables = {ddl.tables.front(), op.new_table};
            return rename;
        }
    }
    return std::nullopt;
}

std::string TransactionAssembler::where(const DecodedEvent& ev) const {
    const std::uint32_t end = ev.header.next_position;
    return file_ + ":" + std::to_string(end >= ev.header.event_size ? end - ev.header.event_size : 0);
}

Status TransactionAssembler::feed(std::string_view event, std::deque<Event>& out) {
    std::uint8_t type = event.size() > 4 ? static_cast<std::uint8_t>(event[4]) : 0;
    if (type == kFormatDescriptionEvent) {
        auto fd = decode_format_description(event);
        if (!fd.ok()) {
            return fd.status();
        }
        checksum_ = fd.value().checksum;
        seen_format_ = true;
        mariadb_ = fd.value().server_version.find("MariaDB") != std::string::npos;
        return {};
    }
    // Events the dump thread generates (heartbeats; the rotate that comes before the first format
    // description) may or may not carry a checksum: take the CRC32 footer when it is one.
    const bool generated = type == kHeartbeatEvent || (type == kRotateEvent && !seen_format_);
    auto split = split_event(event, generated ? Checksum::Crc32 : checksum_);
    if (generated && !split.ok()) {
        split = split_event(event, Checksum::None);
    }
    if (!split.ok()) {
        return split.status();
    }
    const DecodedEvent& ev = split.value();
    switch (ev.header.type) {
        case kRotateEvent: {
            auto r = decode_rotate(ev);
            if (!r.ok()) {
                return r.status();
            }
            file_ = r.value().next_file;
            if (!in_group_ && position_.file != file_ && r.value().position <= 4) {
                // Nothing of the old file is left to read: the next file's start is a boundary too.
                position_ = {file_, r.value().position, position_.gtid};
            }
            return {};
        }
        case kMariaGtidEvent: {
            auto g = decode_maria_gtid(ev);
            if (!g.ok()) {
                return g.status();
            }
            begin_group(ev);
            group_domain_ = g.value().domain;
            group_server_ = ev.header.server_id;
            group_sequence_ = g.value().sequence;
            return {};
        }
        case kMysqlGtidEvent: {
            auto g = decode_mysql_gtid(ev);
            if (!g.ok()) {
                return g.status();
            }
            begin_group(ev);
            group_mysql_uuid_ = format_uuid(g.value().source_uuid);
            group_mysql_number_ = g.value().number;
            return {};
        }
        case kMysqlAnonymousGtidEvent:
            begin_group(ev);
            return {};
        case kQueryEvent: case kMariaQueryCompressed:
            return on_query(ev, out);
        case kTableMapEvent:
            return on_table_map(ev);
        case kXidEvent:
            end_group(ev, out);
            return {};
        case kHeartbeatEvent:
            if (!in_group_) {
                out.emplace_back(Heartbeat{position_});
            }
            return {};
        case kMysqlPartialUpdateRows:
            return Status::error(Errc::Unsupported, "partial JSON updates at " + where(ev)
                                                        + ": set binlog_row_value_options='' on the source");
        case kMysqlTransactionPayload:
            return Status::error(Errc::Unsupported, "compressed transaction payloads at " + where(ev)
                                                        + ": set binlog_transaction_compression=OFF on the source");
        case kMariaGtidListEvent: case kMariaBinlogCheckpoint: case kMysqlPreviousGtidsEvent:
            // Between transactions (a new file's preamble, checkpoints): resuming after it skips
            // nothing, and the server's position (SHOW MASTER STATUS) after a rotation is past it.
            if (!in_group_ && position_.file == file_ && ev.header.next_position > position_.offset) {
                position_.offset = ev.header.next_position;
            }
            return {};
        case 38:  // XA_PREPARE_LOG_EVENT
            return Status::error(Errc::Unsupported, "an XA transaction at " + where(ev) + " (XA is not supported yet)");
        default:
            return is_rows_event(ev.header.type) ? on_rows(ev, out) : Status();
    }
}

void TransactionAssembler::begin_group(const DecodedEvent& ev) {
    in_group_ = true;
    begun_ = false;
    standalone_ = true;  // until a BEGIN says otherwise
    group_mysql_uuid_.clear();
    const std::uint32_t start = ev.header.next_position >= ev.header.event_size
                                    ? ev.header.next_position - ev.header.event_size
                                    : static_cast<std::uint32_t>(position_.offset);
    group_start_ = {file_, start, gtid_.format()};
}

void TransactionAssembler::ensure_begun(const DecodedEvent& ev, std::deque<Event>& out) {
    if (!in_group_) {
        begin_group(ev);
    }
    if (begun_) {
        return;
    }
    begun_ = true;
    TxnBegin b;
    b.commit_position = group_start_;
    b.commit_time = std::chrono::system_clock::time_point(std::chrono::seconds(ev.header.timestamp));
    b.server_id = ev.header.server_id;
    if (group_sequence_ != 0) {
        b.gtid = std::to_string(group_domain_) + "-" + std::to_string(group_server_) + "-" + std::to_string(group_sequence_);
    } else if (!group_mysql_uuid_.empty()) {
        b.gtid = group_mysql_uuid_ + ":" + std::to_string(group_mysql_number_);
    }
    out.emplace_back(std::move(b));
}

void TransactionAssembler::flush_batch(std::deque<Event>& out) {
    if (!batch_.changes.empty()) {
        out.emplace_back(std::move(batch_));
        batch_ = ChangeBatch{};
    }
}

void TransactionAssembler::end_group(const DecodedEvent& ev, std::deque<Event>& out) {
    if (!in_group_) {
        begin_group(ev);
    }
    if (group_sequence_ != 0) {
        gtid_.add_mariadb(group_domain_, group_server_, group_sequence_);
    } else if (!group_mysql_uuid_.empty()) {
        gtid_.add_mysql(group_mysql_uuid_, group_mysql_number_);
    }
    position_ = {file_, ev.header.next_position, gtid_.format()};
    if (begun_) {
        flush_batch(out);
        TxnCommit c;
        c.commit_position = group_start_;
        c.end_position = position_;
        c.commit_time = std::chrono::system_clock::time_point(std::chrono::seconds(ev.header.timestamp));
        c.tables_changed = std::exchange(tables_changed_, false);
        out.emplace_back(std::move(c));
    }
    in_group_ = false;
    begun_ = false;
    group_sequence_ = 0;
    group_mysql_uuid_.clear();
}

Status TransactionAssembler::on_query(const DecodedEvent& ev, std::deque<Event>& out) {
    auto q = decode_query(ev);
    if (!q.ok()) {
        return q.status();
    }
    const std::string_view stmt = trim(q.value().statement);
    if (iequals(stmt, "begin")) {
        if (!in_group_) {
            begin_group(ev);
        }
        standalone_ = false;
        return {};
    }
    if (iequals(stmt, "commit") || iequals(stmt, "rollback")) {
        end_group(ev, out);
        return {};
    }
    const std::string head = lower_prefix(stmt, 18);
    if (head.starts_with("savepoint") || head.starts_with("rollback to") || head.starts_with("release savepoint")) {
        return {};
    }
    if (!in_group_) {
        begin_group(ev);
    }
    if (Status st = on_ddl(q.value(), ev, out); !st.ok()) {
        return st;
    }
    if (standalone_) {
        end_group(ev, out);
    }
    return {};
}

Status TransactionAssembler::on_ddl(const QueryEvent& q, const DecodedEvent& ev, std::deque<Event>& out) {
    const auto ddl = classify_statement(q.statement, q.database);
    if (ddl.kind == DdlStatement::Kind::NotDdl) {
        const std::string head = lower_prefix(trim(q.statement), 8);
        for (const char* dml : {"insert", "update", "delete", "replace", "load"}) {
            if (head.starts_with(dml)) {
                return Status::error(Errc::Unsupported, "a change logged as a statement at " + where(ev)
                                                            + ": Ferry needs row events; set binlog_format=ROW "
                                                              "for every session (also sessions that set it themselves)");
            }
        }
        return {};
    }
    if (ddl.temporary) {
        return {};  // a temporary table shadows a table of the same name only in its own session
    }
    if (ddl.kind == DdlStatement::Kind::RenameTable) {
        return on_rename(ddl, q, ev, out);
    }
    if (auto renamed = renamed_by_alter(ddl, q)) {
        return on_rename(*renamed, q, ev, out);
    }
    if (ddl.kind == DdlStatement::Kind::CreateTable && !ddl.tables.empty() && appears(ddl.tables.front())) {
        ensure_begun(ev, out);
        tables_changed_ = true;
        return {};
    }
    std::vector<SchemaPtr> captured;
    for (const auto& id : ddl.tables) {
        if (auto schema = this->captured(id)) {
            captured.push_back(std::move(schema));
        }
    }
    if (ddl.kind == DdlStatement::Kind::DropDatabase) {  // drops its captured tables
        for (const auto& [id, schema] : schemas_) {
            if (id.schema == ddl.database && this->captured(id)) {
                captured.push_back(schema);
            }
        }
    }
    if (captured.empty()) {
        return {};
    }
    if (ddl.kind == DdlStatement::Kind::Truncate) {
        ensure_begun(ev, out);
        RowChange c;
        c.op = Op::Truncate;
        c.table = captured.front();
        batch_.changes.push_back(std::move(c));
        return {};
    }
    if (ddl.kind == DdlStatement::Kind::AlterTable) {
        return on_alter(q, captured.front(), ev, out);
    }
    if (ddl.kind == DdlStatement::Kind::DropTable || ddl.kind == DdlStatement::Kind::DropDatabase) {
        for (const auto& table : captured) {
            drop(table, q, ev, out);
        }
        return {};
    }
    return Status::error(Errc::Unsupported, "DDL on captured table " + display_name(captured.front()->id) + " at "
                                                + where(ev) + ": \"" + statement_excerpt(q.statement)
                                                + "\"; Ferry follows ALTER TABLE (columns and primary key), DROP TABLE and TRUNCATE: "
                                                  "make the same change at the target, then start over with an empty "
                                                  "state_dir");
}

// The table's next schema comes from the statement (schema_evolution.hpp): it names the binlog's
// columns from here on, and the sinks apply the same change at the target.
Status TransactionAssembler::on_alter(const QueryEvent& q, const SchemaPtr& table, const DecodedEvent& ev,
                                      std::deque<Event>& out) {
    const auto fail = [&](const Status& why) {
        return Status::error(Errc::Unsupported, "DDL on captured table " + display_name(table->id) + " at " + where(ev)
                                                    + ": \"" + statement_excerpt(q.statement) + "\": " + why.message()
                                                    + "; make the same change at the target, then start over with an "
                                                      "empty state_dir");
    };
    auto ops = parse_alter_table(q.statement, q.database);
    if (!ops.ok()) {
        return fail(ops.status());
    }
    auto evolved = apply_alter(*table, ops.value());
    if (!evolved.ok()) {
        return fail(evolved.status());
    }
    if (evolved.value().table.same_shape(*table) && evolved.value().table.primary_key == table->primary_key) {
        return {};  // indexes, defaults, table options
    }
    auto after = std::make_shared<const TableSchema>(std::move(evolved.value().table));
    ensure_begun(ev, out);
    flush_batch(out);
    out.emplace_back(SchemaChange{table, after, std::move(evolved.value().changes), statement_excerpt(q.statement)});
    schemas_[table->id] = after;
    return {};
}

// Every table map must agree with the schema followed so far, column by column (names too, when the
// map carries them): values are never read into the wrong column. Maps without names
// (binlog_row_metadata=MINIMAL) get them, and ENUM/SET labels, from that schema.
Result<SchemaPtr> TransactionAssembler::schema_for(TableMap& map, const DecodedEvent& ev) {
    const SchemaPtr schema = captured(TableId{map.database, map.table});
    if (!schema) {
        return SchemaPtr{};
    }
    const TableSchema& known = *schema;
    auto& cols = map.columns;
    for (std::size_t i = 0; i < std::max(cols.size(), known.columns.size()); ++i) {
        const bool same = i < cols.size() && i < known.columns.size()
                          && (!map.has_full_metadata || cols[i].name == known.columns[i].name)
                          && binlog_type_matches(parse_mysql_type(known.columns[i].type_name).kind, cols[i].type);
        if (!same) {
            const std::string binlog = i < cols.size() ? (cols[i].name.empty() ? "a column" : cols[i].name)
                                                             + " of binlog type " + std::to_string(cols[i].type)
                                                       : "nothing";
            const std::string followed = i < known.columns.size()
                                             ? known.columns[i].name + " " + known.columns[i].type_name
                                             : "nothing";
            return Status::error(Errc::Unsupported,
                                 "the binlog's columns of " + display_name(known.id) + " at " + where(ev)
                                     + " differ from the schema Ferry followed (column " + std::to_string(i + 1) + ": "
                                     + binlog + " where Ferry expects " + followed
                                     + "); was the table changed with the binlog off? Make the target match the "
                                       "source, then start over with an empty state_dir");
        }
    }
    if (!map.has_full_metadata) {
        for (std::size_t i = 0; i < cols.size(); ++i) {
            cols[i].name = known.columns[i].name;
            cols[i].labels = parse_mysql_type(known.columns[i].type_name).labels;
            cols[i].is_key = known.columns[i].is_key;
        }
    }
    return schema;
}

Status TransactionAssembler::on_table_map(const DecodedEvent& ev) {
    auto map = decode_table_map(ev, mariadb_);
    if (!map.ok()) {
        return map.status();
    }
    auto schema = schema_for(map.value(), ev);
    if (!schema.ok()) {
        return schema.status();
    }
    tables_[map.value().table_id] = MappedTable{std::move(map).value(), std::move(schema).value()};
    return {};
}

Status TransactionAssembler::on_rows(const DecodedEvent& ev, std::deque<Event>& out) {
    auto rows = decode_rows(ev);
    if (!rows.ok()) {
        return rows.status();
    }
    const auto it = tables_.find(rows.value().table_id);
    if (it == tables_.end()) {
        return Status::error(Errc::Corruption, "a rows event at " + where(ev) + " without its table map");
    }
    if (!it->second.schema || (skip_server_id_ != 0 && ev.header.server_id == skip_server_id_)) {
        return {};
    }
    auto images = decode_row_images(rows.value(), it->second.map, charsets_);
    if (!images.ok()) {
        return images.status().with_context("at " + where(ev));
    }
    ensure_begun(ev, out);
    const Op op = rows.value().kind == RowsKind::Write    ? Op::Insert
                  : rows.value().kind == RowsKind::Update ? Op::Update
                                                          : Op::Delete;
    for (auto& image : images.value()) {
        RowChange c;
        c.op = op;
        c.table = it->second.schema;
        c.before = std::move(image.before);
        c.after = std::move(image.after);
        batch_.changes.push_back(std::move(c));
        if (batch_.changes.size() >= max_batch_changes_) {
            flush_batch(out);
        }
    }
    return {};
}

}  // namespace ferry::capture::mysql
