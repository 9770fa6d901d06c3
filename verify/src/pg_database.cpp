// The PostgreSQL side of a comparison: chunk bounds, digests and rows, all computed by the server.
// A row's digest is hash_record_extended over ROW(the source's columns), each as its value or its
// text form (hashes_exactly), the same on both sides when the columns' types are (Ferry creates the
// target's tables from the source's); a chunk's digest is the sum of its rows' (order-free, and
// duplicates do not cancel).
#include <algorithm>

#include "ferry/core/names.hpp"
#include "ferry/pq/connection.hpp"
#include "ferry/verify/verify.hpp"

namespace ferry::verify {

namespace {

using Params = std::vector<std::optional<std::string>>;

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

// The key columns in the primary key's order (its index serves the chunks' ORDER BY), else the
// replica identity's in column order.
std::vector<const Column*> key_columns(const TableSchema& table) {
    std::vector<const Column*> keys;
    for (const auto& name : table.primary_key) {
        for (const auto& c : table.columns) {
            if (c.name == name && c.is_key) {
                keys.push_back(&c);
            }
        }
    }
    if (keys.size() != table.primary_key.size() || keys.empty()) {
        keys.clear();
        for (const auto& c : table.columns) {
            if (c.is_key) {
                keys.push_back(&c);
            }
        }
    }
    return keys;
}

class PgTableReader final : public TableReader {
public:
    PgTableReader(pq::Connection& conn, const TableSchema& table, const std::vector<bool>& collatable, bool bytewise)
        : conn_(conn), from_(quote_ident(table.id.schema) + "." + quote_ident(table.id.name)) {
        std::string columns;
        for (const auto& c : table.columns) {
            columns += (columns.empty() ? "" : ", ") + quote_ident(c.name) + (hashes_exactly(c.type_oid) ? "" : "::text");
        }
        digest_ = "hash_record_extended(ROW(" + columns + "), 0)";
        const auto keys = key_columns(table);
        for (std::size_t k = 0; k < keys.size(); ++k) {
            const std::string order = bytewise && collatable[k] ? " COLLATE \"C\"" : "";
            keys_.push_back({quote_ident(keys[k]->name) + order, keys[k]->type_name, order});
        }
        std::string names;
        std::string order_by;
        for (std::size_t k = 0; k < keys_.size(); ++k) {
            // Aliased: ORDER BY a name would otherwise sort by the output column (the text form).
            names += (names.empty() ? "" : ", ") + keys_[k].expr + "::text AS ferry_key" + std::to_string(k);
            order_by += (order_by.empty() ? "" : ", ") + keys_[k].expr;
        }
        key_text_ = names;
        order_by_ = order_by;
    }

    Result<std::optional<Key>> next_bound(const std::optional<Key>& after, std::size_t step) override {
        Params params;
        const std::string where = after ? " WHERE " + compare(">", *after, params) : "";
        auto res = conn_.exec_params("SELECT " + key_text_ + " FROM " + from_ + where + " ORDER BY " + order_by_
                                         + " LIMIT 1 OFFSET " + std::to_string(step - 1),
                                     params, "finding chunk bounds of " + from_);
        if (!res.ok()) {
            return res.status();
        }
        if (PQntuples(res.value().get()) == 0) {
            return std::optional<Key>{};
        }
        return std::optional<Key>{row_key(res.value().get(), 0, 0)};
    }

    Result<ChunkSum> chunk_sum(const std::optional<Key>& lo, const std::optional<Key>& hi) override {
        Params params;
        auto res = conn_.exec_params("SELECT count(*), coalesce(sum(" + digest_ + "), 0)::text FROM " + from_
                                         + range(lo, hi, params),
                                     params, "summing a chunk of " + from_);
        if (!res.ok()) {
            return res.status();
        }
        const PGresult* r = res.value().get();
        return ChunkSum{std::stoull(pq::field(r, 0, 0)), pq::field(r, 0, 1)};
    }

    Result<std::vector<RowDigest>> row_digests(const std::optional<Key>& lo, const std::optional<Key>& hi) override {
        Params params;
        auto res = conn_.exec_params("SELECT " + key_text_ + ", " + digest_ + "::text FROM " + from_ + range(lo, hi, params)
                                         + " ORDER BY " + order_by_,
                                     params, "reading a chunk of " + from_);
        if (!res.ok()) {
            return res.status();
        }
        const PGresult* r = res.value().get();
        std::vector<RowDigest> rows;
        rows.reserve(static_cast<std::size_t>(PQntuples(r)));
        for (int i = 0; i < PQntuples(r); ++i) {
            rows.push_back({row_key(r, i, 0), pq::field(r, i, static_cast<int>(keys_.size()))});
        }
        return rows;
    }

