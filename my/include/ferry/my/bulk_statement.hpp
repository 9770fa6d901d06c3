// A prepared statement executed for many parameter rows at once: on MariaDB in one round trip with
// array binding (COM_STMT_BULK_EXECUTE), elsewhere one execution per row. Every value is bound,
// never pasted into SQL: as text, or as bytes for binary columns.
// https://mariadb.com/docs/connectors/mariadb-connector-c/batch-operations-with-mariadb-connector-c
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ferry/my/connection.hpp"

namespace ferry::my {

enum class BindAs : std::uint8_t { Text, Bytes };

class BulkStatement {
public:
    // `what` names the statement in errors; `kinds` says how each placeholder is bound.
    static Result<BulkStatement> prepare(Connection& conn, const std::string& sql, std::vector<BindAs> kinds,
                                         std::string what);

    // One row of parameters, in placeholder order; nullopt is NULL.
    void add_row(std::vector<std::optional<std::string>> row);
    void clear() {
        rows_.clear();
        bytes_ = 0;
    }
    std::size_t rows() const { return rows_.size(); }
    std::size_t bytes() const { return bytes_; }  // of the values added since the last execute

    // Runs the statement for every added row, in order; returns the rows affected (matched, for
    // UPDATE on a connection with found_rows) in total. Clears the rows either way.
    Result<std::uint64_t> execute();

private:
    BulkStatement(StmtPtr stmt, std::vector<BindAs> kinds, std::string what, bool bulk)
        : stmt_(std::move(stmt)), kinds_(std::move(kinds)), what_(std::move(what)), bulk_(bulk) {}
    Result<std::uint64_t> run(std::size_t first, std::size_t count);

    StmtPtr stmt_;
    std::vector<BindAs> kinds_;
    std::string what_;
    bool bulk_ = false;
    std::vector<std::vector<std::optional<std::string>>> rows_;
    std::size_t bytes_ = 0;
};

}  // namespace ferry::my
