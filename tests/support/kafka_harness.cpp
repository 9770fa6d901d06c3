#include "kafka_harness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <stdexcept>

namespace ferry::test {

namespace {

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, CDeleter<&rd_kafka_conf_destroy>>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, CDeleter<&rd_kafka_message_destroy>>;
using PartitionsPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, CDeleter<&rd_kafka_topic_partition_list_destroy>>;

ConfPtr config(const std::vector<std::pair<std::string, std::string>>& settings) {
    ConfPtr conf{rd_kafka_conf_new()};
    char err[512];
    for (const auto& [name, value] : settings) {
        if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
            throw std::runtime_error(err);
        }
    }
    return conf;
}

KafkaPtr client(rd_kafka_type_t type, ConfPtr conf) {
    char err[512];
    KafkaPtr k{rd_kafka_new(type, conf.get(), err, sizeof err)};
    if (!k) {
        throw std::runtime_error(err);
    }
    conf.release();  // rd_kafka_new owns it now
    return k;
}

std::optional<std::string> bytes(const void* data, std::size_t size) {
    return data == nullptr ? std::nullopt : std::optional<std::string>(std::string(static_cast<const char*>(data), size));
}

}  // namespace

DevBroker::DevBroker(int brokers) {
    int in[2];
    int out[2];
    // Close-on-exec: other children (ferry) must not hold the broker's stdin open after the test ends.
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    pid_ = fork();
    if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        for (const int fd : {in[0], in[1], out[0], out[1]}) {
            close(fd);
        }
        const std::string count = std::to_string(brokers);
        execl(FERRY_KAFKA_DEV_BINARY, FERRY_KAFKA_DEV_BINARY, "--brokers", count.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_broker_ = in[1];
    from_broker_ = out[0];
    bootstrap_ = read_line();
    if (bootstrap_.empty()) {
        throw std::runtime_error("ferry-kafka-dev did not start");
    }
}

DevBroker::~DevBroker() {
    close(to_broker_);
    close(from_broker_);
    int status = 0;
    waitpid(pid_, &status, 0);
}

std::string DevBroker::read_line() {
    for (;;) {
        const auto nl = buffered_.find('\n');
        if (nl != std::string::npos) {
            std::string line = buffered_.substr(0, nl);
            buffered_.erase(0, nl + 1);
            return line;
        }
        char buf[256];
        const ssize_t n = read(from_broker_, buf, sizeof buf);
        if (n <= 0) {
            return "";
        }
        buffered_.append(buf, static_cast<std::size_t>(n));
    }
}

std::string DevBroker::command(const std::string& line) {
    const std::string text = line + "\n";
    if (write(to_broker_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        return "error: cannot write to ferry-kafka-dev";
    }
    return read_line();
}

KafkaPtr test_producer(const std::string& bootstrap, bool idempotent) {
    ConfPtr conf = config({{"bootstrap.servers", bootstrap}, {"enable.idempotence", idempotent ? "true" : "false"},
                           {"acks", "all"}, {"message.timeout.ms", "60000"}});
    // Each message's opaque is where its delivery result goes (see produce_sync).
    rd_kafka_conf_set_dr_msg_cb(conf.get(), [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
        *static_cast<rd_kafka_resp_err_t*>(m->_private) = m->err;
    });
    return client(RD_KAFKA_PRODUCER, std::move(conf));
}

std::string produce_sync(rd_kafka_t* producer, const std::string& topic, const std::string& key, const std::string& value) {
    rd_kafka_resp_err_t delivered = RD_KAFKA_RESP_ERR__TIMED_OUT;
    std::array<rd_kafka_vu_t, 5> fields{};
    fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    fields[0].u.cstr = topic.c_str();
    fields[1].vtype = RD_KAFKA_VTYPE_KEY;
    fields[1].u.mem = {const_cast<char*>(key.data()), key.size()};  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    fields[2].vtype = RD_KAFKA_VTYPE_VALUE;
    fields[2].u.mem = {const_cast<char*>(value.data()), value.size()};  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    fields[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    fields[3].u.i = RD_KAFKA_MSG_F_COPY;
    fields[4].vtype = RD_KAFKA_VTYPE_OPAQUE;
    fields[4].u.ptr = &delivered;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (rd_kafka_error_t* e = rd_kafka_produceva(producer, fields.data(), fields.size())) {
        err = rd_kafka_error_code(e);
        rd_kafka_error_destroy(e);
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        err = rd_kafka_flush(producer, 60000);  // serves the delivery callback
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        err = delivered;
    }
    return err == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : rd_kafka_err2name(err);
}

static std::map<std::string, std::string> headers_of(rd_kafka_message_t* m) {
    std::map<std::string, std::string> out;
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return out;
    }
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        out[name] = value == nullptr ? std::string() : std::string(static_cast<const char*>(value), size);
    }
    return out;
}

std::vector<KafkaRecord> consume_until(const std::string& bootstrap, const std::vector<std::string>& topics,
                                       const std::function<bool(const std::vector<KafkaRecord>&)>& done,
                                       std::chrono::milliseconds deadline) {
    static std::atomic<int> group{0};
    KafkaPtr consumer = client(RD_KAFKA_CONSUMER, config({{"bootstrap.servers", bootstrap},
                                                          {"group.id", "ferry-test-" + std::to_string(++group)},
                                                          {"auto.offset.reset", "earliest"},
                                                          {"enable.auto.commit", "false"},
                                                          {"isolation.level", "read_committed"}}));
    PartitionsPtr subscription{rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()))};
    for (const auto& t : topics) {
        rd_kafka_topic_partition_list_add(subscription.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (rd_kafka_subscribe(consumer.get(), subscription.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("cannot subscribe");
    }
    std::vector<KafkaRecord> records;
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!done(records) && std::chrono::steady_clock::now() < until) {
        MessagePtr m{rd_kafka_consumer_poll(consumer.get(), 100)};
        if (!m || m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            continue;
        }
        records.push_back({rd_kafka_topic_name(m->rkt), m->partition, m->offset, bytes(m->key, m->key_len),
                           bytes(m->payload, m->len), headers_of(m.get())});
    }
    rd_kafka_consumer_close(consumer.get());
    return records;
}

}  // namespace ferry::test
