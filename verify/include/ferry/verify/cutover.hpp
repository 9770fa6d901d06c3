// What `ferry cutover` does to the databases themselves (PostgreSQL): pausing the source's writes
// for the final catch-up, and carrying the captured tables' sequences to the target.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::verify {

// The source database made read-only: new sessions start read-only (ALTER DATABASE ... SET
// default_transaction_read_only), and the sessions already connected are ended so that they come
// back read-only (their open transactions roll back). Ferry's own sessions (application_name
// "ferry ...") are left alone. thaw(), or the destructor, makes the database writable again.
class SourceFreeze {
public:
    static Result<std::unique_ptr<SourceFreeze>> freeze(const std::string& conninfo);
    ~SourceFreeze();
    SourceFreeze(const SourceFreeze&) = delete;
    SourceFreeze& operator=(const SourceFreeze&) = delete;

    // The SQL that makes the database writable again, for the operator to keep at hand.
    const std::string& undo_sql() const { return undo_sql_; }
    std::uint64_t sessions_ended() const { return sessions_ended_; }
    Status thaw();
    // Leaves the database read-only (the operator switches while no one writes); undo_sql() undoes it.
    void keep() { thawed_ = true; }

private:
    SourceFreeze(std::string conninfo, std::string undo_sql, std::uint64_t ended)
        : conninfo_(std::move(conninfo)), undo_sql_(std::move(undo_sql)), sessions_ended_(ended) {}
    std::string conninfo_;
    std::string undo_sql_;
    std::uint64_t sessions_ended_ = 0;
    bool thawed_ = false;
};

struct SequenceMove {
    std::string sequence;      // schema.name
    std::string column;        // table.column it feeds
    std::int64_t value = 0;    // the source's last value, now the target's
    bool created = false;      // the target did not have it
};

// For each sequence feeding a column of `tables` at the source (serial and identity columns): the
// target gets it (created, and made the column's default or identity, when missing) set to the
// source's last value, never lower than the target's own.
Result<std::vector<SequenceMove>> carry_sequences(const std::string& source_conninfo, const std::string& target_conninfo,
                                                  const std::vector<TableSchema>& tables);

}  // namespace ferry::verify
