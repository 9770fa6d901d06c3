#include <chrono>
#include <thread>

#include "ferry/core/names.hpp"
#include "ferry/pq/connection.hpp"
#include "ferry/verify/cutover.hpp"

namespace ferry::verify {

namespace {

Result<std::string> scalar(pq::Connection& conn, const std::string& sql, const std::vector<std::optional<std::string>>& params,
                           std::string_view what) {
    auto res = conn.exec_params(sql, params, what);
    if (!res.ok()) {
        return res.status();
    }
    return PQntuples(res.value().get()) == 0 ? std::string() : pq::field(res.value().get(), 0, 0);
}

// The value a sequence hands out next.
Result<std::int64_t> next_value(pq::Connection& conn, const std::string& sequence) {
    auto next = scalar(conn, "SELECT CASE WHEN s.is_called THEN s.last_value + q.seqincrement ELSE s.last_value END FROM "
                                 + sequence + " s, pg_sequence q WHERE q.seqrelid = $1::regclass",
                       {sequence}, "reading a sequence");
    if (!next.ok()) {
        return next.status();
    }
    return std::stoll(next.value());
}

class PgFreeze final : public SourceFreeze {
public:
    PgFreeze(std::string conninfo, std::string undo_sql) : SourceFreeze(std::move(undo_sql), false), conninfo_(std::move(conninfo)) {}
    ~PgFreeze() override { thaw().ignore(); }
    PgFreeze(const PgFreeze&) = delete;
    PgFreeze& operator=(const PgFreeze&) = delete;

    std::string describe() const override {
        return "the source is read-only (" + std::to_string(sessions_ended_) + " sessions ended)";
    }
    // Ends the sessions of the database other than Ferry's, and waits until they are gone.
    Status end_sessions(pq::Connection& conn);

private:
    Status run_undo() override {
        auto conn = pq::Connection::connect_writable(conninfo_, "cutover");
        return conn.ok() ? conn.value().run(undo_sql(), "making the source writable again") : conn.status();
    }

