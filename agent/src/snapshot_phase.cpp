#include "snapshot_phase.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "clock.hpp"
#include "ferry/core/queue.hpp"
#include "logging.hpp"
#include "snapshot_progress.hpp"

namespace ferry::agent {

namespace {

using namespace std::chrono_literals;

struct SharedState {
    SharedState(const std::vector<const TableSchema*>& t, SnapshotSource& src, TargetDriver& tgt,
                offsets::OffsetStore& st, std::vector<std::unique_ptr<TableCounter>>& c, const SnapshotSettings& set,
                std::map<TableId, offsets::TableProgress> p, std::shared_ptr<spdlog::logger> l)
        : tables(t)
        , snapshots(src)
        , target(tgt)
        , store(st)
        , counters(c)
        , settings(set)
        , prior(std::move(p))
        , log(std::move(l)) {}

    const std::vector<const TableSchema*>& tables;
    SnapshotSource& snapshots;
    std::mutex open_mu;  // readers are opened one at a time
    TargetDriver& target;
    offsets::OffsetStore& store;
    std::vector<std::unique_ptr<TableCounter>>& counters;
    const SnapshotSettings& settings;
    const std::map<TableId, offsets::TableProgress> prior;  // progress recorded before this run
    std::shared_ptr<spdlog::logger> log;
    std::stop_source failed;  // any worker's error stops the others
    std::mutex mu;
    std::condition_variable_any changed;  // a table finished or a worker failed
    std::size_t next_table = 0;
    std::size_t finished_tables = 0;
    Status first_error;

