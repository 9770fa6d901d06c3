// Catalog queries and startup checks against the source. All names are bound as parameters or
// quoted with quote_ident; nothing is pasted into SQL unquoted.
#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "ferry/capture/pg_capture.hpp"
#include "ferry/pq/connection.hpp"

namespace ferry::capture {

namespace {

constexpr char kTablesSql[] = R"(
SELECT c.oid::text, n.nspname, c.relname, c.relreplident::text,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
       has_table_privilege(c.oid, 'SELECT') AS can_select
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname = $1 AND ($2 = '*' OR c.relname = $2)
ORDER BY c.relname)";

// Key columns: the primary key for REPLICA IDENTITY DEFAULT, the identity index for INDEX.
constexpr char kColumnsSql[] = R"(
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid::text, NOT a.attnotnull,
       COALESCE(a.attnum = ANY ((SELECT i.indkey FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary)::int2[]), false),
       COALESCE(a.attnum = ANY ((SELECT i.indkey FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisreplident)::int2[]), false)
FROM pg_attribute a
WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum)";

constexpr char kPkOrderSql[] = R"(
SELECT a.attname FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.ord)";

// User-defined enums and domains used by the columns (directly or as array elements, recursively
// through domain base types), deepest first.
constexpr char kTypesSql[] = R"(
WITH RECURSIVE used(oid, depth) AS (
    SELECT t.oid, 0 FROM pg_type t WHERE t.oid = ANY ($1::oid[])
  UNION
    SELECT CASE WHEN t.typelem <> 0 AND t.typcategory = 'A' THEN t.typelem ELSE t.typbasetype END, u.depth + 1
    FROM used u JOIN pg_type t ON t.oid = u.oid
    WHERE (t.typelem <> 0 AND t.typcategory = 'A') OR t.typtype = 'd')
SELECT n.nspname, t.typname, t.typtype::text, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
       ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)::text[],
       ARRAY(SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.contypid = t.oid ORDER BY c.conname)::text[]
FROM (SELECT oid, max(depth) AS depth FROM used GROUP BY oid) u
JOIN pg_type t ON t.oid = u.oid JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype IN ('e', 'd') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY u.depth DESC, t.oid)";

// Parses a text[] of plain values as PostgreSQL prints it ({a,"b c"}).
std::vector<std::string> parse_text_array(const std::string& text) {
    std::vector<std::string> out;
    if (text.size() < 2) {
        return out;
    }
    std::string cur;
    bool in_quotes = false;
    bool quoted = false;
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
        const char c = text[i];
        if (in_quotes) {
            if (c == '\\' && i + 2 < text.size()) {
                cur.push_back(text[++i]);
            } else if (c == '"') {
                in_quotes = false;
            } else {
                cur.push_back(c);
            }
        } else if (c == '"') {
            in_quotes = quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(cur));
            cur.clear();
            quoted = false;
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty() || quoted || !out.empty()) {
        out.push_back(std::move(cur));
    }
    return out;
}

class PgCatalogImpl final : public PgCatalog {
public:
    PgCatalogImpl(PgSourceConfig config, pq::Connection conn, LoggerPtr log)
        : config_(std::move(config))
        , conn_(std::move(conn))
        , log_(std::move(log)) {}

    Status check_server() override {
        auto res = conn_.exec(
            "SELECT current_setting('wal_level'), r.rolsuper OR r.rolreplication, current_database() "
            "FROM pg_roles r WHERE r.rolname = current_user",
            "checking the source server");
        if (!res.ok()) {
            return res.status();
        }
        const PGresult* r = res.value().get();
        if (pq::field(r, 0, 0) != "logical") {
            return Status::error(Errc::Fatal, "source wal_level is '" + pq::field(r, 0, 0)
                                                  + "', logical replication needs 'logical': run ALTER SYSTEM SET "
                                                    "wal_level = logical; on the source and restart it");
        }
        if (pq::field(r, 0, 1) != "t") {
            return Status::error(Errc::Fatal, "the source user may not replicate: run ALTER ROLE <user> REPLICATION; "
                                              "on the source (or connect as a user with REPLICATION)");
        }
        return {};
    }

    Result<SourceCatalog> resolve_tables() override;

    Result<bool> publication_exists() override {
        auto res = conn_.exec_params("SELECT 1 FROM pg_publication WHERE pubname = $1", {config_.publication_name},
                                     "looking up the publication");
        if (!res.ok()) {
            return res.status();
        }
        return PQntuples(res.value().get()) > 0;
    }

    Status ensure_publication(const std::vector<TableSchema>& tables) override;

