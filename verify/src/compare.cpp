// The comparison of one table (verify.hpp): chunks summed on both sides at once, a differing chunk
// looked at again after the pipeline caught up with it, then narrowed to rows that are settled one
// by one.
#include <algorithm>
#include <future>
#include <map>
#include <thread>

#include "ferry/verify/verify.hpp"

namespace ferry::verify {

namespace {

using Clock = std::chrono::steady_clock;

std::string key_text(const Key& key) {
    std::string out;
    for (const auto& part : key) {
        out += (out.empty() ? "" : ", ") + part;
    }
    return key.size() == 1 ? out : "(" + out + ")";
}

// Runs `on_target` here and `on_source` on another thread: the two servers work at the same time.
template <class T, class SourceCall, class TargetCall>
std::pair<Result<T>, Result<T>> both(SourceCall on_source, TargetCall on_target) {
    auto source = std::async(std::launch::async, on_source);
    Result<T> target = on_target();
    return {source.get(), std::move(target)};
}

class TableComparison {
public:
    TableComparison(TableReader& source, TableReader& target, Database& source_db, const AppliedPosition& applied,
                    const Settings& settings, bool keyed, TableResult& result)
        : source_(source)
        , target_(target)
        , source_db_(source_db)
        , applied_(applied)
        , settings_(settings)
        , keyed_(keyed)
        , result_(result) {}

    struct FirstLook {
        ChunkSum source;
        ChunkSum target;
        std::optional<Key> next_bound;  // after hi, read on the source's connection meanwhile
    };
    Result<FirstLook> first_look(const std::optional<Key>& lo, const std::optional<Key>& hi);
    Status compare_chunk(const std::optional<Key>& lo, const std::optional<Key>& hi, const FirstLook& first);

private:
    enum class ChunkLook { Equal, Persistent, Changing, Stalled };

    // Waits until the pipeline's durable position reaches `position`; false on the deadline.
    Result<bool> wait_applied(const SourcePosition& position);
    Result<std::pair<ChunkSum, ChunkSum>> sums(const std::optional<Key>& lo, const std::optional<Key>& hi);
    Result<ChunkLook> look_again(const std::optional<Key>& lo, const std::optional<Key>& hi, ChunkSum source);
    Result<std::vector<Key>> differing_rows(const std::optional<Key>& lo, const std::optional<Key>& hi);
    Status settle_rows(std::vector<Key> keys);
    void add(std::vector<std::string>& list, const Key& key) const {
        if (list.size() < settings_.listed_keys) {
            list.push_back(key_text(key));
        }
    }

