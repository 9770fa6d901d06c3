// MysqlChangeSink: applies source transactions at a MySQL/MariaDB target. Consecutive changes that
// use the same statement (a run of inserts into one table, even across small source transactions)
// go to the server as one bulk execution; the order of changes is kept because a run is executed
// before any other statement. A target transaction holds whole source transactions only and ends
// with the position upsert, so data and position commit together (invariant 3).
//
// Columns new at the source are added with ALTER TABLE, which MySQL commits implicitly. When the
// open target transaction already holds changes, it is rolled back first and the sink reports a
// retryable error: the pipeline resumes from the last durable position, and the replay finds the
// columns in place.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "../applied_position.hpp"
#include "../column_steps.hpp"
#include "../unfit_value.hpp"
#include "ferry/apply/mysql_apply.hpp"
#include "ferry/core/hex.hpp"
#include "ferry/my/bulk_statement.hpp"
#include "mysql_target_schema.hpp"
#include "sql_builder.hpp"

namespace ferry::apply {

namespace {

using mysql::MysqlTranslation;
using mysql::RowStatement;

constexpr char kPositionUpsert[] =
    "INSERT INTO `_ferry`.`applied_position` (pipeline, position, updated_at) VALUES (?, ?, UTC_TIMESTAMP(6)) "
    "ON DUPLICATE KEY UPDATE position = VALUES(position), updated_at = VALUES(updated_at)";

// " NULL|NOT NULL [DEFAULT ...]" for an added column: the rows already there get what the source
// filled them with, and the default stays, as at the source.
Result<std::string> added_column_tail(const ColumnStep& step, const MysqlTranslation& t, const my::Connection& conn) {
    const std::string nullability = step.column->is_nullable ? " NULL" : " NOT NULL";
    const auto* text = std::get_if<std::string>(step.fill);
    if (text == nullptr) {
        return nullability;
    }
    std::string value = *text;
    const auto& rule = t.rules.at(static_cast<std::size_t>(step.column - t.table.columns.data()));
    if (Status st = mysql::convert_value(rule, value); !st.ok()) {
        return st;
    }
    std::string literal;
    if (rule.rule == mysql::ValueRule::HexToBytes) {
        literal = "X'";
        append_hex(literal, value);
        literal += "'";
    } else {
        literal = rule.rule == mysql::ValueRule::BitsToNumber ? value : conn.literal(value);
    }
    return nullability + " DEFAULT " + literal;
}

struct Prepared {
    RowStatement statement;
    my::BulkStatement bulk;
};

struct Translated {
    SchemaPtr source;  // keeps the map's key alive
    MysqlTranslation translation;
    std::map<std::string, std::unique_ptr<Prepared>> statements;  // by RowStatement::cache_key
};

class MysqlChangeSink final : public ChangeSink {
public:
    MysqlChangeSink(MysqlTargetConfig config, my::Connection conn, std::vector<UserType> types,
                    std::shared_ptr<spdlog::logger> log)
        : config_(std::move(config))
        , conn_(std::move(conn))
        , flavor_(mysql::flavor_of(conn_))
        , types_(std::move(types))
        , log_(std::move(log)) {}

    Result<std::optional<SourcePosition>> applied_position() override {
        auto row = conn_.query_row(std::string("SELECT position FROM ") + mysql::kPositionTable
                                       + " WHERE pipeline = " + conn_.literal(config_.pipeline),
                                   "reading the applied position at the target");
        if (!row.ok()) {
            return row.status();
        }
        return parse_applied_position(row.value() ? std::optional<std::string>(my::field(*row.value(), 0)) : std::nullopt);
    }

    Status begin(const TxnBegin& b) override {
        current_commit_ = b.commit_position;
        if (!open_) {
            if (Status st = conn_.run("START TRANSACTION", "starting a target transaction"); !st.ok()) {
                return fail(st);
            }
            open_ = true;
        }
        return {};
    }

    Status apply(const ChangeBatch& batch) override;
    Status change_schema(const SchemaChange& change) override;
    Status run_ddl(const SchemaChange& change, const std::vector<std::string>& statements);

    Status commit(const TxnCommit& commit) override {
        open_txn_dirty_ = false;
        ++pending_;
        pending_position_ = commit.end_position;
        return {};
    }

    Status flush() override {
        if (!open_) {
            return {};
        }
        if (!pending_position_) {
            return Status::error(Errc::Internal, "flush with an open source transaction and nothing committed");
        }
        if (Status st = run_pending(); !st.ok()) {
            return fail(st);
        }
        if (!position_) {
            auto prepared = my::BulkStatement::prepare(conn_, kPositionUpsert, {my::BindAs::Text, my::BindAs::Text},
                                                       "recording the applied position");
            if (!prepared.ok()) {
                return fail(prepared.status());
            }
            position_ = std::make_unique<my::BulkStatement>(std::move(prepared).value());
        }
        position_->add_row({config_.pipeline, format_position(*pending_position_)});
        if (auto n = position_->execute(); !n.ok()) {
            return fail(n.status());
        }
        if (Status st = conn_.run("COMMIT", "committing the target transaction"); !st.ok()) {
            return fail(st);
        }
        reset();
        return {};
    }

