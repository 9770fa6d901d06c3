// Snapshot loader: one transaction per table (TRUNCATE, COPY ... FREEZE, primary key), so a crash
// leaves each table either fully loaded or as it was, and a restart loads it again from scratch —
// unless the reader reads in key ranges: then each checkpoint commits the rows so far together with
// the resume key in _ferry.snapshot_checkpoint, and a restart continues after that key.
#include <map>

#include "../unfit_value.hpp"
#include "ferry/apply/pg_apply.hpp"
#include "ferry/core/names.hpp"
#include "ferry/pq/connection.hpp"
#include "mysql_binary_copy.hpp"
#include "mysql_to_pg.hpp"

namespace ferry::apply {

namespace {

class PgSnapshotLoader final : public SnapshotLoader {
public:
    PgSnapshotLoader(std::string pipeline, pq::Connection conn) : pipeline_(std::move(pipeline)), conn_(std::move(conn)) {}

    Result<std::optional<LoadCheckpoint>> checkpoint_of(const TableSchema& table) override {
        auto res = conn_.exec_params(
            "SELECT resume_key, rows FROM _ferry.snapshot_checkpoint WHERE pipeline = $1 AND table_schema = $2 AND "
            "table_name = $3",
            {pipeline_, table.id.schema, table.id.name}, "reading the snapshot checkpoint at the target");
        if (!res.ok()) {
            return res.status();
        }
        if (PQntuples(res.value().get()) == 0) {
            return std::optional<LoadCheckpoint>{};
        }
        return std::optional<LoadCheckpoint>{
            LoadCheckpoint{pq::field(res.value().get(), 0, 0), std::stoull("0" + pq::field(res.value().get(), 0, 1)), std::nullopt}};
    }

    Result<CopyFormat> begin_table(const TableSchema& source_table, bool resume, const SourcePosition&) override {
        translation_.reset();
        if (source_table.engine == Engine::MySql) {
            translation_ = pg::translate_mysql_table(source_table);
        }
        const TableSchema& table = translation_ ? translation_->table : source_table;
        table_ = &table;
        what_ = "loading " + display_name(table.id) + " into the target";
        auto format = choose_format();
        if (!format.ok()) {
            return format.status();
        }
        format_ = encode_binary_ ? CopyFormat::Binary : format.value();
        if (Status st = conn_.run("BEGIN", what_); !st.ok()) {
            return st;
        }
        if (!resume) {
            if (Status st = conn_.run("TRUNCATE " + quote_table(table.id), what_); !st.ok()) {
                return st;
            }
            if (Status st = forget_checkpoint(); !st.ok()) {
                return st;
            }
        }
        // FREEZE: the table was truncated in this transaction, so rows can be written frozen and
        // need no later hint-bit or freeze pass.
        if (Status st = start_copy(!resume); !st.ok()) {
            return st;
        }
        return format;
    }

    Status write(const SnapshotChunk& source_chunk) override {
        if (encode_binary_) {
            encoded_.clear();
            if (Status st = pg::append_binary_rows(*translation_, source_chunk.copy_data, encoded_); !st.ok()) {
                return unfit_in_copy(st.with_context(what_));
            }
            return put_copy_data(encoded_);
        }
        SnapshotChunk converted;
        if (translation_ && translation_->converts) {
            if (Status st = convert_chunk(source_chunk, converted); !st.ok()) {
                return st;
            }
        }
        const SnapshotChunk& chunk = translation_ && translation_->converts ? converted : source_chunk;
        return put_copy_data(chunk.copy_data);
    }

    Status checkpoint(const LoadCheckpoint& checkpoint) override {
        if (Status st = end_copy(); !st.ok()) {
            return st;
        }
        auto res = conn_.exec_params(
            "INSERT INTO _ferry.snapshot_checkpoint (pipeline, table_schema, table_name, resume_key, rows) VALUES ($1, $2, "
            "$3, $4, $5) ON CONFLICT (pipeline, table_schema, table_name) DO UPDATE SET resume_key = excluded.resume_key, "
            "rows = excluded.rows, updated_at = now()",
            {pipeline_, table_->id.schema, table_->id.name, checkpoint.resume_key, std::to_string(checkpoint.rows)},
            "recording a snapshot checkpoint at the target");
        if (!res.ok()) {
            return res.status();
        }
        for (const char* sql : {"COMMIT", "BEGIN"}) {
            if (Status st = conn_.run(sql, what_); !st.ok()) {
                return st;
            }
        }
        return start_copy(false);
    }

