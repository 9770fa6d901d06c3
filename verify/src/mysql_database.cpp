// The MySQL/MariaDB side of a comparison: rows read as text for canonical digests (BINARY and BLOB
// types in hex, BIT as binary digits, FLOAT at double precision, so that nothing is lost in the
// printing), in key order with text keys ordered byte-wise (utf8mb4_bin), as PostgreSQL's "C" does.
#include <algorithm>

#include "canonical_reader.hpp"
#include "ferry/core/names.hpp"
#include "ferry/my/connection.hpp"
#include "table_keys.hpp"

namespace ferry::verify {

namespace {

struct MyColumn {
    std::string data_type;  // information_schema's DATA_TYPE: "int", "varbinary", ...
    std::string collation;  // "" for types without one
};

bool is_bytes(const std::string& type) {
    return type == "binary" || type == "varbinary" || type.ends_with("blob");
}
bool is_number(const std::string& type) {
    return type.ends_with("int") || type == "decimal" || type == "year" || type == "float" || type == "double";
}

// How a key column is ordered, read and written as a literal.
struct MyKey {
    std::string expr;
    std::string read;
    enum class Literal : std::uint8_t { Number, Hex, Quoted } literal = Literal::Quoted;
};

class MyRowScanner final : public RowScanner {
public:
    MyRowScanner(my::Connection& conn, std::string from, std::vector<MyKey> keys, std::string columns)
        : conn_(conn), from_(std::move(from)), keys_(std::move(keys)), columns_(std::move(columns)) {}

    Result<std::optional<Key>> next_bound(const std::optional<Key>& after, std::size_t step) override {
        std::string where;
        if (after) {
            auto cond = compare(*after, ">");
            if (!cond.ok()) {
                return cond.status();
            }
            where = " WHERE " + cond.value();
        }
        std::string reads;
        for (const auto& k : keys_) {
            reads += (reads.empty() ? "" : ", ") + k.read;
        }
        auto row = conn_.query_row("SELECT " + reads + " FROM " + from_ + where + order_by() + " LIMIT 1 OFFSET "
                                       + std::to_string(step - 1),
                                   "finding chunk bounds of " + from_);
        if (!row.ok() || !row.value()) {
            return row.ok() ? Result<std::optional<Key>>(std::optional<Key>{}) : row.status();
        }
        Key key;
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            key.push_back(my::field(*row.value(), i));
        }
        return std::optional<Key>{std::move(key)};
    }

    Result<std::vector<TextRow>> rows(const std::optional<Key>& lo, const std::optional<Key>& hi) override {
        std::string where;
        for (const auto& [bound, op] : {std::pair{&lo, ">"}, std::pair{&hi, "<="}}) {
            if (*bound) {
                auto cond = compare(**bound, op);
                if (!cond.ok()) {
                    return cond.status();
                }
                where += (where.empty() ? " WHERE (" : " AND (") + cond.value() + ")";
            }
        }
        return conn_.query("SELECT " + select() + " FROM " + from_ + where + order_by(), "reading rows of " + from_);
    }

    Result<std::vector<TextRow>> rows_with_keys(const std::vector<Key>& keys) override {
        std::vector<TextRow> rows;
        for (std::size_t first = 0; first < keys.size(); first += kKeysPerQuery) {
            std::string list;
            for (std::size_t i = first; i < std::min(keys.size(), first + kKeysPerQuery); ++i) {
                auto tuple = literals(keys[i]);
                if (!tuple.ok()) {
                    return tuple.status();
                }
                list += (list.empty() ? "(" : ", (") + tuple.value() + ")";
            }
            std::string names;
            for (const auto& k : keys_) {
                names += (names.empty() ? "" : ", ") + k.expr;
            }
            auto some = conn_.query("SELECT " + select() + " FROM " + from_ + " WHERE (" + names + ") IN (" + list + ")",
                                    "reading rows of " + from_);
            if (!some.ok()) {
                return some.status();
            }
            rows.insert(rows.end(), std::make_move_iterator(some.value().begin()), std::make_move_iterator(some.value().end()));
        }
        return rows;
    }

private:
    std::string select() const {
        std::string out;
        for (const auto& k : keys_) {
            out += k.read + ", ";
        }
        return out + columns_;
    }
    std::string order_by() const {
        std::string out;
        for (const auto& k : keys_) {
            out += (out.empty() ? " ORDER BY " : ", ") + k.expr;
        }
        return out;
    }
    Result<std::string> literal(const MyKey& key, const std::string& value) const {
        const auto allowed = [&](std::string_view chars) {
            return !value.empty() && std::all_of(value.begin(), value.end(), [&](char c) {
                return (c >= '0' && c <= '9') || chars.find(c) != std::string_view::npos;
            });
        };
        switch (key.literal) {
            case MyKey::Literal::Number:
                if (allowed("-.eE+")) {  // unquoted: a quoted number compares as a double
                    return value;
                }
                break;
            case MyKey::Literal::Hex:
                if (value.size() % 2 == 0 && allowed("abcdef")) {
                    return "X'" + value + "'";
                }
                break;
            case MyKey::Literal::Quoted: return conn_.literal(value);
        }
        return Status::error(Errc::Fatal, "a key value of " + from_ + " is not of its column's type here");
    }
    Result<std::string> literals(const Key& key) const {
        std::string out;
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            auto v = literal(keys_[i], key.at(i));
            if (!v.ok()) {
                return v.status();
            }
            out += (i == 0 ? "" : ", ") + v.value();
        }
        return out;
    }
    // key <op> bound, for op ">" or "<=", spelled as ranges of the key's index:
    // (k1 > v1) OR (k1 = v1 AND k2 > v2) ... [OR (k1 = v1 AND k2 = v2) for "<="].
    Result<std::string> compare(const Key& bound, const std::string& op) const {
        std::vector<std::string> values;
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            auto v = literal(keys_[i], bound.at(i));
            if (!v.ok()) {
                return v.status();
            }
            values.push_back(std::move(v).value());
        }
        if (keys_.size() == 1) {
            return keys_[0].expr + " " + op + " " + values[0];
        }
        const std::string strict = op == ">" ? " > " : " < ";
        std::string out;
        for (std::size_t i = 0; i <= keys_.size(); ++i) {
            if (i == keys_.size() && op == ">") {
                break;
            }
            std::string part;
            for (std::size_t j = 0; j < i && j < keys_.size(); ++j) {
                part += (part.empty() ? "" : " AND ") + keys_[j].expr + " = " + values[j];
            }
            if (i < keys_.size()) {
                part += (part.empty() ? "" : " AND ") + keys_[i].expr + strict + values[i];
            }
            out += (out.empty() ? "(" : " OR (") + part + ")";
        }
        return out;
    }

    my::Connection& conn_;
    std::string from_;
    std::vector<MyKey> keys_;
    std::string columns_;
};

