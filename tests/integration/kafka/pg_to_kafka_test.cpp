// PostgreSQL -> Kafka end to end: a real PostgreSQL source, the `ferry` executable, the dev broker
// (librdkafka's mock cluster in its own process), and a consumer that reads the records back and
// checks them field by field as JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "all_types.hpp"
#include "kafka_harness.hpp"
#include "pg_harness.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class PgToKafka : public ::testing::Test {
protected:
    void SetUp() override {
        name_ = unique_name("k");
        src_ = std::make_unique<TestDb>(server_dsn("FERRY_TEST_PG_SOURCE"), name_);
    }

    std::string topic(const std::string& table) const { return name_ + ".public." + table; }

    // Topics made up front (3 partitions, 3 replicas), so that the test's consumer finds them.
    void make_topics(const std::vector<std::string>& tables) {
        for (const auto& t : tables) {
            ASSERT_EQ(broker_.command("topic " + topic(t) + " 3 3"), "ok");
        }
    }

    void write_config(const std::vector<std::string>& tables, const std::string& target_extra = "",
                      const std::string& extra = "") {
        std::string list;
        for (const auto& t : tables) {
            list += (list.empty() ? "public." : ", public.") + t;
        }
        config_path_ = scratch_.write("ferry.yaml", "name: " + name_ + "\nsource:\n  type: postgres\n  url: " + src_->dsn()
                                                        + "\n  tables: [" + list + "]\ntarget:\n  type: kafka\n  brokers: "
                                                        + broker_.bootstrap() + "\n" + target_extra
                                                        + "state_dir: " + scratch_.path("state") + "\n" + extra);
    }

    std::unique_ptr<FerryProcess> start_ferry(const std::string& log_name = "ferry.log") {
        return std::make_unique<FerryProcess>(std::vector<std::string>{"run", "-c", config_path_}, scratch_.path(log_name));
    }

    // Every record of these tables' topics, once `count` of them are there (or the deadline passed).
    std::vector<KafkaRecord> records(const std::vector<std::string>& tables, std::size_t count,
                                     std::chrono::milliseconds limit = 30s) {
        std::vector<std::string> topics;
        for (const auto& t : tables) {
            topics.push_back(topic(t));
        }
        return consume_until(broker_.bootstrap(), topics,
                             [count](const std::vector<KafkaRecord>& r) { return r.size() >= count; }, limit);
    }

    std::string name_;
    ScratchDir scratch_;
    DevBroker broker_;
    std::unique_ptr<TestDb> src_;
    std::string config_path_;
};

json value_of(const KafkaRecord& r) { return r.value ? json::parse(*r.value) : json(); }

// The records with this key, in the order the topic holds them.
std::vector<json> values_with_key(const std::vector<KafkaRecord>& records, const std::string& key) {
    std::vector<json> out;
    for (const auto& r : records) {
        if (r.key == key) {
            out.push_back(value_of(r));
        }
    }
    return out;
}

