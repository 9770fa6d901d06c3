#include "ferry/offsets/offset_store.hpp"

#include <filesystem>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "encoding.hpp"

namespace ferry::offsets {

namespace {
constexpr char kPositionKey[] = "pos";
constexpr char kMetaPrefix[] = "meta/";
constexpr char kTablePrefix[] = "table/";
constexpr char kSchemaPrefix[] = "schema/";
constexpr char kStatusPrefix[] = "status/";
constexpr std::uint8_t kFormatVersion = 1;
constexpr std::uint8_t kProgressFormatVersion = 2;  // 1: before converge_from existed
constexpr std::uint8_t kSchemaFormatVersion = 2;  // 1: before Engine existed (every table PostgreSQL)
constexpr std::uint8_t kPositionPgLsn = 1;
constexpr std::uint8_t kPositionBinlog = 2;

Status to_status(const rocksdb::Status& s, std::string_view what) {
    if (s.ok()) {
        return {};
    }
    const Errc code = s.IsIOError() ? Errc::Transient : s.IsCorruption() ? Errc::Corruption : Errc::Fatal;
    return Status::error(code, std::string(what) + ": " + s.ToString());
}

std::string table_key(std::string_view prefix, const TableId& table) {
    std::string key(prefix);
    detail::put_string(key, table.schema);
    detail::put_string(key, table.name);
    return key;
}

std::string encode_progress(const TableProgress& p) {
    std::string out(1, static_cast<char>(kProgressFormatVersion));
    out.push_back(static_cast<char>(p.state));
    detail::put_string(out, encode_position(p.snapshot_position));
    detail::put_u64(out, p.rows_copied);
    detail::put_u64(out, p.rows_estimated);
    detail::put_string(out, encode_position(p.converge_from));
    return out;
}

Result<TableProgress> decode_progress(std::string_view bytes) {
    detail::Reader r(bytes);
    std::uint8_t version = 0;
    std::uint8_t state = 0;
    std::string position;
    std::string converge_from;
    TableProgress p;
    bool ok = r.u8(version) && (version == kFormatVersion || version == kProgressFormatVersion) && r.u8(state)
              && state <= 2 && r.string(position) && r.u64(p.rows_copied) && r.u64(p.rows_estimated);
    if (ok && version == kProgressFormatVersion) {
        ok = r.string(converge_from);
    }
    if (!ok || !r.at_end()) {
        return Status::error(Errc::Corruption, "unreadable table progress record in the state directory");
    }
    auto pos = decode_position(position);
    if (!pos.ok()) {
        return pos.status();
    }
    p.state = static_cast<TableState>(state);
    p.snapshot_position = pos.value();
    p.converge_from = pos.value();
    if (!converge_from.empty()) {
        auto from = decode_position(converge_from);
        if (!from.ok()) {
            return from.status();
        }
        p.converge_from = from.value();
    }
    return p;
}
}  // namespace

std::string encode_position(const SourcePosition& position) {
    std::string out(1, static_cast<char>(kFormatVersion));
    if (const auto* lsn = std::get_if<PgLsn>(&position)) {
        out.push_back(static_cast<char>(kPositionPgLsn));
        detail::put_u64(out, lsn->value);
        return out;
    }
    const auto& binlog = std::get<BinlogPosition>(position);
    out.push_back(static_cast<char>(kPositionBinlog));
    detail::put_string(out, binlog.file);
    detail::put_u64(out, binlog.offset);
    detail::put_string(out, binlog.gtid);
    return out;
}

Result<SourcePosition> decode_position(std::string_view bytes) {
    const auto bad = [] { return Status::error(Errc::Corruption, "unreadable position record in the state directory"); };
    detail::Reader r(bytes);
    std::uint8_t version = 0;
    std::uint8_t kind = 0;
    if (!r.u8(version) || version != kFormatVersion || !r.u8(kind)) {
        return bad();
    }
    if (kind == kPositionPgLsn) {
        std::uint64_t lsn = 0;
        if (!r.u64(lsn) || !r.at_end()) {
            return bad();
        }
        return SourcePosition{PgLsn{lsn}};
    }
    BinlogPosition binlog;
    if (kind != kPositionBinlog || !r.string(binlog.file) || !r.u64(binlog.offset) || !r.string(binlog.gtid)
        || !r.at_end()) {
        return bad();
    }
    return SourcePosition{std::move(binlog)};
}

std::string encode_schema(const TableSchema& table) {
    std::string out(1, static_cast<char>(kSchemaFormatVersion));
    out.push_back(static_cast<char>(table.engine));
    detail::put_string(out, table.id.schema);
    detail::put_string(out, table.id.name);
    out.push_back(static_cast<char>(table.identity));
    detail::put_u64(out, table.columns.size());
    for (const auto& c : table.columns) {
        detail::put_string(out, c.name);
        detail::put_string(out, c.type_name);
        detail::put_u64(out, c.type_oid);
        out.push_back(static_cast<char>((c.is_key ? 1U : 0U) | (c.is_nullable ? 2U : 0U)));
    }
    detail::put_u64(out, table.primary_key.size());
    for (const auto& k : table.primary_key) {
        detail::put_string(out, k);
    }
    return out;
}

Result<TableSchema> decode_schema(std::string_view bytes) {
    const auto bad = [] { return Status::error(Errc::Corruption, "unreadable schema record in the state directory"); };
    detail::Reader r(bytes);
    TableSchema t;
    std::uint8_t version = 0;
    std::uint8_t identity = 0;
    std::uint64_t ncols = 0;
    std::uint8_t engine = static_cast<std::uint8_t>(Engine::Postgres);
    if (!r.u8(version) || version < 1 || version > kSchemaFormatVersion || (version >= 2 && !r.u8(engine))
        || engine < 1 || engine > 2 || !r.string(t.id.schema) || !r.string(t.id.name)
        || !r.u8(identity) || identity < 1 || identity > 2 || !r.u64(ncols) || ncols > 1664) {
        return bad();
    }
    t.identity = static_cast<Identity>(identity);
    t.engine = static_cast<Engine>(engine);
    for (std::uint64_t i = 0; i < ncols; ++i) {
        Column c;
        std::uint64_t oid = 0;
        std::uint8_t flags = 0;
        if (!r.string(c.name) || !r.string(c.type_name) || !r.u64(oid) || !r.u8(flags)) {
            return bad();
        }
        c.type_oid = static_cast<std::uint32_t>(oid);
        c.is_key = (flags & 1U) != 0;
        c.is_nullable = (flags & 2U) != 0;
        t.columns.push_back(std::move(c));
    }
    std::uint64_t nkeys = 0;
    if (!r.u64(nkeys) || nkeys > ncols) {
        return bad();
    }
    for (std::uint64_t i = 0; i < nkeys; ++i) {
        std::string k;
        if (!r.string(k)) {
            return bad();
        }
        t.primary_key.push_back(std::move(k));
    }
    if (!r.at_end()) {
        return bad();
    }
    return t;
}

struct OffsetStore::Impl {
    std::unique_ptr<rocksdb::DB> db;
    bool read_only = false;

