// The PostgreSQL side of a comparison: digests computed by the server (PostgreSQL at both ends), or
// rows read for canonical digests (pg_row_scanner.cpp).
#include "ferry/core/names.hpp"
#include "pg_key_sql.hpp"
#include "table_keys.hpp"

namespace ferry::verify {

namespace {

// Types whose hash tells apart every two values that print differently, so they are hashed as
// they are (cheaper than printing them); the others (numeric: 1.0 = 1.00, float: -0 = 0, interval:
// '1 day' = '24 hours', char(n): trailing blanks, and every type without a hash) by their text form.
bool hashes_exactly(std::uint32_t type_oid) {
    switch (type_oid) {
        case 16: case 17: case 20: case 21: case 23: case 25: case 26:  // bool bytea int8 int2 int4 text oid
        case 1043: case 1082: case 1083: case 1114: case 1184:          // varchar date time timestamp timestamptz
        case 2950: case 3802:                                           // uuid jsonb
            return true;
        default:
            return false;
    }
}

// Digests computed by the server: hash_record_extended over ROW(the source's columns), each as its
// value or its text form (hashes_exactly), the same on both sides when the columns' types are
// (Ferry creates the target's tables from the source's); a chunk's digest is the sum of its rows'
// (order-free, and duplicates do not cancel).
class PgTableReader final : public TableReader {
public:
    PgTableReader(pq::Connection& conn, const TableSchema& table, PgKeySql keys) : conn_(conn), keys_(std::move(keys)) {
        std::string columns;
        for (const auto& c : table.columns) {
            columns += (columns.empty() ? "" : ", ") + quote_ident(c.name) + (hashes_exactly(c.type_oid) ? "" : "::text");
        }
        digest_ = "hash_record_extended(ROW(" + columns + "), 0)";
    }

    Result<std::optional<Key>> next_bound(const std::optional<Key>& after, std::size_t step) override {
        return pg_next_bound(conn_, keys_, after, step);
    }

    Result<ChunkSum> chunk_sum(const std::optional<Key>& lo, const std::optional<Key>& hi) override {
        Params params;
        auto res = conn_.exec_params("SELECT count(*), coalesce(sum(" + digest_ + "), 0)::text FROM " + keys_.from()
                                         + keys_.range(lo, hi, params),
                                     params, "summing a chunk of " + keys_.from());
        if (!res.ok()) {
            return res.status();
        }
        const PGresult* r = res.value().get();
        return ChunkSum{std::stoull(pq::field(r, 0, 0)), pq::field(r, 0, 1)};
    }

    Result<std::vector<RowDigest>> row_digests(const std::optional<Key>& lo, const std::optional<Key>& hi) override {
        Params params;
        auto res = conn_.exec_params("SELECT " + keys_.select_list() + ", " + digest_ + "::text FROM " + keys_.from()
                                         + keys_.range(lo, hi, params) + " ORDER BY " + keys_.order_by(),
                                     params, "reading a chunk of " + keys_.from());
        if (!res.ok()) {
            return res.status();
        }
        const PGresult* r = res.value().get();
        std::vector<RowDigest> rows;
        rows.reserve(static_cast<std::size_t>(PQntuples(r)));
        for (int i = 0; i < PQntuples(r); ++i) {
            rows.push_back({keys_.row_key(r, i, 0), pq::field(r, i, static_cast<int>(keys_.size()))});
        }
        return rows;
    }

    Result<std::map<Key, RowRead>> read_rows(const std::vector<Key>& keys) override {
        std::map<Key, RowRead> rows;
        for (std::size_t first = 0; first < keys.size(); first += kKeysPerQuery) {
            Params params;
            auto res = conn_.exec_params("SELECT " + keys_.select_list() + ", " + digest_ + "::text, xmin::text FROM "
                                             + keys_.from() + keys_.in_list(keys, first, first + kKeysPerQuery, params),
                                         params, "reading rows of " + keys_.from());
            if (!res.ok()) {
                return res.status();
            }
            const PGresult* r = res.value().get();
            const int n = static_cast<int>(keys_.size());
            for (int i = 0; i < PQntuples(r); ++i) {
                rows.emplace(keys_.row_key(r, i, 0), RowRead{pq::field(r, i, n), pq::field(r, i, n + 1)});
            }
        }
        return rows;
    }

private:
    pq::Connection& conn_;
    PgKeySql keys_;
    std::string digest_;
};

class PgDatabase final : public Database {
public:
    PgDatabase(pq::Connection conn, std::string where, std::string collation, Digests digests)
        : conn_(std::move(conn)), where_(std::move(where)), collation_(std::move(collation)), digests_(digests) {}

    Result<std::unique_ptr<TableReader>> open_table(const TableSchema& table) override {
        auto columns = read_pg_columns(conn_, table.id, where_);
        if (!columns.ok()) {
            return columns.status();
        }
        if (digests_ == Digests::Canonical) {
            return open_pg_canonical_reader(conn_, table, columns.value(), bytewise_);
        }
        auto keys = pg_key_sql(table, columns.value(), bytewise_, false);
        if (!keys.ok()) {
            return keys.status();
        }
        return std::unique_ptr<TableReader>(std::make_unique<PgTableReader>(conn_, table, std::move(keys).value()));
    }

    Result<SourcePosition> current_position() override {
        auto res = conn_.exec("SELECT pg_current_wal_lsn()::text", "reading the WAL position");
        if (!res.ok()) {
            return res.status();
        }
        PgLsn lsn;
        if (!parse_lsn(pq::field(res.value().get(), 0, 0), lsn)) {
            return Status::error(Errc::Corruption, "unreadable WAL position from the server");
        }
        return SourcePosition{lsn};
    }

    std::string text_order() const override { return collation_; }
    void sort_text_bytewise() override { bytewise_ = true; }

private:
    pq::Connection conn_;
    std::string where_;
    std::string collation_;
    Digests digests_;
    bool bytewise_ = false;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const std::string& conninfo, Digests digests) {
    auto conn = pq::Connection::connect(conninfo, pq::Mode::Normal, "verify");
    if (!conn.ok()) {
        return conn.status();
    }
    // Chunk queries are short key ranges: compiling them (JIT) would cost more than running them,
    // and the key's index serves them even where a freshly loaded table has no statistics yet. Text
    // forms as canonical.hpp expects them: ISO dates, timestamptz in UTC.
    const std::string setup = "SET jit = off; SET enable_seqscan = off; SET DateStyle = ISO; SET TimeZone = 'UTC'; "
                              "SET IntervalStyle = postgres; SET extra_float_digits = 1; SET bytea_output = hex";
    if (Status st = conn.value().run(setup, "setting up the session"); !st.ok()) {
        return st;
    }
    auto res = conn.value().exec("SELECT datcollate FROM pg_database WHERE datname = current_database()",
                                 "reading the database's collation");
    if (!res.ok()) {
        return res.status();
    }
    std::string collation = pq::field(res.value().get(), 0, 0);
    return std::unique_ptr<Database>(
        std::make_unique<PgDatabase>(std::move(conn).value(), pq::describe_conninfo(conninfo), std::move(collation), digests));
}

}  // namespace ferry::verify