    Result<std::map<Key, RowRead>> read_rows(const std::vector<Key>& keys) override {
        constexpr std::size_t kKeysPerQuery = 1000;
        std::map<Key, RowRead> rows;
        for (std::size_t first = 0; first < keys.size(); first += kKeysPerQuery) {
            Params params;
            std::string list;
            for (std::size_t i = first; i < std::min(keys.size(), first + kKeysPerQuery); ++i) {
                list += (list.empty() ? "(" : ", (") + placeholders(keys[i], params) + ")";
            }
            auto res = conn_.exec_params("SELECT " + key_text_ + ", " + digest_ + "::text, xmin::text FROM " + from_
                                             + " WHERE (" + key_list() + ") IN (" + list + ")",
                                         params, "reading rows of " + from_);
            if (!res.ok()) {
                return res.status();
            }
            const PGresult* r = res.value().get();
            const int n = static_cast<int>(keys_.size());
            for (int i = 0; i < PQntuples(r); ++i) {
                rows.emplace(row_key(r, i, 0), RowRead{pq::field(r, i, n), pq::field(r, i, n + 1)});
            }
        }
        return rows;
    }

private:
    struct KeyColumn {
        std::string expr;       // quoted name, with COLLATE "C" when sorting byte-wise
        std::string type_name;  // the source's, to cast the bound values to
        std::string collate;
    };

    std::string key_list() const {
        std::string out;
        for (const auto& k : keys_) {
            out += (out.empty() ? "" : ", ") + k.expr;
        }
        return out;
    }
    // $n::t1, $n+1::t2, binding `key`.
    std::string placeholders(const Key& key, Params& params) const {
        std::string out;
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            params.push_back(key[i]);
            out += (i == 0 ? "" : ", ") + ("$" + std::to_string(params.size()) + "::" + keys_[i].type_name) + keys_[i].collate;
        }
        return out;
    }
    // (k1, k2) <op> ($n::t1, $n+1::t2)
    std::string compare(const char* op, const Key& key, Params& params) const {
        return "(" + key_list() + ") " + op + " (" + placeholders(key, params) + ")";
    }
    std::string range(const std::optional<Key>& lo, const std::optional<Key>& hi, Params& params) const {
        std::string where;
        if (lo) {
            where += " WHERE " + compare(">", *lo, params);
        }
        if (hi) {
            where += (lo ? " AND " : " WHERE ") + compare("<=", *hi, params);
        }
        return where;
    }
    Key row_key(const PGresult* r, int row, int first) const {
        Key key;
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            key.push_back(pq::field(r, row, first + static_cast<int>(i)));
        }
        return key;
    }

    pq::Connection& conn_;
    std::string from_;
    std::string digest_;
    std::vector<KeyColumn> keys_;
    std::string key_text_;
    std::string order_by_;
};

class PgDatabase final : public Database {
public:
    PgDatabase(pq::Connection conn, std::string collation) : conn_(std::move(conn)), collation_(std::move(collation)) {}

    Result<std::unique_ptr<TableReader>> open_table(const TableSchema& table) override {
        // Which key columns sort by a collation (text-like types), from the server's own catalog.
        std::vector<bool> collatable;
        for (const Column* c : key_columns(table)) {
            auto res = conn_.exec_params("SELECT typcollation <> 0 FROM pg_type WHERE oid = $1::regtype",
                                         {c->type_name}, "looking up a key column's type");
            if (!res.ok()) {
                return res.status();
            }
            collatable.push_back(PQntuples(res.value().get()) > 0 && pq::field(res.value().get(), 0, 0) == "t");
        }
        return std::unique_ptr<TableReader>(std::make_unique<PgTableReader>(conn_, table, collatable, bytewise_));
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
    std::string collation_;
    bool bytewise_ = false;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const std::string& conninfo) {
    auto conn = pq::Connection::connect(conninfo, pq::Mode::Normal, "verify");
    if (!conn.ok()) {
        return conn.status();
    }
    // Chunk queries are short key ranges: compiling them (JIT) would cost more than running them,
    // and the key's index serves them even where a freshly loaded table has no statistics yet.
    if (Status st = conn.value().run("SET jit = off; SET enable_seqscan = off", "setting up the session"); !st.ok()) {
        return st;
    }
    auto res = conn.value().exec("SELECT datcollate FROM pg_database WHERE datname = current_database()",
                                 "reading the database's collation");
    if (!res.ok()) {
        return res.status();
    }
    std::string collation = pq::field(res.value().get(), 0, 0);
    return std::unique_ptr<Database>(std::make_unique<PgDatabase>(std::move(conn).value(), std::move(collation)));
}

}  // namespace ferry::verify