class MyDatabase final : public Database {
public:
    MyDatabase(my::Connection conn, std::string where) : conn_(std::move(conn)), where_(std::move(where)) {}

    Result<std::unique_ptr<TableReader>> open_table(const TableSchema& table) override {
        auto columns = read_columns(table.id);
        if (!columns.ok()) {
            return columns.status();
        }
        std::string list;
        for (const auto& c : table.columns) {
            const auto it = columns.value().find(c.name);
            if (it == columns.value().end()) {
                return Status::error(Errc::Fatal, "column " + c.name + " of " + display_name(table.id) + " is missing at " + where_);
            }
            list += (list.empty() ? "" : ", ") + read_expr(c.name, it->second);
        }
        std::vector<MyKey> keys;
        for (std::size_t index : key_column_indexes(table)) {
            const std::string& name = table.columns[index].name;
            const MyColumn& c = columns.value().at(name);
            MyKey key{my::quote_ident(name), read_expr(name, c)};
            if (!c.collation.empty() && c.collation != "utf8mb4_bin") {  // byte order, whatever the column's own
                key.expr = "(CONVERT(" + my::quote_ident(name) + " USING utf8mb4) COLLATE utf8mb4_bin)";
            }
            key.literal = is_bytes(c.data_type) ? MyKey::Literal::Hex
                          : is_number(c.data_type) ? MyKey::Literal::Number
                                                   : MyKey::Literal::Quoted;
            keys.push_back(std::move(key));
        }
        auto scanner = std::make_unique<MyRowScanner>(conn_, my::quote_table(table.id.schema, table.id.name), std::move(keys),
                                                      std::move(list));
        return canonical_reader(std::move(scanner), canonical_forms(table), key_column_indexes(table));
    }

    Result<SourcePosition> current_position() override {
        auto row = conn_.query_row("SHOW MASTER STATUS", "reading the binlog position");
        if (!row.ok()) {
            return row.status();
        }
        if (!row.value() || my::field(*row.value(), 0).empty()) {
            return Status::error(Errc::Fatal, "the source reports no binlog position: binary logging is off (set log_bin)");
        }
        return SourcePosition{BinlogPosition{my::field(*row.value(), 0), std::stoull("0" + my::field(*row.value(), 1)), {}}};
    }

    // Text keys are always ordered byte-wise here (key.expr), whatever the columns' collations.
    std::string text_order() const override { return "bytewise"; }
    void sort_text_bytewise() override {}

private:
    static std::string read_expr(const std::string& name, const MyColumn& c) {
        const std::string q = my::quote_ident(name);
        if (is_bytes(c.data_type)) {
            return "HEX(" + q + ")";
        }
        if (c.data_type == "bit") {
            return "BIN(" + q + ")";
        }
        return c.data_type == "float" ? "CAST(" + q + " AS DOUBLE)" : q;
    }

    Result<std::map<std::string, MyColumn>> read_columns(const TableId& table) {
        auto rows = conn_.query("SELECT COLUMN_NAME, DATA_TYPE, COALESCE(COLLATION_NAME, '') FROM information_schema.COLUMNS "
                                "WHERE TABLE_SCHEMA = " + conn_.literal(table.schema) + " AND TABLE_NAME = " + conn_.literal(table.name),
                                "reading the columns of " + display_name(table));
        if (!rows.ok()) {
            return rows.status();
        }
        if (rows.value().empty()) {
            return Status::error(Errc::Fatal, "table " + display_name(table) + " is missing at " + where_);
        }
        std::map<std::string, MyColumn> columns;
        for (const auto& r : rows.value()) {
            columns[my::field(r, 0)] = {my::field(r, 1), my::field(r, 2)};
        }
        return columns;
    }

    my::Connection conn_;
    std::string where_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_mysql(const std::string& url) {
    auto parsed = my::parse_url(url);
    if (!parsed.ok()) {
        return parsed.status();
    }
    auto conn = my::Connection::connect(parsed.value(), "ferry verify");
    if (!conn.ok()) {
        return conn.status();
    }
    return std::unique_ptr<Database>(std::make_unique<MyDatabase>(std::move(conn).value(), my::describe_url(parsed.value())));
}

}  // namespace ferry::verify
