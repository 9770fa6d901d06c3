// PgChangeSink: applies source transactions in libpq pipeline mode. Statements stream to the server
// without a round trip each; results are read at every sync point (statements_per_sync) and at
// flush(). A target transaction holds whole source transactions only and ends with the position
// upsert, so data and position commit together (invariant 3).
// https://www.postgresql.org/docs/15/libpq-pipeline-mode.html
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "../applied_position.hpp"
#include "../column_steps.hpp"
#include "../unfit_value.hpp"
#include "ferry/apply/pg_apply.hpp"
#include "ferry/core/names.hpp"
#include "ferry/pq/connection.hpp"
#include "mysql_to_pg.hpp"
#include "statement_builder.hpp"
#include "target_catalog.hpp"
#include "target_session.hpp"

namespace ferry::apply {

namespace {

constexpr char kPositionStatement[] = "ferry_position";
constexpr char kPositionSql[] =
    "INSERT INTO _ferry.applied_position (pipeline, position, updated_at) VALUES ($1, $2, now()) "
    "ON CONFLICT (pipeline) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at";

// " DEFAULT '...' [NOT NULL]" for an added column whose rows the source filled: PostgreSQL fills the
// rows already there the same way (without rewriting the table); the default stays, as at the source.
Result<std::string> fill_clause(const ColumnStep& step, const pg::PgTranslation* translation) {
    const auto* text = std::get_if<std::string>(step.fill);
    if (text == nullptr) {
        return std::string();
    }
    std::string value = *text;
    if (translation != nullptr) {
        const auto i = static_cast<std::size_t>(step.column - translation->table.columns.data());
        if (Status st = pg::convert_value(translation->rules.at(i), value); !st.ok()) {
            return st;
        }
    }
    return " DEFAULT " + quote_literal(value) + (step.column->is_nullable ? "" : " NOT NULL");
}

// What the result of one queued command must look like, and how to name it in an error.
struct Expected {
    std::string what;
    bool one_row = false;
};

class PgChangeSink final : public ChangeSink {
public:
    PgChangeSink(PgTargetConfig config, pq::Connection conn, LoggerPtr log)
        : config_(std::move(config))
        , conn_(std::move(conn))
        , log_(std::move(log)) {}

    Result<std::optional<SourcePosition>> applied_position() override {
        if (PQpipelineStatus(conn_.get()) != PQ_PIPELINE_OFF) {
            return Status::error(Errc::Internal, "applied_position() must be read before applying");
        }
        auto res = conn_.exec_params("SELECT position FROM _ferry.applied_position WHERE pipeline = $1",
                                     {config_.pipeline}, "reading the applied position at the target");
        if (!res.ok()) {
            return res.status();
        }
        if (PQntuples(res.value().get()) == 0) {
            return parse_applied_position(std::nullopt);
        }
        return parse_applied_position(pq::field(res.value().get(), 0, 0));
    }

    Status begin(const TxnBegin& b) override {
        current_commit_ = b.commit_position;
        if (Status st = enter_pipeline(); !st.ok()) {
            return st;
        }
        if (!target_open_) {
            target_open_ = true;
            return send("BEGIN", {}, Expected{"BEGIN"});
        }
        return {};
    }

    Status apply(const ChangeBatch& batch) override;
    Status change_schema(const SchemaChange& change) override;
    Status drop_table(const SchemaChange& change);

    Status commit(const TxnCommit& commit) override {
        ++pending_;
        pending_position_ = commit.end_position;
        return {};
    }

    Status flush() override {
        if (!target_open_) {
            return {};
        }
        if (!pending_position_) {
            return Status::error(Errc::Internal, "flush with an open source transaction and nothing committed");
        }
        const std::string pos = format_position(*pending_position_);
        if (Status st = send_prepared(kPositionStatement, kPositionSql, {config_.pipeline, pos},
                                      Expected{"recording the applied position"});
            !st.ok()) {
            return st;
        }
        if (Status st = send("COMMIT", {}, Expected{"COMMIT"}); !st.ok()) {
            return st;
        }
        if (Status st = sync(); !st.ok()) {
            return st;
        }
        target_open_ = false;
        pending_ = 0;
        pending_position_.reset();
        return {};
    }

