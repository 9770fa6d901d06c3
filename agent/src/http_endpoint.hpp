// The optional HTTP listener (config `http`), on a thread of its own beside the pipeline:
//   GET /metrics  Prometheus text: metrics.hpp, with the source's lag and slot looked at most
//                 every few seconds however often it is scraped
//   GET /healthz  200 while the process serves requests
//   GET /readyz   200 when streaming within http.ready_max_lag_seconds, else 503 with the reason
// Nothing it serves changes state, so it asks for no token; it binds where http.listen says
// (loopback in the examples).
#pragma once

#include <memory>

#include "config.hpp"
#include "ferry/core/status.hpp"
#include "ferry/offsets/offset_store.hpp"
#include "metrics.hpp"

namespace ferry::agent {

class HttpEndpoint {
public:
    // Listening when it returns; Errc::InvalidConfig when the address cannot be bound.
    static Result<std::unique_ptr<HttpEndpoint>> start(const Config& config, offsets::OffsetStore& store,
                                                       const Metrics& metrics);
    ~HttpEndpoint();  // stops listening; returns once no request is being served
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    struct Impl;

private:
    explicit HttpEndpoint(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::agent
