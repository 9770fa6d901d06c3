#include "ferry/my/bulk_statement.hpp"

namespace ferry::my {

Result<BulkStatement> BulkStatement::prepare(Connection& conn, const std::string& sql, std::vector<BindAs> kinds,
                                             std::string what) {
    StmtPtr stmt{mysql_stmt_init(conn.get())};
    if (!stmt) {
        return conn.last_error(what);
    }
    if (mysql_stmt_prepare(stmt.get(), sql.data(), sql.size()) != 0) {
        return statement_error(stmt.get(), "preparing the statement for " + what);
    }
    if (mysql_stmt_param_count(stmt.get()) != kinds.size()) {
        return Status::error(Errc::Internal, what + ": placeholder count does not match the bound values");
    }
    return BulkStatement(std::move(stmt), std::move(kinds), std::move(what), conn.supports_bulk());
}

void BulkStatement::add_row(std::vector<std::optional<std::string>> row) {
    for (const auto& v : row) {
        bytes_ += v ? v->size() + 1 : 1;
    }
    rows_.push_back(std::move(row));
}

Result<std::uint64_t> BulkStatement::execute() {
    std::uint64_t affected = 0;
    Status failed;
    const std::size_t step = bulk_ ? rows_.size() : 1;
    for (std::size_t first = 0; first < rows_.size() && failed.ok(); first += step) {
        auto n = run(first, std::min(step, rows_.size() - first));
        if (n.ok()) {
            affected += n.value();
        } else {
            failed = n.status();
        }
    }
    rows_.clear();
    bytes_ = 0;
    if (!failed.ok()) {
        return failed;
    }
    return affected;
}

// Column-wise array binding: per placeholder an array of value pointers, lengths and indicators.
Result<std::uint64_t> BulkStatement::run(std::size_t first, std::size_t count) {
    const std::size_t params = kinds_.size();
    std::vector<std::vector<const char*>> values(params, std::vector<const char*>(count));
    std::vector<std::vector<unsigned long>> lengths(params, std::vector<unsigned long>(count));
    std::vector<std::vector<char>> indicators(params, std::vector<char>(count));
    std::vector<MYSQL_BIND> binds(params);
    for (std::size_t p = 0; p < params; ++p) {
        for (std::size_t r = 0; r < count; ++r) {
            const auto& v = rows_[first + r][p];
            values[p][r] = v ? v->data() : nullptr;
            lengths[p][r] = v ? v->size() : 0;
            indicators[p][r] = v ? STMT_INDICATOR_NONE : STMT_INDICATOR_NULL;
        }
        MYSQL_BIND& b = binds[p];
        b = MYSQL_BIND{};
        b.buffer_type = kinds_[p] == BindAs::Bytes ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
        if (bulk_) {
            b.buffer = values[p].data();
            b.length = lengths[p].data();
            b.u.indicator = indicators[p].data();
        } else {  // one row: plain binding, understood by every server
            b.buffer = const_cast<char*>(values[p][0]);  // NOLINT(cppcoreguidelines-pro-type-const-cast): read only
            b.buffer_length = lengths[p][0];
            b.length = &lengths[p][0];
            b.is_null = reinterpret_cast<my_bool*>(&indicators[p][0]);  // 1 is NULL, 0 is a value
        }
    }
    if (bulk_) {
        unsigned int size = static_cast<unsigned int>(count);
        if (mysql_stmt_attr_set(stmt_.get(), STMT_ATTR_ARRAY_SIZE, &size) != 0) {
            return statement_error(stmt_.get(), what_);
        }
    }
    if ((params > 0 && mysql_stmt_bind_param(stmt_.get(), binds.data()) != 0) || mysql_stmt_execute(stmt_.get()) != 0) {
        return statement_error(stmt_.get(), what_);
    }
    return static_cast<std::uint64_t>(mysql_stmt_affected_rows(stmt_.get()));
}

}  // namespace ferry::my