    Status discard_open() override {
        if (!target_open_) {
            return {};
        }
        sync().ignore();  // errors here are moot: everything since the last flush is rolled back
        target_open_ = false;
        pending_ = 0;
        pending_position_.reset();
        if (Status st = send("ROLLBACK", {}, Expected{"ROLLBACK"}); !st.ok()) {
            return st;
        }
        return sync();
    }

    std::size_t pending_transactions() const override { return pending_; }

private:
    Status enter_pipeline() {
        if (PQpipelineStatus(conn_.get()) == PQ_PIPELINE_OFF && PQenterPipelineMode(conn_.get()) != 1) {
            return Status::error(Errc::Transient, "cannot enter pipeline mode on the target connection");
        }
        return {};
    }

    Status send(const std::string& sql, const std::vector<std::optional<std::string>>& params, Expected expected);
    Result<std::string> prepare(const std::string& cache_key, const std::string& sql, std::string_view what);
    Status send_prepared(const std::string& cache_key, const std::string& sql,
                         const std::vector<std::optional<std::string>>& params, Expected expected);
    Status send_row(const RowChange& change);
    Status copy_run(const std::vector<RowChange>& changes, std::size_t first, std::size_t end);
    Status ensure_columns(const SchemaPtr& table);
    Result<ChangeBatch> translate(const ChangeBatch& batch);

    struct Translated {
        SchemaPtr source;  // keeps the source schema (the map's key) alive
        std::shared_ptr<pg::PgTranslation> translation;
        SchemaPtr table;   // aliases translation->table
    };
    std::unordered_map<const TableSchema*, Translated> translations_;
    SourcePosition current_commit_;  // of the open source transaction, for errors
    Status sync();
    Status read_one(const Expected& expected, Status& first_error);

    PgTargetConfig config_;
    pq::Connection conn_;
    LoggerPtr log_;
    bool target_open_ = false;                       // a target transaction is open (BEGIN sent)
    std::size_t pending_ = 0;                        // source transactions committed since the last flush
    std::optional<SourcePosition> pending_position_;  // end position of the last of them
    std::deque<Expected> in_flight_;                 // sent, result not yet read, in order
    std::unordered_map<std::string, std::string> prepared_;  // cache key -> statement name
    std::vector<SchemaPtr> schemas_;  // keeps schemas alive so their addresses in cache keys stay unique
    std::unordered_set<const TableSchema*> checked_;  // schemas whose columns the target is known to have
};

Status PgChangeSink::send(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                          Expected expected) {
    const auto values = pq::param_values(params);
    if (PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                          nullptr, 0)
        != 1) {
        return Status::error(Errc::Transient, expected.what + ": " + PQerrorMessage(conn_.get()));
    }
    in_flight_.push_back(std::move(expected));
    return {};
}

Result<std::string> PgChangeSink::prepare(const std::string& cache_key, const std::string& sql, std::string_view what) {
    if (auto it = prepared_.find(cache_key); it != prepared_.end()) {
        return it->second;
    }
    std::string name = "ferry_" + std::to_string(prepared_.size());
    if (PQsendPrepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr) != 1) {
        return Status::error(Errc::Transient, "preparing a statement: " + std::string(PQerrorMessage(conn_.get())));
    }
    in_flight_.push_back(Expected{"preparing the statement for " + std::string(what)});
    prepared_.emplace(cache_key, name);
    return name;
}

Status PgChangeSink::send_prepared(const std::string& cache_key, const std::string& sql,
                                   const std::vector<std::optional<std::string>>& params, Expected expected) {
    auto name = prepare(cache_key, sql, expected.what);
    if (!name.ok()) {
        return name.status();
    }
    const auto values = pq::param_values(params);
    if (PQsendQueryPrepared(conn_.get(), name.value().c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                            nullptr, 0)
        != 1) {
        return Status::error(Errc::Transient, expected.what + ": " + PQerrorMessage(conn_.get()));
    }
    in_flight_.push_back(std::move(expected));
    return {};
}