    std::string conninfo_;
    std::uint64_t sessions_ended_ = 0;
};

Status PgFreeze::end_sessions(pq::Connection& conn) {
    // MATERIALIZED: the sessions are chosen first. In a plain subquery the planner may push
    // pg_terminate_backend(pid) below the join that gives datname, ending every database's sessions.
    auto ended = conn.exec("WITH chosen AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                           "AND coalesce(application_name, '') NOT LIKE 'ferry %') "
                           "SELECT count(*), coalesce(array_agg(pid), '{}')::text FROM chosen WHERE pg_terminate_backend(pid)",
                           "ending the source's sessions");
    if (!ended.ok()) {
        return ended.status();
    }
    sessions_ended_ = std::stoull(pq::field(ended.value().get(), 0, 0));
    const std::string ended_pids = pq::field(ended.value().get(), 0, 1);
    // Their transactions end as they do: wait for those sessions to be gone before the end point is
    // read (sessions that connect meanwhile are read-only already).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        auto left = scalar(conn, "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])", {ended_pids},
                           "waiting for sessions to end");
        if (!left.ok()) {
            return left.status();
        }
        if (left.value() == "0") {
            return {};
        }
        if (std::chrono::steady_clock::now() > deadline) {
            return Status::error(Errc::Fatal, "sessions of the source database did not end within 30 s of pg_terminate_backend");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace

Result<std::unique_ptr<SourceFreeze>> freeze_postgres(const std::string& conninfo) {
    auto conn = pq::Connection::connect_writable(conninfo, "cutover");
    if (!conn.ok()) {
        return conn.status();
    }
    auto db = scalar(conn.value(), "SELECT current_database()", {}, "naming the source database");
    if (!db.ok()) {
        return db.status();
    }
    const std::string name = quote_ident(db.value());
    const std::string undo = "SET default_transaction_read_only = off; ALTER DATABASE " + name + " RESET default_transaction_read_only";
    if (Status st = conn.value().run("ALTER DATABASE " + name + " SET default_transaction_read_only = on", "making the source read-only");
        !st.ok()) {
        return Status::error(st.code(), st.message() + "; --freeze-source needs the source database's owner (or a "
                                                       "superuser): stop the writes yourself and run cutover without it");
    }
    auto freeze = std::make_unique<PgFreeze>(conninfo, undo);  // thaws if what follows fails
    if (Status st = freeze->end_sessions(conn.value()); !st.ok()) {
        return st;
    }
    return std::unique_ptr<SourceFreeze>(std::move(freeze));
}

namespace {

struct SourceSequence {
    std::string column;
    std::string name;       // quoted schema.name
    char dependency = 'a';  // 'a': owned (serial), 'i': identity
    std::string identity;   // 'a' always, 'd' by default
    std::string type;       // of its values
    std::string options;    // INCREMENT BY ... MINVALUE ... (an identity's type is its column's)
    std::string last_value;
    bool is_called = false;
    std::int64_t increment = 1;
};

Result<std::vector<SourceSequence>> source_sequences(pq::Connection& conn, const std::string& table) {
    auto res = conn.exec_params(
        "SELECT a.attname, quote_ident(sn.nspname) || '.' || quote_ident(s.relname), d.deptype, a.attidentity, "
        "format_type(q.seqtypid, NULL), 'INCREMENT BY ' || q.seqincrement || ' MINVALUE ' || q.seqmin "
        "|| ' MAXVALUE ' || q.seqmax || ' START WITH ' || q.seqstart || CASE WHEN q.seqcycle THEN ' CYCLE' ELSE '' END, "
        "q.seqincrement FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
        "JOIN pg_namespace sn ON sn.oid = s.relnamespace JOIN pg_sequence q ON q.seqrelid = s.oid "
        "JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
        "WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
        "AND d.refobjid = $1::regclass ORDER BY a.attnum",
        {table}, "reading the source's sequences");
    if (!res.ok()) {
        return res.status();
    }
    std::vector<SourceSequence> out;
    const PGresult* r = res.value().get();
    for (int i = 0; i < PQntuples(r); ++i) {
        SourceSequence s{pq::field(r, i, 0), pq::field(r, i, 1), pq::field(r, i, 2)[0], pq::field(r, i, 3),
                         pq::field(r, i, 4), pq::field(r, i, 5), "", false, std::stoll(pq::field(r, i, 6))};
        auto value = conn.exec("SELECT last_value, is_called FROM " + s.name, "reading sequence " + s.name);
        if (!value.ok()) {
            return value.status();
        }
        s.last_value = pq::field(value.value().get(), 0, 0);
        s.is_called = pq::field(value.value().get(), 0, 1) == "t";
        out.push_back(std::move(s));
    }
    return out;
}

// Gives the target's column the sequence `s` feeds it at the source; its name at the target.
Result<std::string> target_sequence(pq::Connection& conn, const std::string& table, const SourceSequence& s, bool& created) {
    const std::string column = quote_ident(s.column);
    if (s.dependency == 'i') {
        auto identity = scalar(conn, "SELECT attidentity FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2",
                               {table, s.column}, "reading the target's column");
        if (!identity.ok()) {
            return identity.status();
        }
        if (identity.value().empty()) {
            created = true;
            const std::string kind = s.identity == "a" ? "ALWAYS" : "BY DEFAULT";
            if (Status st = conn.run("ALTER TABLE " + table + " ALTER COLUMN " + column + " ADD GENERATED " + kind
                                         + " AS IDENTITY (" + s.options + ")",
                                     "making the target's column an identity");
                !st.ok()) {
                return st;
            }
        }
        return scalar(conn, "SELECT pg_get_serial_sequence($1, $2)", {table, s.column}, "naming the identity's sequence");
    }
    auto exists = scalar(conn, "SELECT to_regclass($1) IS NOT NULL", {s.name}, "looking the sequence up at the target");
    if (!exists.ok()) {
        return exists.status();
    }
    if (exists.value() != "t") {
        created = true;
        for (const std::string& sql : {"CREATE SEQUENCE " + s.name + " AS " + s.type + " " + s.options,
                                       "ALTER SEQUENCE " + s.name + " OWNED BY " + table + "." + column}) {
            if (Status st = conn.run(sql, "creating the sequence at the target"); !st.ok()) {
                return st;
            }
        }
    }
    auto has_default = scalar(conn, "SELECT atthasdef FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2",
                              {table, s.column}, "reading the target's column");
    if (!has_default.ok()) {
        return has_default.status();
    }
    if (has_default.value() != "t") {
        if (Status st = conn.run("ALTER TABLE " + table + " ALTER COLUMN " + column + " SET DEFAULT nextval("
                                     + quote_literal(s.name) + "::regclass)",
                                 "setting the column's default at the target");
            !st.ok()) {
            return st;
        }
    }
    return s.name;
}

}  // namespace

Result<std::vector<SequenceMove>> carry_sequences(const std::string& source_conninfo, const std::string& target_conninfo,
                                                  const std::vector<TableSchema>& tables) {
    auto source = pq::Connection::connect_writable(source_conninfo, "cutover");
    auto target = source.ok() ? pq::Connection::connect_writable(target_conninfo, "cutover") : Result<pq::Connection>(source.status());
    if (!target.ok()) {
        return target.status();
    }
    if (Status st = target.value().run("BEGIN", "carrying sequences"); !st.ok()) {
        return st;
    }
    std::vector<SequenceMove> moves;
    for (const auto& t : tables) {
        const std::string table = quote_ident(t.id.schema) + "." + quote_ident(t.id.name);
        auto sequences = source_sequences(source.value(), table);
        if (!sequences.ok()) {
            return sequences.status();
        }
        for (const auto& s : sequences.value()) {
            SequenceMove move{s.name, display_name(t.id) + "." + s.column, 0, false};
            auto at_target = target_sequence(target.value(), table, s, move.created);
            if (!at_target.ok()) {
                return at_target.status();
            }
            // Never backwards: the target's own value stays when it is already past the source's.
            auto value = scalar(target.value(),
                                "SELECT setval($1::regclass, GREATEST($2::bigint, CASE WHEN is_called THEN last_value END), "
                                "$3::boolean OR is_called) FROM " + at_target.value(),
                                {at_target.value(), s.last_value, s.is_called ? "true" : "false"}, "setting the target's sequence");
            auto next = value.ok() ? next_value(target.value(), at_target.value()) : Result<std::int64_t>(value.status());
            if (!next.ok()) {
                return next.status();
            }
            move.next = next.value();
            moves.push_back(std::move(move));
        }
    }
    if (Status st = target.value().run("COMMIT", "carrying sequences"); !st.ok()) {
        return st;
    }
    return moves;
}

namespace {

Status need(pq::Connection& conn, const std::string& sql, const std::vector<std::optional<std::string>>& params,
            const std::string& why) {
    auto answer = scalar(conn, sql, params, "checking what --reverse needs");
    if (!answer.ok()) {
        return answer.status();
    }
    return answer.value() == "t" ? Status() : Status::error(Errc::Fatal, "--reverse: " + why);
}

}  // namespace

Status check_reverse_source_postgres(const std::string& conninfo, const std::string& slot) {
    auto conn = pq::Connection::connect_writable(conninfo, "cutover");
    if (!conn.ok()) {
        return conn.status();
    }
    if (Status st = need(conn.value(), "SELECT setting = 'logical' FROM pg_settings WHERE name = 'wal_level'", {},
                         "the target (the new primary) needs wal_level = logical: set it, restart the server and run "
                         "cutover again");
        !st.ok()) {
        return st;
    }
    if (Status st = need(conn.value(), "SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user", {},
                         "the target's user needs the REPLICATION attribute (ALTER ROLE ... REPLICATION)");
        !st.ok()) {
        return st;
    }
    return need(conn.value(), "SELECT NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = $1)", {slot},
                "slot " + slot + " exists at the target already (an earlier reverse?): drop it (SELECT "
                "pg_drop_replication_slot('" + slot + "')) if it is not wanted");
}

Status check_reverse_target_postgres(const std::string& conninfo) {
    auto conn = pq::Connection::connect_writable(conninfo, "cutover");
    if (!conn.ok()) {
        return conn.status();
    }
    return need(conn.value(),
                "SELECT has_function_privilege('pg_replication_origin_create(text)', 'EXECUTE') AND "
                "has_function_privilege('pg_replication_origin_session_setup(text)', 'EXECUTE')",
                {},
                "the source's user needs to be a superuser, or EXECUTE on pg_replication_origin_create and "
                "pg_replication_origin_session_setup (the reverse marks what it writes there)");
}

Result<std::vector<KeyCounter>> postgres_counters(const std::string& conninfo, const std::vector<TableSchema>& tables) {
    auto conn = pq::Connection::connect_writable(conninfo, "cutover");
    if (!conn.ok()) {
        return conn.status();
    }
    std::vector<KeyCounter> counters;
    for (const auto& t : tables) {
        auto sequences = source_sequences(conn.value(), quote_ident(t.id.schema) + "." + quote_ident(t.id.name));
        if (!sequences.ok()) {
            return sequences.status();
        }
        for (const auto& s : sequences.value()) {
            const std::int64_t last = std::stoll(s.last_value);
            counters.push_back({t.id, s.column, s.is_called ? last + s.increment : last});
        }
    }
    return counters;
}

Result<std::vector<SequenceMove>> set_postgres_counters(const std::string& conninfo, const std::vector<KeyCounter>& counters) {
    auto conn = pq::Connection::connect_writable(conninfo, "cutover");
    if (!conn.ok()) {
        return conn.status();
    }
    std::vector<SequenceMove> moves;
    for (const auto& c : counters) {
        const std::string table = quote_ident(c.table.schema) + "." + quote_ident(c.table.name);
        SequenceMove move{"", display_name(c.table) + "." + c.column, 0, false};
        auto sequence = scalar(conn.value(), "SELECT pg_get_serial_sequence($1, $2)", {table, c.column},
                               "looking up the column's sequence at the target");
        if (!sequence.ok()) {
            return sequence.status();
        }
        if (sequence.value().empty()) {
            move.created = true;
            if (Status st = conn.value().run("ALTER TABLE " + table + " ALTER COLUMN " + quote_ident(c.column)
                                                 + " ADD GENERATED BY DEFAULT AS IDENTITY (START WITH "
                                                 + std::to_string(c.next) + ")",
                                             "making the target's column an identity");
                !st.ok()) {
                return st;
            }
            sequence = scalar(conn.value(), "SELECT pg_get_serial_sequence($1, $2)", {table, c.column},
                              "naming the identity's sequence");
            if (!sequence.ok()) {
                return sequence.status();
            }
        }
        move.sequence = sequence.value();
        // The next value handed out is c.next at least: never backwards.
        auto next = next_value(conn.value(), sequence.value());
        if (next.ok() && next.value() < c.next) {
            auto set = scalar(conn.value(), "SELECT setval($1::regclass, $2::bigint, false)", {sequence.value(), std::to_string(c.next)},
                              "setting the target's sequence");
            next = set.ok() ? next_value(conn.value(), sequence.value()) : Result<std::int64_t>(set.status());
        }
        if (!next.ok()) {
            return next.status();
        }
        move.next = next.value();
        moves.push_back(std::move(move));
    }
    return moves;
}

}  // namespace ferry::verify
