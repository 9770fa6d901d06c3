// `ferry cutover -c FILE [--freeze-source [--keep-frozen]] [--verify-frozen] [--timeout S]`: verifies
// the tables live, records the source's position as the end point, waits (with progress) until the
// running pipeline has applied up to it, carries the sequences to the target (verifies again if
// asked), and ends with a verdict. With --freeze-source the
// source is read-only from before the end point until the verdict (or, with --keep-frozen and an
// equal verdict, until the operator undoes it), and writable again whenever cutover fails or is
// interrupted. With a Kafka target there is nothing to verify or carry: cutover drains the pipeline
// up to the end point.
#pragma once

#include <chrono>
#include <stop_token>
#include <string>

#include "config.hpp"
#include "ferry/core/status.hpp"

namespace ferry::agent {

struct CutoverOptions {
    bool freeze_source = false;
    bool keep_frozen = false;
    bool verify_frozen = false;  // verify again after the catch-up, while frozen (a longer pause)
    // Start replication back from the target to the source (reverse_pipeline.hpp); needs
    // freeze_source, and the source then stays read-only for applications.
    bool reverse = false;
    std::string config_path;  // the pipeline's config file (the reverse's is written beside it)
    std::chrono::seconds catch_up_limit{300};  // waiting for the pipeline, and verify's settling
};

// True when the target caught up and verified equal (safe to switch).
Result<bool> run_cutover(const Config& config, const CutoverOptions& options, std::stop_token stop);

}  // namespace ferry::agent