Status PgChangeSink::send_row(const RowChange& change) {
    auto stmt = pg::build_row_statement(change);
    if (!stmt.ok()) {
        return stmt.status();
    }
    auto& s = stmt.value();
    static constexpr const char* kOpNames[] = {"", "insert into", "update of", "delete from", "truncate of"};
    return send_prepared(s.cache_key, s.sql, s.params,
                         Expected{std::string(kOpNames[static_cast<int>(change.op)]) + " " + display_name(change.table->id),
                                  s.expects_one_row});
}

// Bulk inserts (a large INSERT ... SELECT, COPY at the source) arrive as long runs of inserts into
// one table: COPY takes them several times faster than one INSERT each. COPY cannot run in pipeline
// mode, so the pipeline is synced and left for it; the target transaction stays open throughout.
Status PgChangeSink::copy_run(const std::vector<RowChange>& changes, std::size_t first, std::size_t end) {
    const TableSchema& table = *changes[first].table;
    const std::string what = "copying inserts into " + display_name(table.id);
    if (Status st = sync(); !st.ok()) {
        return st;
    }
    if (PQexitPipelineMode(conn_.get()) != 1) {
        return Status::error(Errc::Transient, what + ": cannot leave pipeline mode");
    }
    pq::ResultPtr res{PQexec(conn_.get(), pg::build_copy_in(table).c_str())};
    if (Status st = conn_.check(res.get(), what); !st.ok()) {
        return st;
    }
    std::string buffer;
    for (std::size_t i = first; i < end; ++i) {
        if (Status st = pg::append_copy_row(buffer, changes[i]); !st.ok()) {
            return st;
        }
    }
    if (PQputCopyData(conn_.get(), buffer.data(), static_cast<int>(buffer.size())) != 1
        || PQputCopyEnd(conn_.get(), nullptr) != 1) {
        return Status::error(Errc::Transient, what + ": " + PQerrorMessage(conn_.get()));
    }
    pq::ResultPtr done{PQgetResult(conn_.get())};
    Status st = conn_.check(done.get(), what);
    while (pq::ResultPtr extra{PQgetResult(conn_.get())}) {
    }
    return st.ok() ? enter_pipeline() : st;
}

// The first time a table shape is seen (at startup, or after DDL at the source changed the table),
// columns the target lacks are added in the open target transaction, so the rows that need them
// commit together with them. Other DDL (type changes, drops) is not replicated.
Status PgChangeSink::ensure_columns(const SchemaPtr& table) {
    checked_.insert(table.get());
    schemas_.push_back(table);
    if (Status st = sync(); !st.ok()) {
        return st;
    }
    if (PQexitPipelineMode(conn_.get()) != 1) {
        return Status::error(Errc::Transient, "cannot leave pipeline mode on the target connection");
    }
    auto missing = pg::missing_columns(conn_, *table);
    if (!missing.ok()) {
        return missing.status();
    }
    for (const auto& name : missing.value()) {
        const auto column = std::find_if(table->columns.begin(), table->columns.end(),
                                         [&](const Column& c) { return c.name == name; });
        const std::string sql = "ALTER TABLE " + quote_table(table->id) + " ADD COLUMN " + quote_ident(name) + " "
                                + column->type_name;
        if (Status st = conn_.run(sql, "adding column " + quote_ident(name) + " to " + display_name(table->id)); !st.ok()) {
            return st;
        }
        log_->info("added column {} to target table {} (new at the source)", quote_ident(name), display_name(table->id));
    }
    return enter_pipeline();
}

