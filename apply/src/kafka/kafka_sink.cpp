// The Kafka change sink (ferry/apply/kafka_apply.hpp): records produced as changes arrive, with
// delivery reports counted, and flush() as the point where every one of them is confirmed.
#include <librdkafka/rdkafka.h>

#include <array>
#include <chrono>
#include <map>
#include <utility>

#include "debezium_envelope.hpp"
#include "ferry/apply/kafka_apply.hpp"
#include "ferry/core/c_handle.hpp"
#include "topic_names.hpp"

namespace ferry::apply {

namespace {

using KafkaPtr = std::unique_ptr<rd_kafka_t, CDeleter<&rd_kafka_destroy>>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, CDeleter<&rd_kafka_conf_destroy>>;

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class KafkaChangeSink final : public ChangeSink {
public:
    explicit KafkaChangeSink(const KafkaTargetConfig& config) : config_(config) {
        options_.decimals = config.precise_decimals ? kafka::DecimalHandling::Precise : kafka::DecimalHandling::String;
        options_.temporal = config.epoch_temporals ? kafka::TemporalHandling::Epoch : kafka::TemporalHandling::IsoString;
        source_.version = FERRY_VERSION;
        source_.name = config.topic_prefix;
        source_.database = config.source_database;
        source_.server_id = config.source_server_id;
    }

    Status connect() {
        ConfPtr conf{rd_kafka_conf_new()};
        std::map<std::string, std::string> settings = {
            {"bootstrap.servers", config_.brokers}, {"enable.idempotence", "true"}, {"acks", "all"},
            {"partitioner", "murmur2_random"},  // Java's default: the same key lands where Java puts it
            {"linger.ms", "5"}, {"compression.type", "lz4"}};
        for (const auto& [name, value] : config_.properties) {
            settings[name] = value;
        }
        std::array<char, 512> err{};
        for (const auto& [name, value] : settings) {
            if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err.data(), err.size()) != RD_KAFKA_CONF_OK) {
                return Status::error(Errc::InvalidConfig, "target.properties." + name + ": " + err.data());
            }
        }
        rd_kafka_conf_set_opaque(conf.get(), this);
        rd_kafka_conf_set_dr_msg_cb(conf.get(), [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
            static_cast<KafkaChangeSink*>(opaque)->delivered(m);
        });
        producer_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err.data(), err.size()));
        if (!producer_) {
            return Status::error(Errc::InvalidConfig, std::string("the Kafka producer: ") + err.data());
        }
        conf.release();  // the producer owns it now
        return {};
    }

    Result<std::optional<SourcePosition>> applied_position() override { return std::optional<SourcePosition>{}; }

    Status begin(const TxnBegin& begin) override {
        context_ = kafka::ChangeContext{};
        context_.position = begin.commit_position;
        context_.txid = begin.xid;
        context_.commit_ms = epoch_ms(begin.commit_time);
        per_table_.clear();
        return {};
    }

    Status apply(const ChangeBatch& batch) override {
        for (const auto& change : batch.changes) {
            context_.now_ms = epoch_ms(std::chrono::system_clock::now());
            ++context_.total_order;
            context_.collection_order = ++per_table_[change.table->id];
            if (Status st = produce_change(change); !st.ok()) {
                return st;
            }
        }
        return {};
    }

    Status change_schema(const SchemaChange&) override { return {}; }  // records carry no schema

    Status commit(const TxnCommit&) override {
        ++pending_;
        return {};
    }

    // Every record handed over so far is confirmed, or this fails and the position stays put.
    Status flush() override {
        while (rd_kafka_outq_len(producer_.get()) > 0) {
            rd_kafka_flush(producer_.get(), 1000);
            if (Status st = fatal_error(); !st.ok()) {
                return st;
            }
        }
        pending_ = 0;
        if (!first_failure_.empty()) {
            const std::string why = std::exchange(first_failure_, std::string());
            return Status::error(Errc::Transient, "a record was not delivered to Kafka (" + why
                                                      + "); sending again from the last stored position");
        }
        return {};
    }

    // Records already handed to the producer cannot be taken back; the position does not move past
    // them, so they are sent again (at-least-once).
    Status discard_open() override { return {}; }

    std::size_t pending_transactions() const override { return pending_; }

private:
    void delivered(const rd_kafka_message_t* m) {
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && first_failure_.empty()) {
            first_failure_ = std::string(rd_kafka_topic_name(m->rkt)) + ": " + rd_kafka_err2str(m->err);
        }
    }

    Status fatal_error() {
        std::array<char, 512> err{};
        if (rd_kafka_fatal_error(producer_.get(), err.data(), err.size()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return Status::error(Errc::Transient, std::string("the Kafka producer failed: ") + err.data());
        }
        return {};
    }

    Status produce_change(const RowChange& change) {
        auto key = kafka::record_key(change, options_);
        if (!key.ok()) {
            return key.status();
        }
        auto value = kafka::record_value(change, source_, context_, options_);
        if (!value.ok()) {
            return value.status();
        }
        const std::string& topic = topic_of(change.table->id);
        if (Status st = produce(topic, key.value(), value.value()); !st.ok()) {
            return st;
        }
        if (change.op == Op::Delete && config_.tombstones) {
            return produce(topic, key.value(), std::nullopt);
        }
        return {};
    }

    const std::string& topic_of(const TableId& table) {
        auto it = topics_.find(table);
        if (it == topics_.end()) {
            it = topics_.emplace(table, kafka::topic_name(config_.topic_prefix, table)).first;
        }
        return it->second;
    }

    Status produce(const std::string& topic, const std::optional<std::string>& key, const std::optional<std::string>& value) {
        std::array<rd_kafka_vu_t, 4> fields{};
        fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
        fields[0].u.cstr = topic.c_str();
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
        for (;;) {
            rd_kafka_error_t* error = rd_kafka_produceva(producer_.get(), fields.data(), n);
            if (error == nullptr) {
                rd_kafka_poll(producer_.get(), 0);  // serves delivery reports as they come
                return {};
            }
            const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
            const std::string message = rd_kafka_error_string(error);
            rd_kafka_error_destroy(error);
            if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                return Status::error(Errc::Transient, "producing to " + topic + ": " + message);
            }
            rd_kafka_poll(producer_.get(), 100);  // the local queue is full: wait for deliveries
        }
    }

    KafkaTargetConfig config_;
    kafka::ValueOptions options_;
    kafka::SourceBlock source_;
    KafkaPtr producer_;
    kafka::ChangeContext context_;
    std::map<TableId, std::uint64_t> per_table_;  // changes per table in the open transaction
    std::map<TableId, std::string> topics_;
    std::size_t pending_ = 0;                     // transactions since the last flush
    std::string first_failure_;                   // of a delivery since the last flush
};

}  // namespace

Result<std::unique_ptr<ChangeSink>> open_kafka_change_sink(const KafkaTargetConfig& config) {
    auto sink = std::make_unique<KafkaChangeSink>(config);
    if (Status st = sink->connect(); !st.ok()) {
        return st;
    }
    return std::unique_ptr<ChangeSink>(std::move(sink));
}

}  // namespace ferry::apply
