// MariaDB -> Kafka end to end: the same envelope as PostgreSQL's with connector "mysql", the binlog
// position and the transaction's own GTID in `source`, and MySQL's value forms, by copy and stream.
#include "mysql_harness.hpp"
#include "pg_kafka_fixture.hpp"

namespace ferry::test {
namespace {

TEST(MysqlToKafka, RecordsCarryMysqlFormsPositionsAndGtids) {
    const std::string name = unique_name("mk");
    MysqlDb db(name);
    const std::string items = "`" + name + "`.items";
    db.run("SET SESSION sql_mode = ''");  // the zero date is allowed
    db.run("CREATE TABLE " + items + " (id bigint unsigned PRIMARY KEY, label varchar(20), price decimal(10,2), "
           "made datetime(3), seen timestamp(6) NULL, born date, raw varbinary(8), yr year, ratio double)");
    db.run("INSERT INTO " + items + " VALUES (18446744073709551615, 'max', 12.50, '2024-01-02 03:04:05.678', "
           "'2024-01-02 03:04:05.000001', '0000-00-00', x'00ff10', 0, 1e308)");
    ScratchDir scratch;
    DevBroker broker;
    const std::string topic = name + "." + name + ".items";
    ASSERT_EQ(broker.command("topic " + topic + " 3 3"), "ok");
    const std::string config_path =
        scratch.write("ferry.yaml", "name: " + name + "\nsource:\n  type: mysql\n  url: " + db.url() + "\n  tables: ["
                                        + name + ".items]\ntarget:\n  type: kafka\n  brokers: " + broker.bootstrap()
                                        + "\nstate_dir: " + scratch.path("state") + "\n");
    FerryProcess ferry({"run", "-c", config_path}, scratch.path("ferry.log"));
    const auto copied = consume_until(broker.bootstrap(), {topic}, [](const auto& r) { return !r.empty(); }, 30s);
    ASSERT_EQ(copied.size(), 1U) << ferry.log();
    EXPECT_EQ(copied[0].key, R"({"id":18446744073709551615})");
    const json read = value_of(copied[0]);
    EXPECT_EQ(read.at("op"), "r");
    EXPECT_EQ(read.at("after"), json::parse(R"({"id":18446744073709551615,"label":"max","price":"12.50",)"
                                            R"("made":"2024-01-02T03:04:05.678","seen":"2024-01-02T03:04:05.000001Z",)"
                                            R"("born":"0000-00-00","raw":"AP8Q","yr":0,"ratio":1e308})"));
    EXPECT_EQ(read.at("source").at("connector"), "mysql");
    EXPECT_EQ(read.at("source").at("db"), name);
    EXPECT_EQ(read.at("source").at("table"), "items");

    db.run("UPDATE " + items + " SET label = 'changed' WHERE id = 18446744073709551615");
    const std::string gtid = my_scalar(db, "SELECT @@gtid_binlog_pos");
    const auto all = consume_until(broker.bootstrap(), {topic}, [](const auto& r) { return r.size() >= 2; }, 30s);
    ASSERT_EQ(all.size(), 2U) << ferry.log();
    const json update = value_of(all[1]);
    EXPECT_EQ(update.at("op"), "u");
    EXPECT_EQ(update.at("after").at("label"), "changed");
    EXPECT_EQ(update.at("before").at("label"), "max");  // MariaDB's full row image
    EXPECT_EQ(update.at("source").at("gtid"), gtid);     // the transaction's own GTID
    EXPECT_EQ(update.at("transaction").at("id"), gtid);
    EXPECT_EQ(update.at("source").at("snapshot"), "false");
    EXPECT_GT(update.at("source").at("pos").get<std::uint64_t>(), 0U);
    EXPECT_TRUE(update.at("source").at("file").get<std::string>().starts_with("binlog."));
    ferry.terminate();
    EXPECT_EQ(ferry.wait(30s), 0) << ferry.log();
}

}  // namespace
}  // namespace ferry::test