    Status write(rocksdb::WriteBatch& batch, bool durable, std::string_view what) {
        if (read_only) {
            return Status::error(Errc::Internal, "write to a read-only offset store");
        }
        rocksdb::WriteOptions wo;
        wo.sync = durable;  // durable before anything is acknowledged upstream
        return to_status(db->Write(wo, &batch), what);
    }

    Result<std::optional<std::string>> get(const std::string& key) {
        std::string value;
        const auto s = db->Get(rocksdb::ReadOptions(), key, &value);
        if (s.IsNotFound()) {
            return std::optional<std::string>{};
        }
        if (!s.ok()) {
            return to_status(s, "reading the state directory");
        }
        return std::optional<std::string>{std::move(value)};
    }

    template <class Fn>
    Status scan(std::string_view prefix, Fn&& fn) {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
        for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid() && it->key().starts_with(
                 rocksdb::Slice(prefix.data(), prefix.size()));
             it->Next()) {
            if (Status st = fn(it->key().ToStringView().substr(prefix.size()), it->value().ToStringView()); !st.ok()) {
                return st;
            }
        }
        return to_status(it->status(), "scanning the state directory");
    }
};

OffsetStore::OffsetStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OffsetStore::~OffsetStore() { close().ignore(); }

Result<std::unique_ptr<OffsetStore>> OffsetStore::open(const std::string& dir, bool read_only) {
    rocksdb::Options options;
    options.create_if_missing = !read_only;
    options.max_open_files = 64;
    options.keep_log_file_num = 3;
    options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    if (!read_only) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            return Status::error(Errc::Fatal, "cannot create state_dir " + dir + ": " + ec.message());
        }
    } else if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT")) {
        return Status::error(Errc::Fatal, "no pipeline state in " + dir + " (has `ferry run` started yet?)");
    }
    rocksdb::DB* raw = nullptr;
    const auto s = read_only ? rocksdb::DB::OpenForReadOnly(options, dir, &raw) : rocksdb::DB::Open(options, dir, &raw);
    std::unique_ptr<rocksdb::DB> db(raw);
    if (!s.ok()) {
        if (s.ToString().find("lock") != std::string::npos) {
            return Status::error(Errc::Fatal, "state_dir " + dir
                                                  + " is in use by another ferry process; stop it first or use another state_dir");
        }
        return to_status(s, "opening state_dir " + dir);
    }
    auto impl = std::make_unique<Impl>();
    impl->db = std::move(db);
    impl->read_only = read_only;
    return std::unique_ptr<OffsetStore>(new OffsetStore(std::move(impl)));
}

