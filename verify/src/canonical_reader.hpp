// A TableReader whose digests are made here, over values in canonical form (canonical.hpp), for
// comparisons where the two databases cannot compute the same digest themselves (different
// engines). Each side's rows travel, a chunk at a time; the engine-specific part is a RowScanner.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "canonical.hpp"
#include "ferry/verify/verify.hpp"

namespace ferry::verify {

using TextRow = std::vector<std::optional<std::string>>;  // values as read; nullopt: NULL

// One table at one database, read as text. Keys given to it are in canonical form; the ones it
// returns are as read (the reader makes them canonical).
class RowScanner {
public:
    virtual ~RowScanner() = default;
    // As TableReader::next_bound.
    virtual Result<std::optional<Key>> next_bound(const std::optional<Key>& after, std::size_t step) = 0;
    // Rows with keys in (lo, hi], in key order: the key columns, then every column of the source
    // table in its order.
    virtual Result<std::vector<TextRow>> rows(const std::optional<Key>& lo, const std::optional<Key>& hi) = 0;
    // The rows with these keys, the same columns and then the row's version ("" where none).
    virtual Result<std::vector<TextRow>> rows_with_keys(const std::vector<Key>& keys) = 0;
};

// `forms`: canonical_forms(source table); `key_columns`: indexes of the key columns among them, in
// the scanner's key order.
std::unique_ptr<TableReader> canonical_reader(std::unique_ptr<RowScanner> scanner, std::vector<Canon> forms,
                                              std::vector<std::size_t> key_columns);

}  // namespace ferry::verify