    void fail(Status st) {
        {
            std::lock_guard lock(mu);
            if (first_error.ok()) {
                first_error = std::move(st);
            }
        }
        failed.request_stop();
        changed.notify_all();
    }
    void table_done() {
        {
            std::lock_guard lock(mu);
            ++finished_tables;
        }
        changed.notify_all();
    }
    std::optional<std::size_t> take() {
        std::lock_guard lock(mu);
        if (next_table >= tables.size()) {
            return std::nullopt;
        }
        return next_table++;
    }
};

// How a table's copy starts: from the beginning, or after the checkpoint an interrupted copy left
// at the target (only when the state directory also recorded that copy, with its first position).
struct CopyStart {
    std::optional<LoadCheckpoint> checkpoint;
    SourcePosition converge_from;
};

Result<CopyStart> copy_start(const SharedState& s, SnapshotLoader& loader, const TableSchema& table,
                             const SourcePosition& snapshot) {
    const auto prior = s.prior.find(table.id);
    if (prior == s.prior.end() || prior->second.state != offsets::TableState::Copying) {
        return CopyStart{std::nullopt, snapshot};
    }
    auto checkpoint = loader.checkpoint_of(table);
    if (!checkpoint.ok()) {
        return checkpoint.status();
    }
    if (!checkpoint.value()) {
        return CopyStart{std::nullopt, snapshot};
    }
    const auto& complete_at = checkpoint.value()->complete_at;
    if (complete_at && !(*complete_at == prior->second.snapshot_position)) {
        return CopyStart{std::nullopt, snapshot};  // a whole copy, but not the one the state recorded
    }
    return CopyStart{checkpoint.value(), prior->second.converge_from};
}

// Reads the table on a thread of its own and hands each chunk to `load` on this one, so the source
// produces the next rows while the target takes the last ones (both servers busy at once); at most
// kChunksAhead chunks wait in between (bounded memory).
Status read_ahead(SnapshotReader& reader, const TableSchema& table, CopyFormat format, const std::string& resume_after,
                  std::stop_token stop, const ChunkConsumer& load) {
    constexpr std::size_t kChunksAhead = 4;
    struct Piece {
        SnapshotChunk chunk;
        bool end = false;
        Status error;  // with end: how the read ended
    };
    BoundedQueue<Piece> pieces(kChunksAhead);
    const auto hand_over = [&pieces](Piece& piece, std::stop_token st) {
        for (;;) {
            switch (pieces.push_for(piece, 100ms, st)) {
                case BoundedQueue<Piece>::PushResult::Pushed: return true;
                case BoundedQueue<Piece>::PushResult::Stopped: return false;
                case BoundedQueue<Piece>::PushResult::TimedOut: break;
            }
        }
    };
    // Declared after `pieces`: destroyed (stop requested, joined) before it.
    std::jthread producer([&](std::stop_token st) {
        Status read = reader.read_table(table, format, resume_after, [&](SnapshotChunk&& chunk) -> Status {
            Piece piece{std::move(chunk), false, Status()};
            return hand_over(piece, st) ? Status() : Status::error(Errc::Cancelled, "snapshot stopped");
        });
        Piece end{{}, true, std::move(read)};
        hand_over(end, st);
    });
    for (;;) {
        auto piece = pieces.pop_for(100ms, stop);
        if (stop.stop_requested()) {
            return Status::error(Errc::Cancelled, "snapshot stopped");
        }
        if (!piece) {
            continue;
        }
        if (piece->end) {
            return piece->error;
        }
        if (Status st = load(std::move(piece->chunk)); !st.ok()) {
            return st;
        }
    }
}

// The target committed the whole table before the state could record it (a crash in between).
Status finish_copied(SharedState& s, std::size_t index, const LoadCheckpoint& checkpoint) {
    const TableSchema& table = *s.tables[index];
    TableCounter& counter = *s.counters[index];
    offsets::TableProgress progress = s.prior.at(table.id);
    s.log->info("{} was copied whole ({} rows) before the last stop; not copying it again", display_name(table.id),
                checkpoint.rows);
    counter.rows = checkpoint.rows;
    counter.started = counter.finished = std::chrono::steady_clock::now();
    counter.state = 2;
    s.table_done();
    progress.state = offsets::TableState::Done;
    progress.rows_copied = checkpoint.rows;
    return s.store.put_table_progress(table.id, progress, true);
}

Status copy_table(SharedState& s, OpenedReader& opened, SnapshotLoader& loader, std::size_t index,
                  std::stop_token stop) {
    const TableSchema& table = *s.tables[index];
    TableCounter& counter = *s.counters[index];
    SnapshotReader& reader = *opened.reader;
    auto start = copy_start(s, loader, table, opened.position);
    if (!start.ok()) {
        return start.status();
    }
    const auto& checkpoint = start.value().checkpoint;
    if (checkpoint && checkpoint->complete_at) {
        return finish_copied(s, index, *checkpoint);
    }
    if (checkpoint) {
        s.log->info("resuming the copy of {} after {} rows (checkpoint at the target)", display_name(table.id),
                    checkpoint->rows);
        counter.rows = checkpoint->rows;
    }
    offsets::TableProgress progress{offsets::TableState::Copying, opened.position, counter.rows.load(),
                                    counter.estimated_rows, start.value().converge_from};
    // Durable before any row of this snapshot can commit at the target: the stream must know from
    // which position this copy's rows may be present.
    if (Status st = s.store.put_table_progress(table.id, progress, true); !st.ok()) {
        return st;
    }
    counter.started = std::chrono::steady_clock::now();
    counter.state = 1;
    auto format = loader.begin_table(table, checkpoint.has_value(), opened.position);
    if (!format.ok()) {
        return format.status();
    }
    auto last_saved = std::chrono::steady_clock::now();
    auto last_checkpoint = last_saved;
    const std::string resume_after = checkpoint ? checkpoint->resume_key : std::string();
    Status st = read_ahead(reader, table, format.value(), resume_after, stop, [&](SnapshotChunk&& chunk) -> Status {
        if (s.failed.stop_requested()) {
            return Status::error(Errc::Cancelled, "snapshot stopped");
        }
        if (chunk.snapshot_position) {
            // The reader moved to a newer snapshot: durable before its rows can commit at the target,
            // so that the stream converges every change up to it.
            progress.snapshot_position = *chunk.snapshot_position;
            progress.rows_copied = counter.rows.load();
            if (Status p = s.store.put_table_progress(table.id, progress, true); !p.ok()) {
                return p;
            }
        }
        if (Status w = loader.write(chunk); !w.ok()) {
            return w;
        }
        counter.rows += chunk.rows;
        const auto now = std::chrono::steady_clock::now();
        if (!chunk.resume_key.empty() && now - last_checkpoint >= s.settings.checkpoint_interval) {
            last_checkpoint = now;
            if (Status c = loader.checkpoint({chunk.resume_key, counter.rows.load(), std::nullopt}); !c.ok()) {
                return c;
            }
        }
        if (now - last_saved > 2s) {  // for `ferry status`
            last_saved = now;
            progress.rows_copied = counter.rows.load();
            return s.store.put_table_progress(table.id, progress, false);
        }
        return {};
    });
    if (!st.ok()) {
        return st;
    }
    if (Status f = loader.finish_table(); !f.ok()) {
        return f;
    }
    counter.finished = std::chrono::steady_clock::now();
    counter.state = 2;
    s.table_done();
    progress.state = offsets::TableState::Done;
    progress.rows_copied = counter.rows.load();
    // After the target commit: a crash before this write copies the table again (or from its last
    // checkpoint), never half of it.
    return s.store.put_table_progress(table.id, progress, true);
}

void worker(SharedState& s, std::stop_token stop) {
    auto reader = [&] {
        std::lock_guard lock(s.open_mu);
        return s.snapshots.open_reader();
    }();
    if (!reader.ok()) {
        s.fail(reader.status());
        return;
    }
    auto loader = s.target.open_loader();
    if (!loader.ok()) {
        s.fail(loader.status());
        return;
    }
    while (!stop.stop_requested() && !s.failed.stop_requested()) {
        const auto index = s.take();
        if (!index) {
            return;
        }
        if (Status st = copy_table(s, reader.value(), *loader.value(), *index, stop); !st.ok()) {
            s.fail(st);
            return;
        }
    }
}

}  // namespace

Status run_snapshot(const std::vector<const TableSchema*>& tables, SnapshotSource& snapshots, SourceDriver& source,
                    TargetDriver& target, const SnapshotSettings& settings, offsets::OffsetStore& store,
                    std::stop_token stop) {
    const std::size_t jobs = settings.jobs;
    auto prior = store.table_progress();
    if (!prior.ok()) {
        return prior.status();
    }
    auto log = make_logger("snapshot");
    std::vector<std::unique_ptr<TableCounter>> counters;
    for (const auto* t : tables) {
        auto c = std::make_unique<TableCounter>();
        c->name = display_name(t->id);
        auto est = source.estimate_rows(t->id);
        if (!est.ok()) {
            return est.status();
        }
        c->estimated_rows = est.value();
        counters.push_back(std::move(c));
    }
    log->info("copying {} tables from {} with {} jobs", tables.size(), format_position(snapshots.start_position()),
              std::min(jobs, tables.size()));
    SharedState shared(tables, snapshots, target, store, counters, settings, std::move(prior).value(), log);
    SnapshotProgress progress(counters, log);
    const auto started = std::chrono::steady_clock::now();
    {
        std::vector<std::jthread> workers;
        for (std::size_t i = 0; i < std::min(jobs, tables.size()); ++i) {
            workers.emplace_back([&shared, stop] { worker(shared, stop); });
        }
        // Wakes when a table finishes (no polling delay at the end) and twice a second for progress.
        std::unique_lock lock(shared.mu);
        while (shared.finished_tables < tables.size() && !shared.failed.stop_requested()) {
            shared.changed.wait_for(lock, stop, 500ms, [&] {
                return shared.finished_tables == tables.size() || shared.failed.stop_requested();
            });
            if (stop.stop_requested()) {
                break;
            }
            lock.unlock();
            progress.tick(false);
            store.put_status("updated_at_ms", std::to_string(epoch_ms())).ignore();  // liveness for `ferry status`
            lock.lock();
        }
    }  // joins the workers
    progress.tick(true);
    if (!shared.first_error.ok()) {
        return shared.first_error;
    }
    if (stop.stop_requested()) {
        return Status::error(Errc::Cancelled, "stopped during the snapshot");
    }
    std::uint64_t rows = 0;
    for (const auto& c : counters) {
        rows += c->rows.load();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log->info("snapshot done: {} tables, {} rows in {:.1f}s", tables.size(), rows, secs);
    return {};
}

}  // namespace ferry::agent
