#include "producer.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <array>
#include <random>
#include <utility>

#include "ferry/core/c_handle.hpp"

namespace ferry::apply::kafka {

namespace {

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, CDeleter<&rd_kafka_conf_destroy>>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, CDeleter<&rd_kafka_metadata_destroy>>;

// Ferry's settings, then the user's on top: "" or the first one librdkafka rejects.
std::string configure(rd_kafka_conf_t* conf, const std::string& brokers,
                      const std::map<std::string, std::string>& properties) {
    std::map<std::string, std::string> settings = {
        {"bootstrap.servers", brokers}, {"enable.idempotence", "true"}, {"acks", "all"},
        {"partitioner", "murmur2_random"},  // Java's default: the same key lands where Java puts it
        {"linger.ms", "5"}, {"compression.type", "lz4"}};
    for (const auto& [name, value] : properties) {
        settings[name] = value;
    }
    std::array<char, 512> err{};
    for (const auto& [name, value] : settings) {
        if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err.data(), err.size()) != RD_KAFKA_CONF_OK) {
            return "target.properties." + name + ": " + err.data();  // the value itself may be a secret
        }
    }
    return {};
}

}  // namespace

std::string Producer::check_properties(const std::map<std::string, std::string>& properties) {
    ConfPtr conf{rd_kafka_conf_new()};
    return configure(conf.get(), "127.0.0.1:9092", properties);
}

Result<std::unique_ptr<Producer>> Producer::open(const std::string& brokers,
                                                 const std::map<std::string, std::string>& properties,
                                                 std::shared_ptr<spdlog::logger> log,
                                                 const std::string& transactional_id) {
    std::unique_ptr<Producer> producer(new Producer());
    producer->brokers_ = brokers;
    producer->log_ = std::move(log);
    producer->transactional_id_ = transactional_id;
    producer->run_ = std::random_device{}();
    ConfPtr conf{rd_kafka_conf_new()};
    if (std::string problem = configure(conf.get(), brokers, properties); !problem.empty()) {
        return Status::error(Errc::InvalidConfig, problem);
    }
    std::array<char, 512> err{};
    if (!transactional_id.empty()) {
        // A table's copy is one transaction: allow it the brokers' default maximum (15 min)
        // unless target.properties say otherwise.
        const std::string timeout =
            properties.contains("transaction.timeout.ms") ? properties.at("transaction.timeout.ms") : "900000";
        if (rd_kafka_conf_set(conf.get(), "transactional.id", transactional_id.c_str(), err.data(), err.size())
                != RD_KAFKA_CONF_OK
            || rd_kafka_conf_set(conf.get(), "transaction.timeout.ms", timeout.c_str(), err.data(), err.size())
                   != RD_KAFKA_CONF_OK) {
            return Status::error(Errc::InvalidConfig, std::string("the Kafka producer: ") + err.data());
        }
    }
    rd_kafka_conf_set_opaque(conf.get(), producer.get());
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::on_delivery);
    rd_kafka_conf_set_log_cb(conf.get(), &Producer::on_log);
    rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err.data(), err.size());
    if (handle == nullptr) {
        return Status::error(Errc::InvalidConfig, std::string("the Kafka producer: ") + err.data());
    }
    conf.release();  // the producer owns it now
    producer->handle_ = {handle, &rd_kafka_destroy};
    if (!transactional_id.empty()) {
        if (Status st = producer->transaction_error(rd_kafka_init_transactions(handle, 30000), "registering"); !st.ok()) {
            return st;
        }
    }
    return producer;
}

Status Producer::transaction_error(rd_kafka_error_t* error, const char* doing) {
    if (error == nullptr) {
        return {};
    }
    const std::string what = std::string(doing) + " Kafka transaction of " + transactional_id_ + ": "
                             + rd_kafka_error_string(error);
    const bool fenced = rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__FENCED
                        || rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_PRODUCER_FENCED
                        || rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
    const bool fatal = rd_kafka_error_is_fatal(error) != 0;
    rd_kafka_error_destroy(error);
    if (fenced) {
        return Status::error(Errc::Fatal, what + " (another Ferry with the same pipeline name took over this "
                                                 "transactional id; run one instance per pipeline name)");
    }
    return Status::error(fatal ? Errc::Fatal : Errc::Transient, what);
}

Status Producer::begin() {
    if (Status st = transaction_error(rd_kafka_begin_transaction(handle_.get()), "beginning a"); !st.ok()) {
        return st;
    }
    in_transaction_ = true;
    transaction_name_ = transactional_id_ + "/" + std::to_string(run_) + "/" + std::to_string(++transactions_);
    return {};
}

Status Producer::commit() {
    rd_kafka_error_t* error = rd_kafka_commit_transaction(handle_.get(), -1);
    if (error != nullptr && rd_kafka_error_txn_requires_abort(error) != 0) {
        Status failed = transaction_error(error, "committing a");
        abort().ignore();
        first_failure_.clear();  // the aborted records' failures: the transaction is made again
        return failed;
    }
    in_transaction_ = false;
    first_failure_.clear();
    return transaction_error(error, "committing a");
}

