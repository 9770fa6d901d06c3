// The SQL a PostgreSQL reader (digests computed by the server, or rows read for canonical digests)
// uses to address a table by its key: ranges, lists of keys, the key order. Every key value is
// bound as a parameter.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ferry/pq/connection.hpp"
#include "ferry/verify/verify.hpp"

namespace ferry::verify {

using Params = std::vector<std::optional<std::string>>;

struct PgKeyColumn {
    std::string expr;         // the quoted column, with COLLATE "C" when text sorts byte-wise
    std::string read;         // the expression that reads it as text
    std::string bind_before;  // a bound value reads as bind_before + "$n" + bind_after
    std::string bind_after;
};

class PgKeySql {
public:
    PgKeySql(std::string from, std::vector<PgKeyColumn> keys);

    const std::string& from() const { return from_; }
    std::size_t size() const { return keys_.size(); }
    // "read AS ferry_key0, ...": aliased, since ORDER BY a name would sort by the output column.
    std::string select_list() const;
    std::string order_by() const;
    // " WHERE key > after" (nothing without `after`), binding into `params`.
    std::string after(const std::optional<Key>& after, Params& params) const;
    // " WHERE key > lo AND key <= hi", each side only when given.
    std::string range(const std::optional<Key>& lo, const std::optional<Key>& hi, Params& params) const;
    // " WHERE (key) IN ((...), ...)" for keys[first, last).
    std::string in_list(const std::vector<Key>& keys, std::size_t first, std::size_t last, Params& params) const;
    // The key read by select_list(), from column `first` of row `row` on.
    Key row_key(const PGresult* result, int row, int first) const;

private:
    std::string key_list() const;
    std::string placeholders(const Key& key, Params& params) const;
    std::string compare(const char* op, const Key& key, Params& params) const;

    std::string from_;
    std::vector<PgKeyColumn> keys_;
};


// A column as this database has it.
struct PgColumnInfo {
    std::string type;  // format_type without modifier: what a bound value is cast to
    std::string base;  // the type, or a domain's base type
    bool is_array = false;
    std::string element;  // an array's element type
    bool collatable = false;  // sorts by a collation
};
// The table's columns by name; Errc::Fatal when the table is missing (`where`: the server, for that).
Result<std::map<std::string, PgColumnInfo>> read_pg_columns(pq::Connection& conn, const TableId& table,
                                                            const std::string& where);

// The source table's key columns as this database has them; Errc::Fatal when one is missing.
// `canonical`: read and bound in the canonical text forms (bytea as hex).
Result<PgKeySql> pg_key_sql(const TableSchema& source, const std::map<std::string, PgColumnInfo>& columns,
                            bool bytewise, bool canonical);

// TableReader::next_bound, in the key's order.
Result<std::optional<Key>> pg_next_bound(pq::Connection& conn, const PgKeySql& keys, const std::optional<Key>& after,
                                         std::size_t step);

// Rows read as text for canonical digests (canonical_reader.hpp).
Result<std::unique_ptr<TableReader>> open_pg_canonical_reader(pq::Connection& conn, const TableSchema& source,
                                                              const std::map<std::string, PgColumnInfo>& columns,
                                                              bool bytewise);

}  // namespace ferry::verify