    Result<SlotInfo> slot_info() override {
        auto res = conn_.exec_params(
            "SELECT plugin, database, confirmed_flush_lsn::text, wal_status, active, restart_lsn::text FROM pg_replication_slots "
            "WHERE slot_name = $1",
            {config_.slot_name}, "looking up the replication slot");
        if (!res.ok()) {
            return res.status();
        }
        SlotInfo info;
        const PGresult* r = res.value().get();
        if (PQntuples(r) == 0) {
            return info;
        }
        info.exists = true;
        info.plugin = pq::field(r, 0, 0);
        info.database = pq::field(r, 0, 1);
        if (!pq::is_null(r, 0, 2) && !parse_lsn(pq::field(r, 0, 2), info.confirmed_flush)) {
            return Status::error(Errc::Corruption, "unreadable confirmed_flush_lsn of slot " + config_.slot_name);
        }
        info.wal_status = pq::field(r, 0, 3);
        info.is_active = pq::field(r, 0, 4) == "t";
        if (!pq::is_null(r, 0, 5) && !parse_lsn(pq::field(r, 0, 5), info.restart)) {
            return Status::error(Errc::Corruption, "unreadable restart_lsn of slot " + config_.slot_name);
        }
        return info;
    }

    Status drop_slot() override {
        auto res = conn_.exec_params("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1",
                                     {config_.slot_name}, "dropping the replication slot");
        return res.ok() ? Status() : res.status();
    }

    Result<PgLsn> current_wal_lsn() override {
        auto res = conn_.exec("SELECT pg_current_wal_lsn()::text", "reading the source WAL position");
        if (!res.ok()) {
            return res.status();
        }
        PgLsn lsn;
        if (!parse_lsn(pq::field(res.value().get(), 0, 0), lsn)) {
            return Status::error(Errc::Corruption, "unreadable pg_current_wal_lsn()");
        }
        return lsn;
    }

    Result<std::uint64_t> estimate_rows(const TableId& table) override {
        // The planner's estimate: reltuples when the table was analyzed, else derived from its size.
        auto res = conn_.exec("EXPLAIN SELECT 1 FROM " + quote_table(table), "estimating table size");
        if (!res.ok()) {
            return res.status();
        }
        const std::string plan = pq::field(res.value().get(), 0, 0);
        const auto at = plan.find("rows=");
        return at == std::string::npos ? std::uint64_t{0} : std::strtoull(plan.c_str() + at + 5, nullptr, 10);
    }

private:
    Result<TableSchema> load_table(const std::string& oid, TableId id, char replident);
    Result<std::vector<UserType>> load_types(const std::vector<TableSchema>& tables);

    PgSourceConfig config_;
    pq::Connection conn_;
    LoggerPtr log_;
};

Result<TableSchema> PgCatalogImpl::load_table(const std::string& oid, TableId id, char replident) {
    auto cols = conn_.exec_params(kColumnsSql, {oid}, "reading columns of " + display_name(id));
    if (!cols.ok()) {
        return cols.status();
    }
    auto pk = conn_.exec_params(kPkOrderSql, {oid}, "reading the primary key of " + display_name(id));
    if (!pk.ok()) {
        return pk.status();
    }
    TableSchema t;
    t.id = std::move(id);
    const PGresult* r = cols.value().get();
    for (int i = 0; i < PQntuples(r); ++i) {
        Column c;
        c.name = pq::field(r, i, 0);
        c.type_name = pq::field(r, i, 1);
        c.type_oid = static_cast<std::uint32_t>(std::stoul(pq::field(r, i, 2)));
        c.is_nullable = pq::field(r, i, 3) == "t";
        const bool in_pk = pq::field(r, i, 4) == "t";
        const bool in_replident_index = pq::field(r, i, 5) == "t";
        c.is_key = replident == 'i' ? in_replident_index : in_pk;
        t.columns.push_back(std::move(c));
    }
    for (int i = 0; i < PQntuples(pk.value().get()); ++i) {
        t.primary_key.push_back(pq::field(pk.value().get(), i, 0));
    }
    const bool has_key = std::any_of(t.columns.begin(), t.columns.end(), [](const Column& c) { return c.is_key; });
    if (replident == 'f' && !has_key) {
        t.identity = Identity::FullRow;
        for (auto& c : t.columns) {
            c.is_key = true;
        }
    }
    return t;
}

