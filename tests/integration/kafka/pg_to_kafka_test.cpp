// PostgreSQL -> Kafka end to end: a real PostgreSQL source, the `ferry` executable, the dev broker
// (librdkafka's mock cluster in its own process), and a consumer that reads the records back and
// checks them field by field as JSON.
#include "all_types.hpp"
#include "pg_kafka_fixture.hpp"

namespace ferry::test {
namespace {

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
    EXPECT_EQ(after.at("dom"), 42);  // a domain over integer: its base type's form
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

TEST_F(PgToKafka, CutoverDrainsThePipelineUpToTheEndPoint) {
    src_->exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
    make_topics({"t"});
    write_config({"t"});
    auto ferry = start_ferry();
    ASSERT_TRUE(eventually([&] { return ferry->log().find("streaming from slot") != std::string::npos; }, 60s)) << ferry->log();
    src_->exec("INSERT INTO t SELECT g, g FROM generate_series(1, 500) g");
    auto [code, out] = run_ferry({"cutover", "-c", config_path_, "--freeze-source"}, scratch_.path("cutover.log"), 120s);
    EXPECT_EQ(code, 0) << out << ferry->log();
    for (const char* line : {"frozen       the source is read-only", "caught up    the pipeline applied up to",
                             "thawed       writes were paused for", "is in Kafka — safe to switch"}) {
        EXPECT_NE(out.find(line), std::string::npos) << line << " in " << out;
    }
    EXPECT_EQ(out.find("verified"), std::string::npos) << out;  // nothing to compare in Kafka
    EXPECT_EQ(records({"t"}, 500).size(), 500U);  // durable in Kafka once cutover said so
    EXPECT_EQ(src_->scalar("SELECT count(*) FROM t"), "500");
    auto [refused, refused_out] = run_ferry({"cutover", "-c", config_path_, "--freeze-source", "--reverse"},
                                            scratch_.path("reverse.log"), 60s);
    EXPECT_EQ(refused, 2) << refused_out;
    ferry->terminate();
    EXPECT_EQ(ferry->wait(30s), 0) << ferry->log();
}

TEST_F(PgToKafka, ARejectedPropertyOrAnUnreachableBrokerIsAClearError) {
    src_->exec("CREATE TABLE t (id int PRIMARY KEY)");
    write_config({"t"}, "  properties: {compression.type: brotli}\n");
    const auto [code, output] = run_ferry({"run", "-c", config_path_}, scratch_.path("rejected.log"), 30s);
    EXPECT_EQ(code, 2) << output;
    EXPECT_NE(output.find("target.properties.compression.type: "), std::string::npos) << output;

    // Nothing is created at the source while the brokers do not answer; Ferry says what to check
    // and tries again until stopped.
    config_path_ = scratch_.write("ferry.yaml", "name: " + name_ + "\nsource:\n  type: postgres\n  url: " + src_->dsn()
                                                    + "\n  tables: [public.t]\ntarget:\n  type: kafka\n"
                                                      "  brokers: 127.0.0.1:1\nstate_dir: "
                                                    + scratch_.path("state") + "\n");
    auto ferry = start_ferry("unreachable.log");
    EXPECT_TRUE(eventually([&] { return ferry->log().find("cannot reach the Kafka brokers 127.0.0.1:1") != std::string::npos; },
                           60s))
        << ferry->log();
    EXPECT_NE(ferry->log().find("check target.brokers and that Kafka is up; retrying"), std::string::npos);
    EXPECT_EQ(src_->scalar("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"), "0");
    ferry->terminate();
    EXPECT_EQ(ferry->wait(30s), 0) << ferry->log();
}

TEST_F(PgToKafka, EveryChangeInOrderPerKeyThroughBrokerFaultsAndKills) {
    src_->exec("CREATE TABLE counters (id int PRIMARY KEY, n bigint NOT NULL)");
    src_->exec("INSERT INTO counters SELECT g, 0 FROM generate_series(1, " + std::to_string(CounterWorkload::kKeys) + ") g");
    make_topics({"counters"});
    ASSERT_EQ(broker_.command("topic " + name_ + ".transaction 3 3"), "ok");
    write_config({"counters"}, "  properties: {message.timeout.ms: 20000}\n  transaction_topic: true\n",
                 "batch_transactions: 50\n");
    const unsigned seed = std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    auto ferry = start_ferry();
    CounterWorkload writer1(src_->dsn(), seed);
    CounterWorkload writer2(src_->dsn(), seed + 1);
    // Faults one after another while the writers run: retriable produce errors, a leader move, a
    // slow and then a stopped broker, a non-retriable error (a failed flush: Ferry sends again from
    // its stored position), and two kill -9 of Ferry at random moments.
    const std::string topic_name = topic("counters");
    const std::vector<std::string> faults = {"errors 0 6 5", "leader " + topic_name + " 0 2", "rtt 1 300", "down 1",
                                             "up 1", "rtt 1 0", "errors 0 29 2", "failed flush seen", "kill",
                                             "leader " + topic_name + " 1 3", "errors 0 7 4", "kill", "none"};
    std::uniform_int_distribution<long> step(50, 250);  // transactions per writer between faults
    int restarts = 0;
    for (const auto& fault : faults) {
        writer1.allow_more(step(rng));
        writer2.allow_more(step(rng));
        ASSERT_TRUE(eventually([&] { return writer1.caught_up() && writer2.caught_up(); }, 60s));
        if (fault == "none") {
            break;
        }
        if (fault == "failed flush seen") {  // the writes since TOPIC_AUTHORIZATION_FAILED was injected failed
            ASSERT_TRUE(eventually([&] { return ferry->log().find("was not delivered to Kafka") != std::string::npos; },
                                   30s))
                << ferry->log();
        } else if (fault == "kill") {
            ferry->kill_hard();
            ferry = start_ferry("ferry-" + std::to_string(++restarts) + ".log");
        } else {
            ASSERT_EQ(broker_.command(fault), "ok") << fault;
        }
    }
    writer1.stop();
    writer2.stop();
    ASSERT_GE(writer1.transactions() + writer2.transactions(), 1200);
    std::map<std::string, std::int64_t> final_n;
    for (const auto& row : src_->query("SELECT id, n FROM counters")) {
        final_n[R"({"id":)" + *row[0] + "}"] = std::stoll(*row[1]);
    }
    CounterHistory history;
    consume_until(broker_.bootstrap(), {topic_name},
                  [&](const std::vector<KafkaRecord>& r) {
                      history.add(r);
                      return history.reached(final_n);
                  },
                  120s);
    ASSERT_TRUE(history.reached(final_n)) << ferry->log();
    // Per key: each value follows the one before it (n + 1), or repeats an earlier one when Ferry
    // sent again from its stored position; it never skips one (no gap) nor goes out of order. The
    // exception is a copy made again after a failed or killed one (a read record, "r"): it starts
    // the row's history afresh at its snapshot's later state.
    for (const auto& [key, seen] : history.by_key) {
        ASSERT_EQ(seen.front().op, "r") << key;  // the snapshot's read record (the writers race the snapshot)
        std::int64_t highest = seen.front().n;
        for (std::size_t i = 1; i < seen.size(); ++i) {
            highest = std::max(highest, seen[i].n);
            if (seen[i].op == "r") {
                EXPECT_GE(seen[i].n, seen[i - 1].n) << key << " record " << i;
                continue;
            }
            EXPECT_LE(seen[i].n, seen[i - 1].n + 1) << key << " record " << i;
            if (seen[i].n == seen[i - 1].n + 1) {
                EXPECT_GE(seen[i].lsn, seen[i - 1].lsn) << key << " record " << i;
            }
        }
        EXPECT_EQ(highest, final_n.at(key)) << key;
    }

    // Every source transaction changed 3 rows: its records say 1, 2, 3 of them, and its END record
    // on the transaction topic counts 3 events of public.counters, after its BEGIN.
    for (const auto& [id, orders] : history.orders_by_transaction) {
        EXPECT_EQ(orders, (std::set<std::uint64_t>{1, 2, 3})) << id;
    }
    std::map<std::string, std::vector<json>> boundaries;  // BEGIN and END records by transaction id, in order
    std::size_t parsed = 0;
    std::size_t ended = 0;  // transactions of the data records whose END arrived
    consume_until(broker_.bootstrap(), {name_ + ".transaction"},
                  [&](const std::vector<KafkaRecord>& r) {
                      for (; parsed < r.size(); ++parsed) {
                          const json v = value_of(r[parsed]);
                          EXPECT_EQ(r[parsed].key, R"({"id":)" + v.at("id").dump() + "}");
                          auto& seen = boundaries[v.at("id").get<std::string>()];
                          seen.push_back(v);
                          const bool first_end = v.at("status") == "END"
                                                 && std::count_if(seen.begin(), seen.end(), [](const json& b) {
                                                        return b.at("status") == "END";
                                                    }) == 1;
                          ended += first_end && history.orders_by_transaction.contains(v.at("id").get<std::string>());
                      }
                      return ended == history.orders_by_transaction.size();
                  },
                  60s);
    for (const auto& [id, orders] : history.orders_by_transaction) {
        const auto it = boundaries.find(id);
        ASSERT_NE(it, boundaries.end()) << id;
        ASSERT_GE(it->second.size(), 2U) << id;
        // BEGIN, END (again both, if Ferry sent the transaction again)
        for (std::size_t i = 0; i + 1 < it->second.size(); i += 2) {
            EXPECT_EQ(it->second[i].at("status"), "BEGIN") << id;
            EXPECT_EQ(it->second[i + 1].at("status"), "END") << id;
            EXPECT_EQ(it->second[i + 1].at("event_count"), 3) << id;
            EXPECT_EQ(it->second[i + 1].at("data_collections"),
                      json::parse(R"([{"data_collection":"public.counters","event_count":3}])"))
                << id;
        }
    }
    EXPECT_EQ(boundaries.size(), history.orders_by_transaction.size());
    ferry->terminate();
    EXPECT_EQ(ferry->wait(30s), 0) << ferry->log();
}

}  // namespace
}  // namespace ferry::test
