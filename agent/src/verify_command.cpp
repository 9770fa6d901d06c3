#include "verify_command.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "ferry/capture/mysql_capture.hpp"
#include "ferry/capture/pg_capture.hpp"
#include "ferry/core/names.hpp"
#include "ferry/offsets/offset_store.hpp"
#include "json.hpp"
#include "logging.hpp"

namespace ferry::agent {

using verify::AppliedPosition;
using verify::Database;
using verify::TableResult;

verify::AppliedPosition durable_position(const Config& config) {
    return [state_dir = config.state_dir]() -> Result<std::optional<SourcePosition>> {
        auto store = offsets::OffsetStore::open(state_dir, true);
        if (!store.ok()) {
            return store.status();
        }
        return store.value()->load_position();
    };
}

namespace {

// PostgreSQL domains compared as their base type (what a MariaDB target holds them as).
std::vector<TableSchema> with_domains_as_base_types(const SourceCatalog& catalog) {
    std::vector<TableSchema> tables = catalog.tables;
    for (auto& table : tables) {
        for (auto& column : table.columns) {
            for (const auto& type : catalog.types) {
                const bool named = column.type_name == quote_ident(type.schema) + "." + quote_ident(type.name)
                                   || column.type_name == type.schema + "." + type.name || column.type_name == type.name;
                if (type.kind == UserType::Kind::Domain && named) {
                    column.type_name = type.base_type;
                }
            }
        }
    }
    return tables;
}

Result<SourceCatalog> source_catalog(const Config& config) {
    if (config.source.type == "mysql") {
        capture::MysqlSourceConfig source{config.source.url, config.mysql_server_id(), config.source.tables};
        auto catalog = capture::MysqlCatalog::connect(source, make_logger("verify"));
        return catalog.ok() ? catalog.value()->resolve_tables() : Result<SourceCatalog>(catalog.status());
    }
    capture::PgSourceConfig source{config.source.url, config.slot_name(), config.publication_name(), config.source.tables};
    auto catalog = capture::PgCatalog::connect(source, make_logger("verify"));
    return catalog.ok() ? catalog.value()->resolve_tables() : Result<SourceCatalog>(catalog.status());
}

bool same_engine(const Config& config) { return config.source.type == config.target.type; }

}  // namespace

Result<std::unique_ptr<Database>> open_database(const std::string& type, const std::string& url, bool canonical) {
    if (type == "mysql") {
        return verify::open_mysql(url);
    }
    return verify::open_postgres(url, canonical ? verify::Digests::Canonical : verify::Digests::Server);
}

Result<std::vector<TableSchema>> pipeline_tables(const Config& config, const std::vector<std::string>& only) {
    auto resolved = source_catalog(config);
    if (!resolved.ok()) {
        return resolved.status();
    }
    std::vector<TableSchema> tables = same_engine(config) ? resolved.value().tables : with_domains_as_base_types(resolved.value());
    if (only.empty()) {
        return tables;
    }
    std::vector<TableSchema> chosen;
    for (const auto& name : only) {
        auto pattern = parse_table_pattern(name);
        const auto it = std::find_if(tables.begin(), tables.end(), [&](const TableSchema& t) {
            return pattern.ok() && t.id.schema == pattern.value().schema && t.id.name == pattern.value().table;
        });
        if (it == tables.end()) {
            return Status::error(Errc::InvalidConfig, "--table " + name + " is not one of the pipeline's tables (source.tables)");
        }
        chosen.push_back(*it);
    }
    return chosen;
}

namespace {

std::string joined(const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& k : keys) {
        out += (out.empty() ? "" : "; ") + k;
    }
    return out;
}

void print_text(const std::vector<TableResult>& results, double seconds) {
    std::printf("%-40s %12s %12s %8s %10s  %s\n", "table", "source rows", "target rows", "chunks", "verdict", "differing keys");
    std::uint64_t different = 0;
    std::uint64_t unsettled = 0;
    for (const auto& r : results) {
        const char* verdict = r.rows_different > 0 ? "DIFFERENT" : r.rows_unsettled > 0 ? "UNSETTLED" : "equal";
        std::string keys = joined(r.first_keys);
        if (r.rows_different > r.first_keys.size()) {
            keys += " (" + std::to_string(r.rows_different) + " rows in all)";
        }
        if (r.rows_unsettled > 0) {
            keys += (keys.empty() ? "" : "; ") + std::to_string(r.rows_unsettled) + " unsettled: " + joined(r.unsettled_keys)
                    + " (" + r.unsettled_reason + ")";
        }
        std::printf("%-40s %12llu %12llu %8llu %10s  %s\n", display_name(r.table).c_str(),
                    static_cast<unsigned long long>(r.source_rows), static_cast<unsigned long long>(r.target_rows),
                    static_cast<unsigned long long>(r.chunks), verdict, keys.c_str());
        different += r.rows_different > 0 ? 1 : 0;
        unsettled += r.rows_different == 0 && r.rows_unsettled > 0 ? 1 : 0;
    }
    if (different == 0 && unsettled == 0) {
        std::printf("verified: %zu tables equal (%.1f s)\n", results.size(), seconds);
    } else {
        std::printf("NOT EQUAL: %llu of %zu tables differ, %llu could not be settled (%.1f s)\n",
                    static_cast<unsigned long long>(different), results.size(), static_cast<unsigned long long>(unsettled),
                    seconds);
    }
}

std::string json_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const auto& item : items) {
        out += (out.size() > 1 ? "," : "") + json_string(item);
    }
    return out + "]";
}

