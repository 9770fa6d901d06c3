// Snapshot loader for MySQL/MariaDB targets: each table is emptied, then loaded with bulk INSERTs
// in one transaction, so a crash leaves it as it was before the load or fully loaded; a restart
// loads it again from scratch — unless the reader reads in key ranges: then each checkpoint commits
// the rows so far together with the resume key in `_ferry`.`snapshot_checkpoint`, and a restart
// continues after that key. Rows arrive in COPY text form and go through the same value
// conversion as the stream (sql_builder.hpp), so both paths store a value the same way.
#include "../unfit_value.hpp"
#include "ferry/apply/mysql_apply.hpp"
#include "ferry/core/copy_text.hpp"
#include "ferry/my/bulk_statement.hpp"
#include "mysql_target_schema.hpp"
#include "sql_builder.hpp"

namespace ferry::apply {

namespace {

class MysqlSnapshotLoader final : public SnapshotLoader {
public:
    MysqlSnapshotLoader(MysqlTargetConfig config, my::Connection conn, std::vector<UserType> types)
        : config_(std::move(config)), conn_(std::move(conn)), flavor_(mysql::flavor_of(conn_)), types_(std::move(types)) {}

    Result<std::optional<LoadCheckpoint>> checkpoint_of(const TableSchema& table) override {
        auto row = conn_.query_row(std::string("SELECT resume_key, `rows` FROM ") + mysql::kCheckpointTable
                                       + " WHERE pipeline = " + conn_.literal(config_.pipeline) + " AND table_schema = "
                                       + conn_.literal(table.id.schema) + " AND table_name = " + conn_.literal(table.id.name),
                                   "reading the snapshot checkpoint at the target");
        if (!row.ok()) {
            return row.status();
        }
        if (!row.value()) {
            return std::optional<LoadCheckpoint>{};
        }
        return std::optional<LoadCheckpoint>{
            LoadCheckpoint{my::field(*row.value(), 0), std::stoull("0" + my::field(*row.value(), 1)), std::nullopt}};
    }

    Result<CopyFormat> begin_table(const TableSchema& source, bool resume, const SourcePosition&) override {
        auto t = mysql::translate_table(source, types_, flavor_);
        if (!t.ok()) {
            return t.status();
        }
        translation_ = std::move(t).value();
        const auto& id = translation_.table.id;
        what_ = "loading " + display_name(id) + " into the target";
        // TRUNCATE commits by itself, so it runs before the load's transaction, and after the old
        // checkpoint is gone: a crash in between must not resume into an emptied table.
        if (!resume) {
            if (Status st = forget_checkpoint(); !st.ok()) {
                return st;
            }
            if (Status st = conn_.run("TRUNCATE TABLE " + my::quote_table(id.schema, id.name), what_); !st.ok()) {
                return st;
            }
        }
        if (Status st = conn_.run("SET SESSION unique_checks = 0", what_); !st.ok()) {
            return st;
        }
        if (Status st = conn_.run("START TRANSACTION", what_); !st.ok()) {
            return st;
        }
        const mysql::RowStatement statement = mysql::build_load_statement(translation_);
        auto bulk = my::BulkStatement::prepare(conn_, statement.sql, statement.kinds, what_);
        if (!bulk.ok()) {
            return bulk.status();
        }
        bulk_ = std::make_unique<my::BulkStatement>(std::move(bulk).value());
        return CopyFormat::Text;
    }

    Status write(const SnapshotChunk& chunk) override {
        std::string_view data = chunk.copy_data;
        const std::size_t columns = translation_.table.columns.size();
        while (!data.empty()) {
            const auto nl = data.find('\n');
            const std::string_view line = data.substr(0, nl);
            data.remove_prefix(nl == std::string_view::npos ? data.size() : nl + 1);
            auto fields = parse_copy_row(line);
            if (!fields.ok()) {
                return fields.status().with_context(what_);
            }
            if (fields.value().size() != columns) {
                return Status::error(Errc::Corruption, what_ + ": a snapshot row has "
                                                           + std::to_string(fields.value().size()) + " columns, not "
                                                           + std::to_string(columns));
            }
            if (Status st = mysql::convert_row(translation_, fields.value()); !st.ok()) {
                return unfit_in_copy(st.with_context("in the snapshot"));
            }
            bulk_->add_row(std::move(fields).value());
            if (bulk_->bytes() >= config_.batch_bytes) {
                if (auto n = bulk_->execute(); !n.ok()) {
                    return n.status();
                }
            }
        }
        return {};
    }

    Status checkpoint(const LoadCheckpoint& checkpoint) override {
        if (auto n = bulk_->execute(); !n.ok()) {
            return n.status();
        }
        const auto& id = translation_.table.id;
        if (Status st = conn_.run(std::string("INSERT INTO ") + mysql::kCheckpointTable
                                      + " (pipeline, table_schema, table_name, resume_key, `rows`, updated_at) VALUES ("
                                      + conn_.literal(config_.pipeline) + ", " + conn_.literal(id.schema) + ", "
                                      + conn_.literal(id.name) + ", " + conn_.literal(checkpoint.resume_key) + ", "
                                      + std::to_string(checkpoint.rows)
                                      + ", UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE resume_key = VALUES(resume_key), "
                                        "`rows` = VALUES(`rows`), updated_at = VALUES(updated_at)",
                                  "recording a snapshot checkpoint at the target");
            !st.ok()) {
            return st;
        }
        if (Status st = conn_.run("COMMIT", what_); !st.ok()) {
            return st;
        }
        return conn_.run("START TRANSACTION", what_);
    }

    Status finish_table() override {
        if (auto n = bulk_->execute(); !n.ok()) {
            return n.status();
        }
        bulk_.reset();
        if (Status st = forget_checkpoint(); !st.ok()) {
            return st;
        }
        return conn_.run("COMMIT", what_);
    }

private:
    Status forget_checkpoint() {
        const auto& id = translation_.table.id;
        return conn_.run(std::string("DELETE FROM ") + mysql::kCheckpointTable + " WHERE pipeline = "
                             + conn_.literal(config_.pipeline) + " AND table_schema = " + conn_.literal(id.schema)
                             + " AND table_name = " + conn_.literal(id.name),
                         "clearing the snapshot checkpoint at the target");
    }

    MysqlTargetConfig config_;
    my::Connection conn_;
    mysql::TargetFlavor flavor_;
    std::vector<UserType> types_;
    mysql::MysqlTranslation translation_;
    std::unique_ptr<my::BulkStatement> bulk_;
    std::string what_;
};

}  // namespace

Result<std::unique_ptr<SnapshotLoader>> open_mysql_snapshot_loader(const MysqlTargetConfig& config,
                                                                   const SourceCatalog& catalog) {
    auto conn = mysql::connect_target(config, "snapshot");
    if (!conn.ok()) {
        return conn.status();
    }
    return std::unique_ptr<SnapshotLoader>(new MysqlSnapshotLoader(config, std::move(conn).value(), catalog.types));
}

}  // namespace ferry::apply
