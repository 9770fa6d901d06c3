// `ferry status`: reads the pipeline's state directory (read-only, beside a running `ferry run`)
// and, when reachable, the source, and prints phase, positions, lag and snapshot progress.
#pragma once

#include "config.hpp"
#include "ferry/core/status.hpp"

namespace ferry::agent {

Status print_status(const Config& config, bool as_json);

}  // namespace ferry::agent
