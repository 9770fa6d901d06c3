#include "http_endpoint.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "logging.hpp"

namespace ferry::agent {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSourceLookInterval = std::chrono::seconds(5);

// The source's log end and slot, looked at no more often than kSourceLookInterval: scrapes come
// from every Prometheus replica and must not each open a connection. One look at a time; a
// scrape during a look gets the previous one.
class SourceLook {
public:
    explicit SourceLook(const Config& config) : config_(config) {}

    std::optional<SourceView> get() {
        {
            std::lock_guard lock(mu_);
            if (last_ && Clock::now() - looked_at_ < kSourceLookInterval) {
                return last_;
            }
        }
        if (looking_.exchange(true)) {  // another scrape is looking: the previous look will do
            std::lock_guard lock(mu_);
            return last_;
        }
        SourceView looked = read_source(config_);
        std::lock_guard lock(mu_);
        last_ = std::move(looked);
        looked_at_ = Clock::now();
        looking_ = false;
        return last_;
    }

private:
    const Config& config_;
    std::atomic<bool> looking_{false};
    std::mutex mu_;  // guards last_ and looked_at_, never held while looking
    std::optional<SourceView> last_;
    Clock::time_point looked_at_{};
};

}  // namespace

struct HttpEndpoint::Impl {
    Impl(const Config& c, offsets::OffsetStore& s, const Metrics& m) : config(c), store(s), metrics(m), source(c) {}

    void serve_metrics(httplib::Response& res) {
        auto view = read_status(config, store, false);
        if (!view.ok()) {
            res.status = 500;
            res.set_content(view.status().message() + "\n", "text/plain");
            return;
        }
        if (auto looked = source.get()) {
            add_source_view(view.value(), std::move(*looked));
        }
        res.set_content(metrics.prometheus(config, view.value()), "text/plain; version=0.0.4; charset=utf-8");
    }

    void serve_ready(httplib::Response& res) {
        auto view = read_status(config, store, false);
        std::string why;
        if (view.ok() && is_ready(view.value(), metrics.backlog(), config.http.ready_max_lag_seconds, why)) {
            res.set_content("ready\n", "text/plain");
            return;
        }
        res.status = 503;
        res.set_content("not ready: " + (view.ok() ? why : view.status().message()) + "\n", "text/plain");
    }

    const Config& config;
    offsets::OffsetStore& store;
    const Metrics& metrics;
    SourceLook source;
    httplib::Server server;
    std::thread thread;
};

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::start(const Config& config, offsets::OffsetStore& store,
                                                          const Metrics& metrics) {
    auto impl = std::make_unique<Impl>(config, store, metrics);
    Impl* self = impl.get();
    auto& server = impl->server;
    // Two workers: a scrape and a probe at a time is all a sidecar's endpoint sees.
    server.new_task_queue = [] { return new httplib::ThreadPool(2); };
    // Not httplib's default SO_REUSEPORT: a second process on the same port must fail to bind.
    server.set_socket_options([](socket_t sock) {
        const int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
    server.Get("/readyz", [self](const httplib::Request&, httplib::Response& res) { self->serve_ready(res); });
    server.Get("/metrics", [self](const httplib::Request&, httplib::Response& res) { self->serve_metrics(res); });
    const std::string where = config.http.host + ":" + std::to_string(config.http.port);
    int port = config.http.port;
    if (port == 0) {
        port = server.bind_to_any_port(config.http.host);
    } else if (!server.bind_to_port(config.http.host, port)) {
        port = -1;
    }
    if (port <= 0) {
        return Status::error(Errc::InvalidConfig, "cannot listen on " + where
                                                      + " (in use, or not an address of this host); change http.listen");
    }
    impl->thread = std::thread([self] { self->server.listen_after_bind(); });
    make_logger("http")->info("serving /metrics, /healthz and /readyz on {}:{}", config.http.host, port);
    return std::unique_ptr<HttpEndpoint>(new HttpEndpoint(std::move(impl)));
}

HttpEndpoint::HttpEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpEndpoint::~HttpEndpoint() {
    impl_->server.stop();
    if (impl_->thread.joinable()) {
        impl_->thread.join();
    }
}

}  // namespace ferry::agent