    Status finish_table() override {
        if (Status st = end_copy(); !st.ok()) {
            return st;
        }
        if (Status st = add_missing_primary_key(); !st.ok()) {
            return st;
        }
        if (Status st = forget_checkpoint(); !st.ok()) {
            return st;
        }
        return conn_.run("COMMIT", what_);
    }

private:
    // Binary COPY carries type OIDs inside arrays and needs identical types on both sides, so
    // PostgreSQL rows go binary only when every column has a built-in type and the target column's
    // type is the same. MySQL rows arrive as text and are encoded here when every target column has
    // the mapped type (a table the user created with other types takes text, which PostgreSQL casts).
    Result<CopyFormat> choose_format() {
        encode_binary_ = false;
        constexpr std::uint32_t kFirstNormalObjectId = 16384;
        if (!translation_) {
            for (const auto& c : table_->columns) {
                if (c.type_oid == 0 || c.type_oid >= kFirstNormalObjectId) {
                    return CopyFormat::Text;
                }
            }
        }
        auto res = conn_.exec_params(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, t.typtype = 'e' FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON "
            "t.oid = a.atttypid WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
            {table_->id.schema, table_->id.name}, what_);
        if (!res.ok()) {
            return res.status();
        }
        struct TargetType {
            std::string name;
            std::uint32_t oid = 0;
            bool is_enum = false;
        };
        std::map<std::string, TargetType> target_types;
        for (int i = 0; i < PQntuples(res.value().get()); ++i) {
            const PGresult* r = res.value().get();
            target_types.emplace(pq::field(r, i, 0), TargetType{pq::field(r, i, 1),
                                                                static_cast<std::uint32_t>(std::stoul(pq::field(r, i, 2))),
                                                                pq::field(r, i, 3) == "t"});
        }
        for (std::size_t i = 0; i < table_->columns.size(); ++i) {
            const auto it = target_types.find(table_->columns[i].name);
            if (it == target_types.end()) {
                return CopyFormat::Text;
            }
            const TargetType& target = it->second;
            const bool same = translation_ ? (translation_->forms[i] == pg::BinaryForm::Enum
                                                  ? target.is_enum
                                                  : target.oid == pg::type_oid(translation_->forms[i]))
                                           : target.name == table_->columns[i].type_name;
            if (!same) {
                return CopyFormat::Text;
            }
        }
        encode_binary_ = translation_.has_value();
        return translation_ ? CopyFormat::Text : CopyFormat::Binary;
    }

    // Tables ferry created for a snapshot get their primary key after the copy: one sorted index
    // build instead of a B-tree insert per row.
    Status add_missing_primary_key() {
        if (table_->primary_key.empty()) {
            return {};
        }
        auto res = conn_.exec_params(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary",
            {table_->id.schema, table_->id.name}, what_);
        if (!res.ok()) {
            return res.status();
        }
        if (PQntuples(res.value().get()) > 0) {
            return {};
        }
        std::string keys;
        for (const auto& k : table_->primary_key) {
            keys += (keys.empty() ? "" : ", ") + quote_ident(k);
        }
        return conn_.run("ALTER TABLE " + quote_table(table_->id) + " ADD PRIMARY KEY (" + keys + ")", what_);
    }

    Status start_copy(bool freeze) {
        std::string columns;
        for (const auto& c : table_->columns) {
            columns += (columns.empty() ? "" : ", ") + quote_ident(c.name);
        }
        std::string options = format_ == CopyFormat::Binary ? "FORMAT binary" : "";
        if (freeze) {
            options += options.empty() ? "FREEZE" : ", FREEZE";
        }
        pq::ResultPtr res{PQexec(conn_.get(), ("COPY " + quote_table(table_->id) + " (" + columns + ") FROM STDIN"
                                               + (options.empty() ? "" : " (" + options + ")"))
                                                  .c_str())};
        if (Status st = conn_.check(res.get(), what_); !st.ok() || !encode_binary_) {
            return st;
        }
        encoded_.clear();
        pg::append_binary_copy_header(encoded_);
        return put_copy_data(encoded_);
    }