// The same column changes at the target, in the open target transaction (PostgreSQL's DDL is
// transactional, so they commit with the rows around them). Each step is taken only if the target
// still needs it, so a replay after a crash repeats nothing.
Status PgChangeSink::change_schema(const SchemaChange& change) {
    if (!change.after) {
        return drop_table(change);
    }
    std::optional<pg::PgTranslation> translation;
    const TableSchema* table = change.after.get();
    if (table->engine == Engine::MySql) {
        translation = pg::translate_mysql_table(*table);
        table = &translation->table;
    }
    if (Status st = sync(); !st.ok()) {
        return st;
    }
    if (PQexitPipelineMode(conn_.get()) != 1) {
        return Status::error(Errc::Transient, "cannot leave pipeline mode on the target connection");
    }
    if (translation) {
        if (Status st = pg::create_missing_types(conn_, translation->types); !st.ok()) {
            return st;
        }
        if (Status st = pg::add_enum_labels(config_.conninfo, translation->types); !st.ok()) {
            return st;
        }
    }
    auto present = pg::column_names(conn_, table->id);
    if (!present.ok()) {
        return present.status();
    }
    const std::string target = quote_table(table->id);
    for (const auto& step : column_steps(change, *table, present.value())) {
        const std::string name = quote_ident(step.name);
        std::string sql = "ALTER TABLE " + target;
        switch (step.kind) {
            case ColumnChange::Kind::Add: {
                auto fill = fill_clause(step, translation ? &*translation : nullptr);
                if (!fill.ok()) {
                    return fill.status().with_context("column " + name + " of " + display_name(table->id) + " added by \""
                                                      + change.statement + "\"");
                }
                sql += " ADD COLUMN " + name + " " + step.column->type_name + fill.value();
                break;
            }
            case ColumnChange::Kind::Drop: sql += " DROP COLUMN " + name; break;
            case ColumnChange::Kind::Rename: sql += " RENAME COLUMN " + name + " TO " + quote_ident(step.new_name); break;
            case ColumnChange::Kind::Retype:
                sql += " ALTER COLUMN " + name + " TYPE " + step.column->type_name + " USING " + name
                       + "::" + step.column->type_name + ", ALTER COLUMN " + name
                       + (step.column->is_nullable ? " DROP" : " SET") + " NOT NULL";
                break;
        }
        if (Status st = conn_.run(sql, "following \"" + change.statement + "\" at the target"); !st.ok()) {
            return st;
        }
        log_->info("target table {}: {}", display_name(table->id), sql);
    }
    return enter_pipeline();
}

// DROP TABLE at the source: the target table goes too, in the open target transaction.
Status PgChangeSink::drop_table(const SchemaChange& change) {
    if (Status st = sync(); !st.ok()) {
        return st;
    }
    if (PQexitPipelineMode(conn_.get()) != 1) {
        return Status::error(Errc::Transient, "cannot leave pipeline mode on the target connection");
    }
    const std::string sql = "DROP TABLE IF EXISTS " + quote_table(change.before->id);
    if (Status st = conn_.run(sql, "following \"" + change.statement + "\" at the target"); !st.ok()) {
        return st;
    }
    log_->info("target table {} dropped (dropped at the source)", display_name(change.before->id));
    return enter_pipeline();
}

// Changes of MySQL/MariaDB tables, with PostgreSQL types and values (mysql_to_pg.hpp).
Result<ChangeBatch> PgChangeSink::translate(const ChangeBatch& batch) {
    ChangeBatch out;
    out.changes.reserve(batch.changes.size());
    for (const auto& change : batch.changes) {
        RowChange c = change;
        if (change.table->engine == Engine::MySql) {
            auto& t = translations_[change.table.get()];
            if (!t.translation) {
                t.source = change.table;
                t.translation = std::make_shared<pg::PgTranslation>(pg::translate_mysql_table(*change.table));
                t.table = SchemaPtr(t.translation, &t.translation->table);
            }
            c.table = t.table;
            for (auto* row : {&c.before, &c.after}) {
                if (Status st = pg::convert_row(*t.translation, *row); !st.ok()) {
                    return unfit_in_stream(st, current_commit_);
                }
            }
        }
        out.changes.push_back(std::move(c));
    }
    return out;
}

