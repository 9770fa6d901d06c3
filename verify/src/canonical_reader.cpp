#include "canonical_reader.hpp"

#include <functional>

namespace ferry::verify {

namespace {

class CanonicalTableReader final : public TableReader {
public:
    CanonicalTableReader(std::unique_ptr<RowScanner> scanner, std::vector<Canon> forms, std::vector<std::size_t> key_columns)
        : scanner_(std::move(scanner)), forms_(std::move(forms)), key_columns_(std::move(key_columns)) {}

    Result<std::optional<Key>> next_bound(const std::optional<Key>& after, std::size_t step) override {
        auto bound = scanner_->next_bound(after, step);
        if (!bound.ok() || !bound.value()) {
            return bound;
        }
        return std::optional<Key>{canonical_key(*bound.value())};
    }

    Result<ChunkSum> chunk_sum(const std::optional<Key>& lo, const std::optional<Key>& hi) override {
        auto rows = scanner_->rows(lo, hi);
        if (!rows.ok()) {
            return rows.status();
        }
        std::uint64_t sum = 0;  // order-free, and equal rows do not cancel
        for (const auto& row : rows.value()) {
            sum += row_hash(row);
        }
        return ChunkSum{rows.value().size(), std::to_string(sum)};
    }

    Result<std::vector<RowDigest>> row_digests(const std::optional<Key>& lo, const std::optional<Key>& hi) override {
        auto rows = scanner_->rows(lo, hi);
        if (!rows.ok()) {
            return rows.status();
        }
        std::vector<RowDigest> out;
        out.reserve(rows.value().size());
        for (const auto& row : rows.value()) {
            out.push_back({row_key(row), std::to_string(row_hash(row))});
        }
        return out;
    }

    Result<std::map<Key, RowRead>> read_rows(const std::vector<Key>& keys) override {
        auto rows = scanner_->rows_with_keys(keys);
        if (!rows.ok()) {
            return rows.status();
        }
        std::map<Key, RowRead> out;
        const std::size_t version = key_columns_.size() + forms_.size();
        for (const auto& row : rows.value()) {
            out.emplace(row_key(row), RowRead{std::to_string(row_hash(row)), row.size() > version ? row[version].value_or("") : ""});
        }
        return out;
    }

private:
    Key canonical_key(const Key& key) const {
        Key out;
        for (std::size_t i = 0; i < key.size() && i < key_columns_.size(); ++i) {
            out.push_back(canonical(forms_[key_columns_[i]], key[i]));
        }
        return out;
    }
    Key row_key(const TextRow& row) const {
        Key key;
        for (std::size_t i = 0; i < key_columns_.size(); ++i) {
            key.push_back(canonical(forms_[key_columns_[i]], row[i].value_or("")));
        }
        return key;
    }
    // Over the canonical values, each length-prefixed and NULL told apart from every text.
    std::uint64_t row_hash(const TextRow& row) const {
        std::string buffer;
        for (std::size_t i = 0; i < forms_.size(); ++i) {
            const auto& value = row[key_columns_.size() + i];
            if (!value) {
                buffer += 'N';
                continue;
            }
            const std::string text = canonical(forms_[i], *value);
            buffer += 'V' + std::to_string(text.size()) + ':' + text;
        }
        return std::hash<std::string>{}(buffer);
    }

    std::unique_ptr<RowScanner> scanner_;
    std::vector<Canon> forms_;
    std::vector<std::size_t> key_columns_;
};

}  // namespace

std::unique_ptr<TableReader> canonical_reader(std::unique_ptr<RowScanner> scanner, std::vector<Canon> forms,
                                              std::vector<std::size_t> key_columns) {
    return std::make_unique<CanonicalTableReader>(std::move(scanner), std::move(forms), std::move(key_columns));
}

}  // namespace ferry::verify