    TableReader& source_;
    TableReader& target_;
    Database& source_db_;
    const AppliedPosition& applied_;
    const Settings& settings_;
    const bool keyed_;
    TableResult& result_;
    bool stalled_ = false;  // a wait for the pipeline ran out: the next ones do not wait again
};

Result<bool> TableComparison::wait_applied(const SourcePosition& position) {
    if (stalled_) {
        return false;
    }
    const auto deadline = Clock::now() + settings_.settle_timeout;
    for (auto pause = std::chrono::milliseconds(10);; pause = std::min(pause * 2, std::chrono::milliseconds(200))) {
        auto at = applied_();
        if (!at.ok()) {
            return at.status();
        }
        if (at.value() && !position_before(*at.value(), position)) {
            return true;
        }
        if (Clock::now() >= deadline) {
            result_.unsettled_reason = "the pipeline did not apply up to " + format_position(position) + " within "
                                       + std::to_string(settings_.settle_timeout.count() / 1000)
                                       + " s (is `ferry run` running?)";
            stalled_ = true;
            return false;
        }
        std::this_thread::sleep_for(pause);
    }
}

Result<std::pair<ChunkSum, ChunkSum>> TableComparison::sums(const std::optional<Key>& lo, const std::optional<Key>& hi) {
    auto [source, target] = both<ChunkSum>([&] { return source_.chunk_sum(lo, hi); }, [&] { return target_.chunk_sum(lo, hi); });
    if (!source.ok() || !target.ok()) {
        return !source.ok() ? source.status() : target.status();
    }
    return std::pair{source.value(), target.value()};
}

// Differing now may be changes in flight: once the target has applied past what the source showed,
// the chunk is looked at again. A source chunk that stayed the same over such a look and still
// differs differs for good.
Result<TableComparison::ChunkLook> TableComparison::look_again(const std::optional<Key>& lo, const std::optional<Key>& hi,
                                                               ChunkSum source) {
    for (std::size_t round = 1; round < settings_.chunk_rounds; ++round) {
        auto at = source_db_.current_position();
        if (!at.ok()) {
            return at.status();
        }
        auto caught_up = wait_applied(at.value());
        if (!caught_up.ok()) {
            return caught_up.status();
        }
        if (!caught_up.value()) {
            return ChunkLook::Stalled;
        }
        auto again = sums(lo, hi);
        if (!again.ok()) {
            return again.status();
        }
        if (again.value().first == again.value().second) {
            return ChunkLook::Equal;
        }
        if (again.value().first == source) {
            return ChunkLook::Persistent;
        }
        source = again.value().first;
    }
    return ChunkLook::Changing;
}

Result<TableComparison::FirstLook> TableComparison::first_look(const std::optional<Key>& lo, const std::optional<Key>& hi) {
    std::optional<Key> next;
    auto [source, target] = both<ChunkSum>(
        [&]() -> Result<ChunkSum> {
            auto sum = source_.chunk_sum(lo, hi);
            if (sum.ok() && hi) {
                auto bound = source_.next_bound(hi, settings_.chunk_rows);
                if (!bound.ok()) {
                    return bound.status();
                }
                next = std::move(bound).value();
            }
            return sum;
        },
        [&] { return target_.chunk_sum(lo, hi); });
    if (!source.ok() || !target.ok()) {
        return !source.ok() ? source.status() : target.status();
    }
    return FirstLook{source.value(), target.value(), std::move(next)};
}

Status TableComparison::compare_chunk(const std::optional<Key>& lo, const std::optional<Key>& hi, const FirstLook& first) {
    ++result_.chunks;
    result_.source_rows += first.source.rows;
    result_.target_rows += first.target.rows;
    if (first.source == first.target) {
        return {};
    }
    ++result_.chunks_rechecked;
    auto look = look_again(lo, hi, first.source);
    if (!look.ok()) {
        return look.status();
    }
    if (look.value() == ChunkLook::Equal) {
        return {};
    }
    if (keyed_) {  // the rows say which of them differ, and each is settled
        auto keys = differing_rows(lo, hi);
        return keys.ok() ? settle_rows(std::move(keys).value()) : keys.status();
    }
    // No key to narrow by: the table as a whole.
    if (look.value() == ChunkLook::Persistent) {
        const auto& source = first.source;
        const auto& target = first.target;
        result_.rows_different = std::max<std::uint64_t>(1, std::max(source.rows, target.rows) - std::min(source.rows, target.rows));
        result_.first_keys.push_back("(no key: the table as a whole)");
    } else {
        result_.rows_unsettled = 1;
        result_.unsettled_keys.push_back("(no key: the table as a whole)");
        if (result_.unsettled_reason.empty()) {
            result_.unsettled_reason = "the table kept changing at the source";
        }
    }
    return {};
}

Result<std::vector<Key>> TableComparison::differing_rows(const std::optional<Key>& lo, const std::optional<Key>& hi) {
    auto [source, target] = both<std::vector<RowDigest>>([&] { return source_.row_digests(lo, hi); },
                                                         [&] { return target_.row_digests(lo, hi); });
    if (!source.ok() || !target.ok()) {
        return !source.ok() ? source.status() : target.status();
    }
    std::map<Key, std::string> at_target;
    for (auto& row : target.value()) {
        at_target.emplace(std::move(row.key), std::move(row.digest));
    }
    std::vector<Key> differing;
    for (auto& row : source.value()) {
        const auto it = at_target.find(row.key);
        if (it == at_target.end() || it->second != row.digest) {
            differing.push_back(row.key);
        }
        if (it != at_target.end()) {
            at_target.erase(it);
        }
    }
    for (auto& [key, digest] : at_target) {  // at the target only
        differing.push_back(key);
    }
    return differing;
}

// A row differs for good when the target, read after it had applied past one reading of the source
// row, differs from a second reading that found the source row unchanged (same digest and version):
// the target then stands at a position where the source row held that value. All of a chunk's
// differing rows are looked at together, one wait for the pipeline per round.
Status TableComparison::settle_rows(std::vector<Key> keys) {
    std::map<Key, std::optional<RowRead>> previous;  // the source row at the last look (nullopt: none)
    for (std::size_t round = 0; round < settings_.row_rounds && !keys.empty(); ++round) {
        auto target = target_.read_rows(keys);
        auto source = target.ok() ? source_.read_rows(keys) : Result<std::map<Key, RowRead>>(target.status());
        auto at = source.ok() ? source_db_.current_position() : Result<SourcePosition>(source.status());
        if (!at.ok()) {
            return at.status();
        }
        std::vector<Key> open;
        for (auto& key : keys) {
            const auto t = target.value().find(key);
            const auto s = source.value().find(key);
            const std::optional<RowRead> now = s == source.value().end() ? std::nullopt : std::optional(s->second);
            const bool same = (t == target.value().end() && !now) || (now && t != target.value().end() && t->second.digest == now->digest);
            if (same) {
                continue;
            }
            const auto before = previous.find(key);
            if (before != previous.end() && before->second == now) {
                ++result_.rows_different;
                add(result_.first_keys, key);
                continue;
            }
            previous[key] = now;
            open.push_back(std::move(key));
        }
        keys = std::move(open);
        if (keys.empty()) {
            break;
        }
        auto caught_up = wait_applied(at.value());
        if (!caught_up.ok()) {
            return caught_up.status();
        }
        if (!caught_up.value()) {
            break;
        }
    }
    if (!keys.empty() && result_.unsettled_reason.empty()) {
        result_.unsettled_reason = "rows kept changing at the source through " + std::to_string(settings_.row_rounds)
                                   + " looks";
    }
    result_.rows_unsettled += keys.size();
    for (const auto& key : keys) {
        add(result_.unsettled_keys, key);
    }
    return {};
}

}  // namespace

Result<TableResult> compare_table(const TableSchema& table, Database& source, Database& target,
                                  const AppliedPosition& applied, const Settings& settings) {
    auto source_reader = source.open_table(table);
    auto target_reader = target.open_table(table);
    if (!source_reader.ok() || !target_reader.ok()) {
        return !source_reader.ok() ? source_reader.status() : target_reader.status();
    }
    TableReader& src = *source_reader.value();
    TableReader& tgt = *target_reader.value();
    TableResult result;
    result.table = table.id;
    const bool keyed = std::any_of(table.columns.begin(), table.columns.end(), [](const Column& c) { return c.is_key; });
    TableComparison comparison(src, tgt, source, applied, settings, keyed, result);
    // A keyless table (REPLICA IDENTITY FULL without a key) is one chunk.
    auto hi = keyed ? src.next_bound(std::nullopt, settings.chunk_rows) : Result<std::optional<Key>>(std::optional<Key>{});
    if (!hi.ok()) {
        return hi.status();
    }
    std::optional<Key> lo;
    std::optional<Key> upper = std::move(hi).value();
    for (;;) {
        auto first = comparison.first_look(lo, upper);
        if (!first.ok()) {
            return first.status();
        }
        if (Status st = comparison.compare_chunk(lo, upper, first.value()); !st.ok()) {
            return st;
        }
        if (!upper) {
            break;
        }
        lo = std::move(upper);
        upper = std::move(first.value().next_bound);
    }
    return result;
}

}  // namespace ferry::verify