    Status discard_open() override {
        if (!open_) {
            return {};
        }
        return fail(Status());
    }

    std::size_t pending_transactions() const override { return pending_; }

private:
    Status queue(Translated& t, const RowChange& change);
    Status run_pending();
    Result<Translated*> translation(const SchemaPtr& table);
    Status add_missing_columns(const MysqlTranslation& t, const std::vector<const Column*>& missing);

    void reset() {
        open_ = false;
        dirty_ = false;
        open_txn_dirty_ = false;
        pending_ = 0;
        pending_position_.reset();
        current_ = nullptr;
    }
    // Rolls the target transaction back (everything since the last flush) and returns `st`.
    Status fail(Status st) {
        if (current_ != nullptr) {
            current_->bulk.clear();
        }
        if (open_) {
            conn_.run("ROLLBACK", "rolling back the target transaction").ignore();
        }
        reset();
        return st;
    }

    MysqlTargetConfig config_;
    my::Connection conn_;
    mysql::TargetFlavor flavor_;
    std::vector<UserType> types_;
    std::shared_ptr<spdlog::logger> log_;
    bool open_ = false;   // START TRANSACTION sent
    bool dirty_ = false;  // the open target transaction holds changes
    bool open_txn_dirty_ = false;  // ... of the open source transaction
    std::size_t pending_ = 0;
    std::optional<SourcePosition> pending_position_;
    SourcePosition current_commit_;  // of the open source transaction, for errors
    std::unordered_map<const TableSchema*, Translated> translations_;
    Prepared* current_ = nullptr;    // the statement whose rows are queued
    std::string current_what_;
    std::unique_ptr<my::BulkStatement> position_;
};

Result<Translated*> MysqlChangeSink::translation(const SchemaPtr& table) {
    if (auto it = translations_.find(table.get()); it != translations_.end()) {
        return &it->second;
    }
    auto t = mysql::translate_table(*table, types_, flavor_);
    if (!t.ok()) {
        return t.status();
    }
    if (Status st = run_pending(); !st.ok()) {
        return st;
    }
    auto missing = mysql::missing_columns(conn_, t.value().table);
    if (!missing.ok()) {
        return missing.status();
    }
    if (!missing.value().empty()) {
        if (Status st = add_missing_columns(t.value(), missing.value()); !st.ok()) {
            return st;
        }
    }
    auto& entry = translations_[table.get()];
    entry.source = table;
    entry.translation = std::move(t).value();
    return &entry;
}

// The first time a table shape is seen (at startup, or after DDL at the source), columns the target
// lacks are added. ALTER TABLE commits implicitly, so a target transaction holding changes is rolled
// back first and replayed by the pipeline (a retryable error).
Status MysqlChangeSink::add_missing_columns(const MysqlTranslation& t, const std::vector<const Column*>& missing) {
    const bool replay = dirty_ || pending_ > 0;
    const std::string table = display_name(t.table.id);
    if (Status st = conn_.run(replay ? "ROLLBACK" : "COMMIT", "ending the target transaction before ALTER TABLE");
        !st.ok()) {
        return fail(st);
    }
    if (Status st = mysql::add_columns(conn_, t.table, missing); !st.ok()) {
        return fail(st);
    }
    for (const Column* c : missing) {
        log_->info("added column {} to target table {} (new at the source)", my::quote_ident(c->name), table);
    }
    if (replay) {
        open_ = false;
        return fail(Status::error(Errc::Transient, "added columns to target table " + table
                                                       + "; applying again from the last durable position"));
    }
    return conn_.run("START TRANSACTION", "starting a target transaction");
}

// ALTER TABLE commits implicitly, so the source transactions already applied are committed first,
// with their position, and the statement runs between two target transactions. Each step is taken
// only if the target still needs it, so a replay after a crash repeats nothing.
Status MysqlChangeSink::change_schema(const SchemaChange& change) {
    if (open_txn_dirty_) {
        return fail(Status::error(Errc::Internal, "a source transaction with rows and DDL: \"" + change.statement + "\""));
    }
    if (!change.after) {  // DROP TABLE: the target table goes too
        return run_ddl(change, {"DROP TABLE IF EXISTS " + my::quote_table(change.before->id.schema, change.before->id.name)});
    }
    auto t = mysql::translate_table(*change.after, types_, flavor_);
    if (!t.ok()) {
        return fail(t.status());
    }
    const TableSchema& table = t.value().table;
    auto present = mysql::column_names(conn_, table.id);
    if (!present.ok()) {
        return fail(present.status());
    }
    std::vector<std::string> steps;
    for (const auto& step : column_steps(change, table, present.value())) {
        const std::string name = my::quote_ident(step.name);
        switch (step.kind) {
            case ColumnChange::Kind::Add: {
                auto tail = added_column_tail(step, t.value(), conn_);
                if (!tail.ok()) {
                    return fail(tail.status().with_context("column " + name + " of " + display_name(table.id)
                                                           + " added by \"" + change.statement + "\""));
                }
                steps.push_back("ADD COLUMN " + name + " " + step.column->type_name + tail.value());
                break;
            }
            case ColumnChange::Kind::Drop: steps.push_back("DROP COLUMN " + name); break;
            case ColumnChange::Kind::Rename:
                steps.push_back("RENAME COLUMN " + name + " TO " + my::quote_ident(step.new_name));
                break;
            case ColumnChange::Kind::Retype:
                steps.push_back("MODIFY COLUMN " + name + " " + step.column->type_name
                                + (step.column->is_nullable ? " NULL" : " NOT NULL"));
                break;
        }
    }
    for (auto& step : steps) {
        step = "ALTER TABLE " + my::quote_table(table.id.schema, table.id.name) + " " + step;
    }
    return run_ddl(change, steps);
}

// DDL commits implicitly: the transactions before it are committed with their position first, and
// the statements run between two target transactions.
Status MysqlChangeSink::run_ddl(const SchemaChange& change, const std::vector<std::string>& statements) {
    if (statements.empty()) {
        return {};
    }
    Status st = run_pending();
    if (st.ok()) {
        st = pending_ > 0 ? flush() : conn_.run("COMMIT", "ending the target transaction before DDL");
    }
    for (const auto& sql : statements) {
        if (st.ok()) {
            st = conn_.run(sql, "following \"" + change.statement + "\" at the target");
            log_->info("target: {}", sql);
        }
    }
    if (st.ok()) {
        st = conn_.run("START TRANSACTION", "starting a target transaction");
        open_ = true;
    }
    return st.ok() ? st : fail(st);
}

Status MysqlChangeSink::run_pending() {
    if (current_ == nullptr) {
        return {};
    }
    Prepared* p = current_;
    current_ = nullptr;
    const std::size_t rows = p->bulk.rows();
    auto n = p->bulk.execute();
    if (!n.ok()) {
        return n.status().with_context("at " + format_position(current_commit_));
    }
    if (p->statement.must_match && n.value() != rows) {
        return Status::error(Errc::Fatal, current_what_ + ": " + std::to_string(rows - std::min<std::uint64_t>(rows, n.value()))
                                              + " of " + std::to_string(rows)
                                              + " rows were not found at the target (the target diverged from the "
                                                "source; re-snapshot this table)");
    }
    return {};
}

Status MysqlChangeSink::queue(Translated& t, const RowChange& change) {
    auto& slot = t.statements[mysql::statement_key(change)];
    if (!slot) {
        RowStatement statement = mysql::build_row_statement(t.translation, change);
        static constexpr const char* kOpNames[] = {"", "insert into", "update of", "delete from", "truncate of"};
        const std::string what = std::string(kOpNames[static_cast<int>(change.op)]) + " " + display_name(change.table->id);
        auto bulk = my::BulkStatement::prepare(conn_, statement.sql, statement.kinds, what);
        if (!bulk.ok()) {
            return bulk.status();
        }
        slot = std::make_unique<Prepared>(Prepared{std::move(statement), std::move(bulk).value()});
    }
    Prepared* p = slot.get();
    if (current_ != p || p->bulk.bytes() >= config_.batch_bytes) {
        if (Status st = run_pending(); !st.ok()) {
            return st;
        }
        current_ = p;
        current_what_ = display_name(change.table->id);
    }
    auto values = mysql::statement_values(t.translation, p->statement, change);
    if (!values.ok()) {
        return unfit_in_stream(values.status(), current_commit_);
    }
    p->bulk.add_row(std::move(values).value());
    dirty_ = true;
    open_txn_dirty_ = true;
    return {};
}

Status MysqlChangeSink::apply(const ChangeBatch& batch) {
    for (const auto& change : batch.changes) {
        auto t = translation(change.table);
        if (!t.ok()) {
            return fail(t.status());
        }
        if (change.op == Op::Truncate) {
            // DELETE rather than TRUNCATE, which would commit the open target transaction.
            const auto& id = t.value()->translation.table.id;
            Status st = run_pending();
            if (st.ok()) {
                st = conn_.run("DELETE FROM " + my::quote_table(id.schema, id.name), "truncate of " + display_name(id));
            }
            if (!st.ok()) {
                return fail(st.with_context("at " + format_position(current_commit_)));
            }
            dirty_ = true;
            open_txn_dirty_ = true;
            continue;
        }
        if (Status st = queue(*t.value(), change); !st.ok()) {
            return fail(st);
        }
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<ChangeSink>> open_mysql_change_sink(const MysqlTargetConfig& config, const SourceCatalog& catalog,
                                                           std::shared_ptr<spdlog::logger> log) {
    auto conn = mysql::connect_target(config, "apply");
    if (!conn.ok()) {
        return conn.status();
    }
    return std::unique_ptr<ChangeSink>(
        new MysqlChangeSink(config, std::move(conn).value(), catalog.types, std::move(log)));
}

}  // namespace ferry::apply