Result<SourceCatalog> PgCatalogImpl::resolve_tables() {
    if (auto st = conn_.run("SET search_path = ''", "setting search_path"); !st.ok()) {
        return st;  // so that format_type qualifies every user-defined type with its schema
    }
    SourceCatalog catalog;
    std::set<TableId> seen;
    std::vector<std::string> unknown;
    std::vector<std::string> no_identity;
    std::vector<std::string> no_select;
    for (const auto& pattern : config_.tables) {
        auto res = conn_.exec_params(kTablesSql, {pattern.schema, pattern.table}, "resolving tables");
        if (!res.ok()) {
            return res.status();
        }
        const PGresult* r = res.value().get();
        if (PQntuples(r) == 0) {
            unknown.push_back(display_name({pattern.schema, pattern.table}));
        }
        for (int i = 0; i < PQntuples(r); ++i) {
            TableId id{pq::field(r, i, 1), pq::field(r, i, 2)};
            if (!seen.insert(id).second) {
                continue;
            }
            const char replident = pq::field(r, i, 3).front();
            const bool has_pk = pq::field(r, i, 4) == "t";
            if (pq::field(r, i, 5) != "t") {
                no_select.push_back(display_name(id));
            }
            if (replident == 'n' || (replident == 'd' && !has_pk)) {
                no_identity.push_back(display_name(id));
                continue;
            }
            auto table = load_table(pq::field(r, i, 0), id, replident);
            if (!table.ok()) {
                return table.status();
            }
            catalog.tables.push_back(std::move(table).value());
        }
    }
    std::string problems;
    const auto join = [](const std::vector<std::string>& names) {
        std::string out;
        for (const auto& n : names) {
            out += (out.empty() ? "" : ", ") + n;
        }
        return out;
    };
    if (!unknown.empty()) {
        problems += "unknown source tables: " + join(unknown) + " (check source.tables)";
    }
    if (!no_identity.empty()) {
        problems += std::string(problems.empty() ? "" : "; ") + "tables without a primary key or replica identity: "
                    + join(no_identity) + " (add a primary key, or run ALTER TABLE ... REPLICA IDENTITY FULL)";
    }
    if (!no_select.empty()) {
        problems += std::string(problems.empty() ? "" : "; ") + "no SELECT privilege on: " + join(no_select)
                    + " (GRANT SELECT ON ... TO the source user)";
    }
    if (!problems.empty()) {
        return Status::error(Errc::InvalidConfig, problems);
    }
    auto types = load_types(catalog.tables);
    if (!types.ok()) {
        return types.status();
    }
    catalog.types = std::move(types).value();
    return catalog;
}

Result<std::vector<UserType>> PgCatalogImpl::load_types(const std::vector<TableSchema>& tables) {
    std::string oids = "{";
    for (const auto& t : tables) {
        for (const auto& c : t.columns) {
            oids += (oids.size() > 1 ? "," : "") + std::to_string(c.type_oid);
        }
    }
    oids += "}";
    auto res = conn_.exec_params(kTypesSql, {oids}, "reading user-defined types");
    if (!res.ok()) {
        return res.status();
    }
    std::vector<UserType> out;
    const PGresult* r = res.value().get();
    for (int i = 0; i < PQntuples(r); ++i) {
        UserType t;
        t.schema = pq::field(r, i, 0);
        t.name = pq::field(r, i, 1);
        t.kind = pq::field(r, i, 2) == "e" ? UserType::Kind::Enum : UserType::Kind::Domain;
        t.base_type = pq::field(r, i, 3);
        t.is_not_null = pq::field(r, i, 4) == "t";
        t.labels = parse_text_array(pq::field(r, i, 5));
        t.constraints = parse_text_array(pq::field(r, i, 6));
        out.push_back(std::move(t));
    }
    return out;
}

Status PgCatalogImpl::ensure_publication(const std::vector<TableSchema>& tables) {
    auto exists = publication_exists();
    if (!exists.ok()) {
        return exists.status();
    }
    std::set<TableId> published;
    if (exists.value()) {
        auto res = conn_.exec_params("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1",
                                     {config_.publication_name}, "reading the publication");
        if (!res.ok()) {
            return res.status();
        }
        for (int i = 0; i < PQntuples(res.value().get()); ++i) {
            published.insert({pq::field(res.value().get(), i, 0), pq::field(res.value().get(), i, 1)});
        }
    }
    std::string list;
    for (const auto& t : tables) {
        if (!published.contains(t.id)) {
            list += (list.empty() ? "" : ", ") + quote_table(t.id);
        }
    }
    if (list.empty()) {
        return {};
    }
    const std::string sql = exists.value()
                                ? "ALTER PUBLICATION " + quote_ident(config_.publication_name) + " ADD TABLE " + list
                                : "CREATE PUBLICATION " + quote_ident(config_.publication_name) + " FOR TABLE " + list;
    if (Status st = conn_.run(sql, "creating the publication"); !st.ok()) {
        if (st.message().find("42501") != std::string::npos) {
            return Status::error(Errc::Fatal, st.message() + " — create the publication as the tables' owner: " + sql);
        }
        return st;
    }
    log_->info("publication {} {} ({} tables)", config_.publication_name, exists.value() ? "extended" : "created",
               tables.size() - published.size());
    return {};
}

}  // namespace

Result<std::unique_ptr<PgCatalog>> PgCatalog::connect(const PgSourceConfig& config, LoggerPtr log) {
    auto conn = pq::Connection::connect(config.conninfo, pq::Mode::Normal, "catalog");
    if (!conn.ok()) {
        return conn.status();
    }
    return std::unique_ptr<PgCatalog>(new PgCatalogImpl(config, std::move(conn).value(), std::move(log)));
}

}  // namespace ferry::capture
