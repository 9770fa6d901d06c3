// ferry-kafka-dev: a Kafka cluster in one process, on librdkafka's mock cluster (rdkafka_mock.h).
// It prints its bootstrap address as the first line on stdout and runs until stdin ends or it gets
// SIGINT/SIGTERM. Lines on stdin control it, for tests that inject faults; each is answered with
// "ok" or "error: ..." on stdout:
//   topic NAME PARTITIONS REPLICAS      create a topic
//   down BROKER | up BROKER             take a broker off the network / back
//   rtt BROKER MS                       delay a broker's responses
//   leader TOPIC PARTITION BROKER       move a partition's leadership
//   errors APIKEY ERRCODE COUNT         fail the next COUNT requests of a kind (0 = Produce)
//   clear APIKEY                        forget the queued errors of a kind
// Not for production: the data lives in memory only.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ferry/core/c_handle.hpp"

namespace {

using KafkaPtr = std::unique_ptr<rd_kafka_t, ferry::CDeleter<&rd_kafka_destroy>>;
using MockPtr = std::unique_ptr<rd_kafka_mock_cluster_t, ferry::CDeleter<&rd_kafka_mock_cluster_destroy>>;

std::string answer(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR_NO_ERROR ? "ok" : std::string("error: ") + rd_kafka_err2str(err);
}

// One command line -> its answer.
std::string run_command(rd_kafka_mock_cluster_t* cluster, const std::string& line) {
    std::istringstream in(line);
    std::string verb;
    in >> verb;
    std::string topic;
    int a = 0;
    int b = 0;
    int c = 0;
    if (verb == "topic" && in >> topic >> a >> b) {
        return answer(rd_kafka_mock_topic_create(cluster, topic.c_str(), a, b));
    }
    if (verb == "down" && in >> a) {
        return answer(rd_kafka_mock_broker_set_down(cluster, a));
    }
    if (verb == "up" && in >> a) {
        return answer(rd_kafka_mock_broker_set_up(cluster, a));
    }
    if (verb == "rtt" && in >> a >> b) {
        return answer(rd_kafka_mock_broker_set_rtt(cluster, a, b));
    }
    if (verb == "leader" && in >> topic >> a >> b) {
        return answer(rd_kafka_mock_partition_set_leader(cluster, topic.c_str(), a, b));
    }
    if (verb == "errors" && in >> a >> b >> c && c >= 0) {
        const std::vector<rd_kafka_resp_err_t> errors(static_cast<std::size_t>(c), static_cast<rd_kafka_resp_err_t>(b));
        rd_kafka_mock_push_request_errors_array(cluster, static_cast<std::int16_t>(a), errors.size(), errors.data());
        return "ok";
    }
    if (verb == "clear" && in >> a) {
        rd_kafka_mock_clear_request_errors(cluster, static_cast<std::int16_t>(a));
        return "ok";
    }
    return "error: unknown command (topic, down, up, rtt, leader, errors, clear)";
}

}  // namespace

int main(int argc, char** argv) {
    int brokers = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--brokers" && i + 1 < argc) {
            brokers = std::stoi(argv[++i]);
        } else {
            std::cerr << "usage: ferry-kafka-dev [--brokers N]\n";
            return 2;
        }
    }
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    // The mock cluster needs a client instance to run in; it never sends anything itself (so its
    // warning that it has no bootstrap.servers is noise).
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    KafkaPtr handle{rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err)};
    if (!handle) {
        std::cerr << "ferry-kafka-dev: " << err << "\n";
        return 1;
    }
    MockPtr cluster{rd_kafka_mock_cluster_new(handle.get(), brokers)};
    if (!cluster) {
        std::cerr << "ferry-kafka-dev: cannot start the mock cluster\n";
        return 1;
    }
    std::cout << rd_kafka_mock_cluster_bootstraps(cluster.get()) << std::endl;
    // SIGINT/SIGTERM end the program the default way; stdin's end ends it here, cleanly.
    for (std::string line; std::getline(std::cin, line);) {
        if (!line.empty()) {
            std::cout << run_command(cluster.get(), line) << std::endl;
        }
    }
    return 0;
}
