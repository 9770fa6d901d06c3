// One pipeline run: startup checks (invariant 4), target preparation, the snapshot phase and the
// streaming phase, under a supervisor that reconnects with capped backoff after transient errors.
#pragma once

#include <stop_token>

#include "config.hpp"
#include "ferry/core/status.hpp"

namespace ferry::agent {

// Returns OK after a graceful stop (or the end of `snapshot: only`), else the fatal error.
Status run_pipeline(const Config& config, std::stop_token stop);

}  // namespace ferry::agent
