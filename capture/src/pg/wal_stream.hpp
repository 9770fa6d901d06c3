// WalStream: the COPY BOTH replication connection (I/O only; decoding lives in pgoutput.hpp).
// Owned by the capture thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"
#include "ferry/pq/connection.hpp"

namespace ferry::capture::pg {

class WalStream {
public:
    // Connects with replication=database and runs START_REPLICATION from `start`.
    static Result<WalStream> start(const std::string& conninfo, const std::string& slot, const std::string& publication,
                                   PgLsn start);

    // One CopyData message, or an empty string when nothing arrived within `timeout`.
    Result<std::string> read(std::chrono::milliseconds timeout);
    // Standby status update: `flushed` is the durable position; `written` what has been received.
    Status send_status(std::uint64_t written, std::uint64_t flushed, bool reply_requested);

private:
    explicit WalStream(pq::Connection conn) : conn_(std::move(conn)) {}
    // Waits until the socket has data (true) or `timeout` passed (false).
    Result<bool> wait_for_data(std::chrono::milliseconds timeout);

    pq::Connection conn_;
    std::size_t bytes_since_wait_ = 0;  // of the messages read since the last wait
    bool batching_ = false;             // SO_RCVLOWAT is raised for a backlog
};

}  // namespace ferry::capture::pg