    Status put_copy_data(const std::string& data) {
        if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1) {
            return Status::error(Errc::Transient, what_ + ": " + PQerrorMessage(conn_.get()));
        }
        return {};
    }

    Status end_copy() {
        if (encode_binary_) {
            encoded_.clear();
            pg::append_binary_copy_trailer(encoded_);
            if (Status st = put_copy_data(encoded_); !st.ok()) {
                return st;
            }
        }
        if (PQputCopyEnd(conn_.get(), nullptr) != 1) {
            return Status::error(Errc::Transient, what_ + ": " + PQerrorMessage(conn_.get()));
        }
        pq::ResultPtr res{PQgetResult(conn_.get())};
        Status st = conn_.check(res.get(), what_);
        while (pq::ResultPtr extra{PQgetResult(conn_.get())}) {
        }
        return st;
    }

    Status forget_checkpoint() {
        auto res = conn_.exec_params(
            "DELETE FROM _ferry.snapshot_checkpoint WHERE pipeline = $1 AND table_schema = $2 AND table_name = $3",
            {pipeline_, table_->id.schema, table_->id.name}, "clearing the snapshot checkpoint at the target");
        return res.ok() ? Status() : res.status();
    }

    std::string pipeline_;
    pq::Connection conn_;
    CopyFormat format_ = CopyFormat::Text;  // of the COPY
    bool encode_binary_ = false;             // MySQL text rows encoded as binary COPY (mysql_binary_copy.hpp)
    std::string encoded_;                    // reused buffer of encoded rows
    // Rows from MySQL/MariaDB whose values PostgreSQL reads differently: only the fields whose
    // column has a conversion rule are unescaped, converted and escaped again; the rest pass as is.
    Status convert_chunk(const SnapshotChunk& in, SnapshotChunk& out) const {
        out.rows = in.rows;
        out.copy_data.reserve(in.copy_data.size() + in.copy_data.size() / 8);
        std::string_view rest = in.copy_data;
        while (!rest.empty()) {
            const auto nl = rest.find('\n');
            std::string_view row = rest.substr(0, nl);
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
            for (std::size_t i = 0;; ++i) {
                const auto tab = row.find('\t');
                const std::string_view raw = row.substr(0, tab);
                if (i < translation_->rules.size() && translation_->rules[i] != pg::ValueRule::AsIs && raw != "\\N") {
                    if (Status st = convert_field(i, raw, out.copy_data); !st.ok()) {
                        return st;
                    }
                } else {
                    out.copy_data.append(raw);
                }
                if (tab == std::string_view::npos) {
                    break;
                }
                out.copy_data.push_back('\t');
                row.remove_prefix(tab + 1);
            }
            out.copy_data.push_back('\n');
        }
        return {};
    }

    Status convert_field(std::size_t column, std::string_view raw, std::string& out) const {
        auto field = parse_copy_field(raw);
        if (!field.ok()) {
            return field.status().with_context(what_);
        }
        std::string& value = *field.value();
        if (Status st = pg::convert_value(translation_->rules[column], value); !st.ok()) {
            return unfit_in_copy(st.with_context(what_ + " column " + table_->columns[column].name));
        }
        append_copy_field(out, value);
        return {};
    }

    std::optional<pg::PgTranslation> translation_;
    const TableSchema* table_ = nullptr;  // the table between begin_table and finish_table
    std::string what_;
};

}  // namespace

Result<std::unique_ptr<SnapshotLoader>> open_snapshot_loader(const PgTargetConfig& config) {
    auto conn = pq::Connection::connect_writable(config.conninfo, "snapshot loader");
    if (!conn.ok()) {
        return conn.status();
    }
    // Like PostgreSQL's own apply workers: no triggers or foreign-key checks for replicated rows.
    // Needs superuser; without it the target's triggers fire, which is the user's choice to keep.
    conn.value().run("SET session_replication_role = replica", "setting session_replication_role").ignore();
    // format_type() then qualifies user types exactly as the source catalog query does.
    if (Status st = conn.value().run("SET search_path = ''", "setting search_path"); !st.ok()) {
        return st;
    }
    return std::unique_ptr<SnapshotLoader>(new PgSnapshotLoader(config.pipeline, std::move(conn).value()));
}

}  // namespace ferry::apply
