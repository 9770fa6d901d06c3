// `ferry verify -c FILE [--json] [--table T ...]`: compares the pipeline's source and target tables
// (ferry/verify/verify.hpp) beside a running `ferry run`, and prints a table per table and a
// summary line (or JSON).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "ferry/core/status.hpp"
#include "ferry/verify/verify.hpp"

namespace ferry::agent {

struct VerifyOptions {
    bool as_json = false;
    std::vector<std::string> tables;  // schema.table; empty: all of the pipeline's
    verify::Settings settings;
};

// One end of the pipeline (`type`: postgres or mysql) for comparing; `canonical`: digests made here.
Result<std::unique_ptr<verify::Database>> open_database(const std::string& type, const std::string& url, bool canonical);

// The pipeline's durable position, read from its state directory beside a running `ferry run`.
verify::AppliedPosition durable_position(const Config& config);

// The pipeline's tables as the source's catalog describes them now; `only` narrows them down
// (schema.table; each must be one of the pipeline's: Errc::InvalidConfig otherwise).
Result<std::vector<TableSchema>> pipeline_tables(const Config& config, const std::vector<std::string>& only);

// True when every table is equal; Errc::InvalidConfig for what cannot be compared.
Result<bool> run_verify(const Config& config, const VerifyOptions& options);
// The same for `tables` (pipeline_tables), printed the same way; options.tables is not looked at.
Result<bool> verify_tables(const Config& config, const std::vector<TableSchema>& tables, const VerifyOptions& options);

}  // namespace ferry::agent