Result<std::optional<SourcePosition>> OffsetStore::load_position() {
    auto raw = impl_->get(kPositionKey);
    if (!raw.ok()) {
        return raw.status();
    }
    if (!raw.value()) {
        return std::optional<SourcePosition>{};
    }
    auto pos = decode_position(*raw.value());
    if (!pos.ok()) {
        return pos.status();
    }
    return std::optional<SourcePosition>{pos.value()};
}

Status OffsetStore::commit_position(const SourcePosition& position, const std::vector<TableSchema>& changed,
                                    const std::vector<TableId>& dropped) {
    rocksdb::WriteBatch batch;
    for (const auto& t : changed) {
        batch.Put(table_key(kSchemaPrefix, t.id), encode_schema(t));
    }
    for (const auto& id : dropped) {  // a table of that name created later starts afresh
        batch.Delete(table_key(kSchemaPrefix, id));
        batch.Delete(table_key(kTablePrefix, id));
    }
    batch.Put(kPositionKey, encode_position(position));
    return impl_->write(batch, true, "writing the position");
}

Result<std::optional<std::string>> OffsetStore::get_meta(const std::string& key) { return impl_->get(kMetaPrefix + key); }

Status OffsetStore::put_meta(const std::string& key, const std::string& value) {
    rocksdb::WriteBatch batch;
    batch.Put(kMetaPrefix + key, value);
    return impl_->write(batch, true, "writing pipeline metadata");
}

Result<std::map<TableId, TableProgress>> OffsetStore::table_progress() {
    std::map<TableId, TableProgress> out;
    Status st = impl_->scan(kTablePrefix, [&](std::string_view key, std::string_view value) -> Status {
        detail::Reader r(key);
        TableId id;
        if (!r.string(id.schema) || !r.string(id.name) || !r.at_end()) {
            return Status::error(Errc::Corruption, "unreadable table key in the state directory");
        }
        auto p = decode_progress(value);
        if (!p.ok()) {
            return p.status();
        }
        out.emplace(std::move(id), p.value());
        return {};
    });
    if (!st.ok()) {
        return st;
    }
    return out;
}

Status OffsetStore::put_table_progress(const TableId& table, const TableProgress& progress, bool durable) {
    rocksdb::WriteBatch batch;
    batch.Put(table_key(kTablePrefix, table), encode_progress(progress));
    return impl_->write(batch, durable, "writing snapshot progress");
}

Status OffsetStore::clear_table_progress() {
    rocksdb::WriteBatch batch;
    Status st = impl_->scan(kTablePrefix, [&](std::string_view key, std::string_view) -> Status {
        batch.Delete(std::string(kTablePrefix) + std::string(key));
        return {};
    });
    return st.ok() ? impl_->write(batch, true, "clearing snapshot progress") : st;
}

Result<std::vector<TableSchema>> OffsetStore::schemas() {
    std::vector<TableSchema> out;
    Status st = impl_->scan(kSchemaPrefix, [&](std::string_view, std::string_view value) -> Status {
        auto t = decode_schema(value);
        if (!t.ok()) {
            return t.status();
        }
        out.push_back(std::move(t).value());
        return {};
    });
    if (!st.ok()) {
        return st;
    }
    return out;
}

Status OffsetStore::put_schemas(const std::vector<TableSchema>& tables) {
    rocksdb::WriteBatch batch;
    Status st = impl_->scan(kSchemaPrefix, [&](std::string_view key, std::string_view) -> Status {
        batch.Delete(std::string(kSchemaPrefix) + std::string(key));
        return {};
    });
    if (!st.ok()) {
        return st;
    }
    for (const auto& t : tables) {
        batch.Put(table_key(kSchemaPrefix, t.id), encode_schema(t));
    }
    return impl_->write(batch, true, "writing table schemas");
}

Status OffsetStore::put_status(const std::string& key, const std::string& value) {
    rocksdb::WriteBatch batch;
    batch.Put(kStatusPrefix + key, value);
    return impl_->write(batch, false, "writing status");
}

Result<std::map<std::string, std::string>> OffsetStore::status_values() {
    std::map<std::string, std::string> out;
    Status st = impl_->scan(kStatusPrefix, [&](std::string_view key, std::string_view value) -> Status {
        out.emplace(std::string(key), std::string(value));
        return {};
    });
    if (!st.ok()) {
        return st;
    }
    return out;
}

Status OffsetStore::close() {
    if (!impl_ || !impl_->db) {
        return {};
    }
    const auto s = impl_->db->Close();
    impl_->db.reset();
    if (!s.ok() && !s.IsNotSupported()) {
        return to_status(s, "closing the state directory");
    }
    return {};
}

}  // namespace ferry::offsets
