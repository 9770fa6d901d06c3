// What `ferry cutover` does to the databases themselves: pausing the source's writes for the final
// catch-up, and carrying the counters that generate the captured tables' keys (sequences,
// AUTO_INCREMENT) to the target.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::verify {

// The source's writes paused. thaw(), or the destructor, lets them resume.
class SourceFreeze {
public:
    virtual ~SourceFreeze() = default;  // each kind thaws in its own destructor
    SourceFreeze(const SourceFreeze&) = delete;
    SourceFreeze& operator=(const SourceFreeze&) = delete;

    // What was done, for the operator ("the source is read-only (3 sessions ended)").
    virtual std::string describe() const = 0;
    // The SQL that lets writes resume, for the operator to keep at hand.
    const std::string& undo_sql() const { return undo_sql_; }
    Status thaw() {
        if (thawed_) {
            return {};
        }
        Status st = run_undo();
        thawed_ = st.ok();
        return st;
    }
    // Leaves the writes paused (the operator switches while no one writes); undo_sql() undoes it.
    void keep() { thawed_ = true; }

protected:
    SourceFreeze(std::string undo_sql, bool nothing_to_undo) : undo_sql_(std::move(undo_sql)), thawed_(nothing_to_undo) {}
    // Runs undo_sql() on a session of its own.
    virtual Status run_undo() = 0;

private:
    std::string undo_sql_;
    bool thawed_;
};

// PostgreSQL: new sessions of the source database start read-only (ALTER DATABASE ... SET
// default_transaction_read_only), and the sessions already connected are ended so that they come
// back read-only (their open transactions roll back). Ferry's own sessions (application_name
// "ferry ...") are left alone.
Result<std::unique_ptr<SourceFreeze>> freeze_postgres(const std::string& conninfo);
// MariaDB/MySQL: the server's read_only, once the write transactions open at that moment have ended
// (within a lock wait of 30 s). Every database of the server is read-only then; users with READ_ONLY
// ADMIN (MariaDB) or SUPER (MySQL) still write. A server that was read-only already is left so.
Result<std::unique_ptr<SourceFreeze>> freeze_mysql(const std::string& url);

struct SequenceMove {
    std::string sequence;      // schema.name, or "AUTO_INCREMENT"
    std::string column;        // table.column it feeds
    std::int64_t next = 0;     // the value the target's counter hands out next
    bool created = false;      // the target's column had no counter
};

// PostgreSQL to PostgreSQL: for each sequence feeding a column of `tables` at the source (serial and
// identity columns), the target gets it (created, and made the column's default or identity, when
// missing) set to the source's last value, never lower than the target's own.
Result<std::vector<SequenceMove>> carry_sequences(const std::string& source_conninfo, const std::string& target_conninfo,
                                                  const std::vector<TableSchema>& tables);

// Across engines, and from MariaDB/MySQL: a column's counter at the source, by the next value it
// would hand out.
struct KeyCounter {
    TableId table;
    std::string column;
    std::int64_t next = 1;
};
Result<std::vector<KeyCounter>> postgres_counters(const std::string& conninfo, const std::vector<TableSchema>& tables);
Result<std::vector<KeyCounter>> mysql_counters(const std::string& url, const std::vector<TableSchema>& tables);

// The target's column gets a counter where it has none (PostgreSQL: an identity BY DEFAULT;
// MariaDB/MySQL: AUTO_INCREMENT), which then hands out nothing below the source's next value; a
// counter already further on stays.
Result<std::vector<SequenceMove>> set_postgres_counters(const std::string& conninfo, const std::vector<KeyCounter>& counters);
Result<std::vector<SequenceMove>> set_mysql_counters(const std::string& url, const std::vector<KeyCounter>& counters);

// `ferry cutover --reverse`: whether the databases can carry replication the other way (Errc::Fatal
// saying what to change). The new primary as a PostgreSQL source: wal_level=logical, a REPLICATION
// user, no `slot` yet (a MariaDB/MySQL source is checked by its capture's own check).
Status check_reverse_source_postgres(const std::string& conninfo, const std::string& slot);
// The old source as a target, taking the reverse's writes while read-only for applications.
// PostgreSQL: replication origins usable.
Status check_reverse_target_postgres(const std::string& conninfo);
// MariaDB/MySQL: READ_ONLY ADMIN (MariaDB) or SUPER, and sessions may write under `server_id`.
Status check_reverse_target_mysql(const std::string& url, std::uint32_t server_id);

}  // namespace ferry::verify
