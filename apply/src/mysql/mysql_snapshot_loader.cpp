// Snapshot loader for MySQL/MariaDB targets: each table is emptied, then loaded with bulk INSERTs
// in one transaction, so a crash leaves it as it was before the load or fully loaded; a restart
// loads it again from scratch. Rows arrive in COPY text form and go through the same value
// conversion as the stream (sql_builder.hpp), so both paths store a value the same way.
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

    Result<CopyFormat> begin_table(const TableSchema& source) override {
        auto t = mysql::translate_table(source, types_, flavor_);
        if (!t.ok()) {
            return t.status();
        }
        translation_ = std::move(t).value();
        const auto& id = translation_.table.id;
        what_ = "loading " + display_name(id) + " into the target";
        // TRUNCATE commits by itself: it runs before the load's transaction.
        if (Status st = conn_.run("TRUNCATE TABLE " + my::quote_table(id.schema, id.name), what_); !st.ok()) {
            return st;
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
                return st.with_context("in the snapshot");
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

    Status finish_table() override {
        if (auto n = bulk_->execute(); !n.ok()) {
            return n.status();
        }
        bulk_.reset();
        return conn_.run("COMMIT", what_);
    }

private:
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