Status Producer::abort() {
    in_transaction_ = false;
    return transaction_error(rd_kafka_abort_transaction(handle_.get(), -1), "aborting a");
}

Producer::~Producer() {
    // librdkafka may still log while it shuts down: the handle goes before the members its
    // callbacks use (declaration order would destroy them first).
    topics_.clear();
    handle_.reset();
}

void Producer::on_log(const rd_kafka_s* rk, int level, const char* facility, const char* line) {
    const auto* self = static_cast<const Producer*>(rd_kafka_opaque(rk));
    if (self == nullptr || !self->log_) {
        return;
    }
    // syslog levels: up to warning (4) as warnings (the sink itself reports what failed for good)
    const auto as = level <= 4 ? spdlog::level::warn : level == 5 ? spdlog::level::info : spdlog::level::debug;
    self->log_->log(as, "librdkafka {}: {}", facility, line);
}

void Producer::on_delivery(rd_kafka_s*, const rd_kafka_message_s* m, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && self->first_failure_.empty()) {
        self->first_failure_ = std::string(rd_kafka_topic_name(m->rkt)) + ": " + rd_kafka_err2str(m->err);
    }
}

Status Producer::produce(const std::string& topic, const std::string* key, const std::string* value) {
    std::array<rd_kafka_vu_t, 5> fields{};
    // A learned topic goes by its handle: by name, librdkafka looks it up under a lock per record.
    if (const auto learned = topics_.find(topic); learned != topics_.end()) {
        fields[0].vtype = RD_KAFKA_VTYPE_RKT;
        fields[0].u.rkt = learned->second.get();
    } else {
        fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
        fields[0].u.cstr = topic.c_str();
    }
    fields[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    fields[1].u.i = RD_KAFKA_MSG_F_COPY;
    std::size_t n = 2;
    // librdkafka copies the bytes (F_COPY) and never writes through these pointers.
    if (key) {
        fields[n].vtype = RD_KAFKA_VTYPE_KEY;
        fields[n++].u.mem = {const_cast<char*>(key->data()), key->size()};  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    }
    if (value) {
        fields[n].vtype = RD_KAFKA_VTYPE_VALUE;
        fields[n++].u.mem = {const_cast<char*>(value->data()), value->size()};  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    }
    if (in_transaction_) {
        fields[n].vtype = RD_KAFKA_VTYPE_HEADER;
        fields[n++].u.header = {"ferry.txn", transaction_name_.data(), static_cast<ssize_t>(transaction_name_.size())};
    }
    for (;;) {
        rd_kafka_error_t* error = rd_kafka_produceva(handle_.get(), fields.data(), n);
        if (error == nullptr) {
            if (++unpolled_ >= 256) {  // delivery reports served now and then, not per record (a lock each)
                unpolled_ = 0;
                rd_kafka_poll(handle_.get(), 0);
            }
            return {};
        }
        const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
        const std::string message = rd_kafka_error_string(error);
        rd_kafka_error_destroy(error);
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            return Status::error(Errc::Transient, "producing to " + topic + ": " + message);
        }
        rd_kafka_poll(handle_.get(), 100);  // the local queue is full: wait for deliveries
    }
}

Status Producer::flush() {
    while (rd_kafka_outq_len(handle_.get()) > 0) {
        rd_kafka_flush(handle_.get(), 1000);
        if (Status st = fatal_error(); !st.ok()) {
            return st;
        }
    }
    if (!first_failure_.empty()) {
        const std::string why = std::exchange(first_failure_, std::string());
        return Status::error(Errc::Transient, "a record was not delivered to Kafka (" + why
                                                  + "); sending again from the last stored position");
    }
    return {};
}

Status Producer::check_reachable(int timeout_ms) {
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(handle_.get(), 0, nullptr, &metadata, timeout_ms);
    MetadataPtr owned{metadata};
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status::error(Errc::Transient, "cannot reach the Kafka brokers " + brokers_ + " (" + rd_kafka_err2str(err)
                                                  + "); check target.brokers and that Kafka is up");
    }
    return {};
}

void Producer::learn_topic(const std::string& topic) {
    if (topics_.contains(topic)) {
        return;
    }
    rd_kafka_topic_t* handle = rd_kafka_topic_new(handle_.get(), topic.c_str(), nullptr);
    if (handle == nullptr) {
        return;  // produce() reports what is wrong with it
    }
    topics_.emplace(topic, std::unique_ptr<rd_kafka_topic_s, void (*)(rd_kafka_topic_s*)>{handle, &rd_kafka_topic_destroy});
    const rd_kafka_metadata_t* metadata = nullptr;
    // Best effort: when this fails, librdkafka's own scan still finds the topic a moment later.
    if (rd_kafka_metadata(handle_.get(), 0, handle, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        MetadataPtr owned{metadata};
    }
}

Status Producer::fatal_error() {
    std::array<char, 512> err{};
    if (rd_kafka_fatal_error(handle_.get(), err.data(), err.size()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status::error(Errc::Transient, std::string("the Kafka producer failed: ") + err.data());
    }
    return {};
}

}  // namespace ferry::apply::kafka