Status PgChangeSink::apply(const ChangeBatch& source_batch) {
    const bool from_mysql = std::any_of(source_batch.changes.begin(), source_batch.changes.end(),
                                        [](const RowChange& c) { return c.table->engine == Engine::MySql; });
    Result<ChangeBatch> translated = from_mysql ? translate(source_batch) : Result<ChangeBatch>(ChangeBatch{});
    if (!translated.ok()) {
        return translated.status();
    }
    const ChangeBatch& batch = from_mysql ? translated.value() : source_batch;
    const auto& changes = batch.changes;
    for (const auto& change : changes) {
        if (!checked_.contains(change.table.get())) {
            if (Status st = ensure_columns(change.table); !st.ok()) {
                return st;
            }
        }
    }
    for (std::size_t i = 0; i < changes.size(); ++i) {
        std::size_t run_end = i;
        while (run_end < changes.size() && pg::is_copyable_insert(changes[run_end], changes[i].table.get())) {
            ++run_end;
        }
        if (run_end - i >= pg::kMinCopyRun) {
            if (Status st = copy_run(changes, i, run_end); !st.ok()) {
                return st;
            }
            i = run_end - 1;
            continue;
        }
        if (changes[i].op == Op::Truncate) {
            std::vector<const RowChange*> group;
            while (i < changes.size() && changes[i].op == Op::Truncate) {
                group.push_back(&changes[i++]);
            }
            --i;
            if (Status st = send(pg::build_truncate(group), {}, Expected{"TRUNCATE"}); !st.ok()) {
                return st;
            }
        } else if (Status st = send_row(changes[i]); !st.ok()) {
            return st;
        }
        if (in_flight_.size() >= config_.statements_per_sync) {
            if (Status st = sync(); !st.ok()) {
                return st;
            }
        }
    }
    return {};
}

Status PgChangeSink::read_one(const Expected& expected, Status& first_error) {
    pq::ResultPtr res{PQgetResult(conn_.get())};
    if (!res) {
        return Status::error(Errc::Transient, "target connection lost while reading results");
    }
    const auto status = PQresultStatus(res.get());
    if (status == PGRES_PIPELINE_ABORTED) {
        // A previous command failed; first_error holds why.
    } else if (Status st = conn_.check(res.get(), expected.what); !st.ok()) {
        if (first_error.ok()) {
            first_error = st;
        }
    } else if (expected.one_row && first_error.ok() && std::string_view(PQcmdTuples(res.get())) != "1") {
        first_error = Status::error(Errc::Fatal, expected.what + ": the row was not found at the target (the target "
                                                                 "diverged from the source; re-snapshot this table)");
    }
    pq::ResultPtr end{PQgetResult(conn_.get())};  // NULL ends each command's results
    return {};
}

Status PgChangeSink::sync() {
    if (PQpipelineSync(conn_.get()) != 1) {
        return Status::error(Errc::Transient, std::string("target pipeline sync: ") + PQerrorMessage(conn_.get()));
    }
    Status first_error;
    while (!in_flight_.empty()) {
        if (Status st = read_one(in_flight_.front(), first_error); !st.ok()) {
            return st;
        }
        in_flight_.pop_front();
    }
    pq::ResultPtr sync_result{PQgetResult(conn_.get())};
    if (!sync_result || PQresultStatus(sync_result.get()) != PGRES_PIPELINE_SYNC) {
        if (PQstatus(conn_.get()) != CONNECTION_OK) {
            return Status::error(Errc::Transient, "target connection lost" + (first_error.ok() ? std::string() : ": " + first_error.message()));
        }
        return Status::error(Errc::Transient, "target pipeline out of step (expected a sync result)");
    }
    return first_error;
}

}  // namespace

Result<std::unique_ptr<ChangeSink>> open_change_sink(const PgTargetConfig& config, LoggerPtr log) {
    auto conn = pq::Connection::connect_writable(config.conninfo, "apply");
    if (!conn.ok()) {
        return conn.status();
    }
    // As PostgreSQL's own apply workers do: replicated rows fire no triggers or FK checks. Needs
    // superuser; without it the target's triggers fire as the user set them up.
    if (!conn.value().run("SET session_replication_role = replica", "setting session_replication_role").ok()) {
        log->info("target user may not set session_replication_role; target triggers will fire");
    }
    if (!config.replication_origin.empty()) {
        if (Status st = mark_replication_origin(conn.value(), config.replication_origin); !st.ok()) {
            return st;
        }
    }
    return std::unique_ptr<ChangeSink>(new PgChangeSink(config, std::move(conn).value(), std::move(log)));
}

}  // namespace ferry::apply
