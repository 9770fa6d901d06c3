#include "wal_stream.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

#include "ferry/core/names.hpp"
#include "pgoutput.hpp"

namespace ferry::capture::pg {

Result<WalStream> WalStream::start(const std::string& conninfo, const std::string& slot,
                                   const std::string& publication, PgLsn start) {
    auto conn = pq::Connection::connect(conninfo, pq::Mode::Replication, "replication stream");
    if (!conn.ok()) {
        return conn.status();
    }
    const std::string sql = "START_REPLICATION SLOT " + quote_ident(slot) + " LOGICAL " + format_lsn(start)
                            + " (proto_version '1', publication_names " + quote_literal(quote_ident(publication)) + ")";
    pq::ResultPtr res{PQexec(conn.value().get(), sql.c_str())};
    if (Status st = conn.value().check(res.get(), "starting replication from slot " + slot); !st.ok()) {
        return st;
    }
    if (PQresultStatus(res.get()) != PGRES_COPY_BOTH) {
        return Status::error(Errc::Transient, "START_REPLICATION did not enter COPY BOTH mode");
    }
    if (PQsetnonblocking(conn.value().get(), 1) != 0) {
        return Status::error(Errc::Transient, "cannot make the replication connection non-blocking");
    }
    return WalStream(std::move(conn).value());
}

Result<std::string> WalStream::read(std::chrono::milliseconds timeout) {
    PGconn* conn = conn_.get();
    if (PQflush(conn) < 0) {  // finish sending a status update that did not fit the socket buffer
        return Status::error(Errc::Transient, std::string("replication stream: ") + PQerrorMessage(conn));
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
        char* raw = nullptr;
        const int n = PQgetCopyData(conn, &raw, /*async=*/1);
        if (n > 0) {
            pq::CopyBufferPtr guard(raw);
            bytes_since_wait_ += static_cast<std::size_t>(n);
            return std::string(raw, static_cast<std::size_t>(n));
        }
        if (n == -1) {  // the server ended the stream: its result says why
            pq::ResultPtr res{PQgetResult(conn)};
            Status st = conn_.check(res.get(), "replication stream");
            return st.ok() ? Status::error(Errc::Transient, "the server ended the replication stream") : st;
        }
        if (n == -2) {
            return Status::error(Errc::Transient, std::string("replication stream: ") + PQerrorMessage(conn));
        }
        if (attempt == 2) {
            break;
        }
        Result<bool> arrived = wait_for_data(timeout);
        if (!arrived.ok()) {
            return arrived.status();
        }
        if (!arrived.value()) {
            return std::string{};
        }
        if (PQconsumeInput(conn) == 0) {
            return Status::error(Errc::Transient, std::string("replication stream: ") + PQerrorMessage(conn));
        }
    }
    return std::string{};
}

// While the stream brings a backlog the socket wakes us only once kBatchBytes are waiting, or after
// kBatchWait: one wakeup per few hundred messages instead of one per TCP segment (each wakeup costs
// more CPU than decoding the messages it brings). A backlog is when the last wakeup brought at least
// kBacklogBytes; live changes (a few small messages per wakeup) and an idle stream wake on the first
// byte, so they wait no longer than before.
Result<bool> WalStream::wait_for_data(std::chrono::milliseconds timeout) {
    constexpr std::size_t kBacklogBytes = 2048;
    constexpr int kBatchBytes = 64 * 1024;
    constexpr std::chrono::milliseconds kBatchWait{1};
    const int fd = PQsocket(conn_.get());
    const bool backlog = bytes_since_wait_ >= kBacklogBytes;
    bytes_since_wait_ = 0;
    if (backlog != batching_) {
        const int low_water = backlog ? kBatchBytes : 1;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &low_water, sizeof low_water) == 0) {
            batching_ = backlog;
        }
    }
    pollfd pfd{fd, POLLIN, 0};
    const auto wait = batching_ ? std::min(timeout, kBatchWait) : timeout;
    const int ready = poll(&pfd, 1, static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) {
        return Status::error(Errc::Transient, "poll() on the replication socket failed");
    }
    // Batching, a timeout still reads whatever is below the low-water mark.
    return ready > 0 || batching_;
}

Status WalStream::send_status(std::uint64_t written, std::uint64_t flushed, bool reply_requested) {
    const std::string msg = encode_standby_status(written, flushed, flushed, pg_now_micros(), reply_requested);
    PGconn* conn = conn_.get();
    if (PQputCopyData(conn, msg.data(), static_cast<int>(msg.size())) <= 0 || PQflush(conn) < 0) {
        return Status::error(Errc::Transient, std::string("sending standby status: ") + PQerrorMessage(conn));
    }
    return {};
}

}  // namespace ferry::capture::pg