void print_json(const std::vector<TableResult>& results, double seconds, bool equal) {
    std::string tables = "[";
    for (const auto& r : results) {
        JsonObject t;
        t.add("table", display_name(r.table))
            .add("source_rows", r.source_rows)
            .add("target_rows", r.target_rows)
            .add("chunks", r.chunks)
            .add("chunks_rechecked", r.chunks_rechecked)
            .add("equal", r.equal())
            .add("rows_different", r.rows_different)
            .add("rows_unsettled", r.rows_unsettled)
            .add_raw("first_different_keys", json_list(r.first_keys))
            .add_raw("unsettled_keys", json_list(r.unsettled_keys));
        if (!r.unsettled_reason.empty()) {
            t.add("unsettled_reason", r.unsettled_reason);
        }
        tables += (tables.size() > 1 ? "," : "") + t.str();
    }
    tables += "]";
    JsonObject out;
    out.add("equal", equal).add("seconds", seconds).add_raw("tables", tables);
    std::printf("%s\n", out.str().c_str());
}

}  // namespace

Result<bool> run_verify(const Config& config, const VerifyOptions& options) {
    if (config.target.type == "kafka") {
        return Status::error(Errc::InvalidConfig, "verify compares tables; a kafka target has none (compare its topics with a consumer)");
    }
    auto tables = pipeline_tables(config, options.tables);
    if (!tables.ok()) {
        return tables.status();
    }
    return verify_tables(config, tables.value(), options);
}

Result<bool> verify_tables(const Config& config, const std::vector<TableSchema>& tables, const VerifyOptions& options) {
    // PostgreSQL at both ends: the servers compute the digests; otherwise they are made here from
    // rows in the canonical form (MySQL/MariaDB to MySQL/MariaDB too: its printing is lossless).
    const bool canonical = !(config.source.type == "postgres" && config.target.type == "postgres");
    auto source = open_database(config.source.type, config.source.url, canonical);
    auto target = source.ok() ? open_database(config.target.type, config.target.url, canonical)
                              : Result<std::unique_ptr<Database>>(source.status());
    if (!target.ok()) {
        return target.status();
    }
    if (source.value()->text_order() != target.value()->text_order()) {
        source.value()->sort_text_bytewise();
        target.value()->sort_text_bytewise();
    }
    const auto started = std::chrono::steady_clock::now();
    const AppliedPosition applied = durable_position(config);
    std::vector<TableResult> results;
    bool equal = true;
    for (const auto& table : tables) {
        auto result = verify::compare_table(table, *source.value(), *target.value(), applied, options.settings);
        if (!result.ok()) {
            return result.status().with_context("comparing " + display_name(table.id));
        }
        equal = equal && result.value().equal();
        results.push_back(std::move(result).value());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options.as_json) {
        print_json(results, seconds, equal);
    } else {
        print_text(results, seconds);
    }
    return equal;
}

}  // namespace ferry::agent