// Each column of the all_types edge row, as Debezium's PostgreSQL connector writes it with Ferry's
// defaults (decimals as strings, ISO-8601 temporal values).
void expect_edge_row(const json& after) {
    EXPECT_EQ(after.at("i2"), -32768);
    EXPECT_EQ(after.at("i4"), -2147483648LL);
    EXPECT_EQ(after.at("i8").get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(after.at("num"), "NaN");
    EXPECT_EQ(after.at("num_scaled"), "123456789012345.12345");
    EXPECT_EQ(after.at("f8"), "Infinity");
    EXPECT_EQ(after.at("t"), "unicode ✓ \u00e9 tab\t nl\n quote' backslash\\");
    EXPECT_EQ(after.at("vc"), "varchar");
    EXPECT_EQ(after.at("ch"), "ab   ");
    EXPECT_EQ(after.at("bin"), "AP8Q");  // base64 of 00 ff 10
    EXPECT_EQ(after.at("flag"), true);
    EXPECT_EQ(after.at("d"), "-4712-01-01");  // ISO-8601 counts 1 BC as year 0
    EXPECT_EQ(after.at("tm"), "23:59:59.999999");
    EXPECT_EQ(after.at("tmtz"), "06:30:00Z");
    EXPECT_EQ(after.at("ts"), "2000-02-29T12:34:56.789");
    EXPECT_EQ(after.at("tstz"), "2026-11-25T08:00:00.123456Z");
    EXPECT_EQ(after.at("iv"), "P1Y2M-3DT4H5M6.7S");
    EXPECT_EQ(after.at("u"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    EXPECT_EQ(after.at("js"), R"({"b": 1, "a": [1, 2.50]})");
    EXPECT_EQ(after.at("jsb"), R"({"a": [1, 2.50], "b": 1})");
    EXPECT_EQ(after.at("arr_i"), json::parse("[1,null,3]"));
    EXPECT_EQ(after.at("arr_t"), json::parse(R"(["a b","c,d","e\"f",null])"));
    EXPECT_EQ(after.at("arr_2d"), json::parse("[[1,2],[3,4]]"));
    EXPECT_EQ(after.at("m"), "happy");
    EXPECT_EQ(after.at("m_arr"), json::parse(R"(["sad","ok"])"));
    EXPECT_EQ(after.at("ip"), "192.168.0.1/24");
    EXPECT_EQ(after.at("net"), "10.0.0.0/8");
    EXPECT_EQ(after.at("mac"), "08:00:2b:01:02:03");
    EXPECT_EQ(after.at("cash"), "$1,234.56");
    EXPECT_EQ(after.at("bits"), "10101");
    EXPECT_EQ(after.at("pt"), "(1.5,-2)");
    EXPECT_EQ(after.at("rng"), "[1,10)");
    EXPECT_EQ(after.at("xml_doc"), R"(<a x="1">text</a>)");
}

void expect_source(const json& source, const std::string& db, bool snapshot) {
    EXPECT_EQ(source.at("connector"), "postgresql");
    EXPECT_EQ(source.at("db"), db);
    EXPECT_EQ(source.at("schema"), "public");
    EXPECT_EQ(source.at("table"), "all_types");
    EXPECT_GT(source.at("lsn").get<std::uint64_t>(), 0U);
    EXPECT_GT(source.at("ts_ms").get<std::int64_t>(), 1700000000000LL);
    if (snapshot) {
        EXPECT_NE(source.at("snapshot"), "false");
        EXPECT_TRUE(source.at("txId").is_null());
    } else {
        EXPECT_EQ(source.at("snapshot"), "false");
        EXPECT_GT(source.at("txId").get<std::uint64_t>(), 0U);
    }
}

TEST_F(PgToKafka, EveryTypeAsDebeziumRecordsBySnapshotAndStream) {
    src_->exec(kTypesDdl);
    src_->exec(kRowA);
    src_->exec("INSERT INTO all_types (id) VALUES (3)");  // every other column NULL
    make_topics({"all_types"});
    write_config({"all_types"});
    auto ferry = start_ferry();
    auto copied = records({"all_types"}, 2);
    ASSERT_EQ(copied.size(), 2U) << ferry->log();
    const auto row1 = values_with_key(copied, R"({"id":1})");
    ASSERT_EQ(row1.size(), 1U);
    EXPECT_EQ(row1[0].at("op"), "r");
    EXPECT_TRUE(row1[0].at("before").is_null());
    EXPECT_TRUE(row1[0].at("transaction").is_null());
    expect_source(row1[0].at("source"), name_, true);
    expect_edge_row(row1[0].at("after"));
    EXPECT_NE(copied[0].value->find(R"("f4":-0,)"), std::string::npos) << *copied[0].value;
    const auto row3 = values_with_key(copied, R"({"id":3})");
    ASSERT_EQ(row3.size(), 1U);
    for (const auto& [column, value] : row3[0].at("after").items()) {
        EXPECT_TRUE(column == "id" || value.is_null()) << column;
    }

    // The same values through the stream, then an update, a delete and a truncate.
    src_->exec(std::string(kRowA).replace(std::string(kRowA).find("1, -32768"), 9, "11, -32768"));
    src_->exec("BEGIN; UPDATE all_types SET t = 'x', arr_i = '{}' WHERE id = 11; DELETE FROM all_types WHERE id = 3; COMMIT");
    src_->exec("TRUNCATE all_types");
    // r, r, c, u, d, tombstone, t
    auto all = records({"all_types"}, 7);
    ASSERT_EQ(all.size(), 7U) << ferry->log();
    const auto row11 = values_with_key(all, R"({"id":11})");
    ASSERT_EQ(row11.size(), 2U);
    EXPECT_EQ(row11[0].at("op"), "c");
    expect_source(row11[0].at("source"), name_, false);
    expect_edge_row(row11[0].at("after"));
    EXPECT_EQ(row11[0].at("transaction").at("total_order"), 1);
    EXPECT_EQ(row11[1].at("op"), "u");
    EXPECT_TRUE(row11[1].at("before").is_null());  // the key did not change: no old image (REPLICA IDENTITY DEFAULT)
    EXPECT_EQ(row11[1].at("after").at("t"), "x");
    EXPECT_EQ(row11[1].at("after").at("arr_i"), json::array());
    const auto update_txn = row11[1].at("transaction");
    EXPECT_EQ(update_txn.at("total_order"), 1);
    EXPECT_EQ(update_txn.at("data_collection_order"), 1);

    const auto row3_history = values_with_key(all, R"({"id":3})");
    ASSERT_EQ(row3_history.size(), 3U);  // r, d, tombstone
    EXPECT_EQ(row3_history[1].at("op"), "d");
    EXPECT_EQ(row3_history[1].at("before").at("id"), 3);
    EXPECT_TRUE(row3_history[1].at("after").is_null());
    EXPECT_EQ(row3_history[1].at("transaction").at("id"), update_txn.at("id"));  // one source transaction
    EXPECT_EQ(row3_history[1].at("transaction").at("total_order"), 2);
    EXPECT_TRUE(row3_history[2].is_null());  // the tombstone
    std::size_t truncate_count = 0;
    for (const auto& r : all) {
        if (!r.key) {
            ++truncate_count;
            EXPECT_EQ(value_of(r).at("op"), "t");
        }
    }
    EXPECT_EQ(truncate_count, 1U);
    // One key, one partition: each row's history stays in order.
    for (const std::string key : {R"({"id":11})", R"({"id":3})"}) {
        std::set<std::int32_t> partitions;
        for (const auto& r : all) {
            if (r.key == key) {
                partitions.insert(r.partition);
            }
        }
        EXPECT_EQ(partitions.size(), 1U) << key;
    }
    ferry->terminate();
    EXPECT_EQ(ferry->wait(30s), 0) << ferry->log();
}

}  // namespace
}  // namespace ferry::test
