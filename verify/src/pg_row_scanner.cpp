// PostgreSQL rows read as text for canonical digests: bytea as hex, arrays as JSON (what a MariaDB
// target holds them as), everything else as PostgreSQL prints it in the session's ISO, UTC settings.
#include <algorithm>

#include "canonical_reader.hpp"
#include "ferry/core/names.hpp"
#include "pg_key_sql.hpp"
#include "table_keys.hpp"

namespace ferry::verify {

namespace {

// An array as the JSON array a MariaDB target holds: numbers, booleans and JSON as themselves, other
// elements as strings of their PostgreSQL text (to_json would write timestamps with a 'T').
std::string array_as_json(const std::string& column, const std::string& element) {
    static constexpr std::string_view kAsThemselves[] = {"smallint", "integer", "bigint", "real", "double precision",
                                                         "oid", "numeric", "boolean", "json", "jsonb"};
    const bool themselves = std::find(std::begin(kAsThemselves), std::end(kAsThemselves), element) != std::end(kAsThemselves);
    return "array_to_json(" + column + (themselves ? "" : "::text[]") + ")::text";
}

class PgRowScanner final : public RowScanner {
public:
    PgRowScanner(pq::Connection& conn, PgKeySql keys, std::string columns)
        : conn_(conn), keys_(std::move(keys)), columns_(std::move(columns)) {}

    Result<std::optional<Key>> next_bound(const std::optional<Key>& after, std::size_t step) override {
        return pg_next_bound(conn_, keys_, after, step);
    }

    Result<std::vector<TextRow>> rows(const std::optional<Key>& lo, const std::optional<Key>& hi) override {
        Params params;
        return query("SELECT " + select() + " FROM " + keys_.from() + keys_.range(lo, hi, params)
                         + (keys_.size() > 0 ? " ORDER BY " + keys_.order_by() : ""),
                     params);
    }

    Result<std::vector<TextRow>> rows_with_keys(const std::vector<Key>& keys) override {
        std::vector<TextRow> rows;
        for (std::size_t first = 0; first < keys.size(); first += kKeysPerQuery) {
            Params params;
            auto some = query("SELECT " + select() + ", xmin::text FROM " + keys_.from()
                                  + keys_.in_list(keys, first, first + kKeysPerQuery, params),
                              params);
            if (!some.ok()) {
                return some.status();
            }
            rows.insert(rows.end(), std::make_move_iterator(some.value().begin()), std::make_move_iterator(some.value().end()));
        }
        return rows;
    }

private:
    std::string select() const { return keys_.size() > 0 ? keys_.select_list() + ", " + columns_ : columns_; }
    Result<std::vector<TextRow>> query(const std::string& sql, const Params& params) {
        auto res = conn_.exec_params(sql, params, "reading rows of " + keys_.from());
        if (!res.ok()) {
            return res.status();
        }
        const PGresult* r = res.value().get();
        std::vector<TextRow> rows(static_cast<std::size_t>(PQntuples(r)));
        for (int i = 0; i < PQntuples(r); ++i) {
            auto& row = rows[static_cast<std::size_t>(i)];
            row.reserve(static_cast<std::size_t>(PQnfields(r)));
            for (int f = 0; f < PQnfields(r); ++f) {
                row.push_back(PQgetisnull(r, i, f) ? std::nullopt : std::optional<std::string>(pq::field(r, i, f)));
            }
        }
        return rows;
    }

    pq::Connection& conn_;
    PgKeySql keys_;
    std::string columns_;
};

}  // namespace

Result<std::unique_ptr<TableReader>> open_pg_canonical_reader(pq::Connection& conn, const TableSchema& source,
                                                              const std::map<std::string, PgColumnInfo>& columns,
                                                              bool bytewise) {
    auto keys = pg_key_sql(source, columns, bytewise, true);
    if (!keys.ok()) {
        return keys.status();
    }
    std::string list;
    for (const auto& c : source.columns) {
        const auto it = columns.find(c.name);
        if (it == columns.end()) {
            return Status::error(Errc::Fatal, "column " + c.name + " of " + display_name(source.id) + " is missing");
        }
        const std::string name = quote_ident(c.name);
        const std::string read = it->second.is_array        ? array_as_json(name, it->second.element)
                                 : it->second.base == "bytea" ? "encode(" + name + ", 'hex')"
                                                              : name + "::text";
        list += (list.empty() ? "" : ", ") + read;
    }
    auto scanner = std::make_unique<PgRowScanner>(conn, std::move(keys).value(), std::move(list));
    return canonical_reader(std::move(scanner), canonical_forms(source), key_column_indexes(source));
}

}  // namespace ferry::verify
