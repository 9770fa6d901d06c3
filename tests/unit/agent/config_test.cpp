#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "config.hpp"

namespace ferry::agent {
namespace {

constexpr char kValid[] = R"(
name: shop
source:
  type: postgres
  url: postgresql://repl@127.0.0.1:5432/shop
  tables: [public.orders, '"Weird Schema"."Order ""Items"""', sales.*]
target:
  type: postgres
  url: host=127.0.0.1 port=5433 dbname=shop
)";

bool has_problem(const std::vector<std::string>& problems, const std::string& part) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const std::string& p) { return p.find(part) != std::string::npos; });
}

TEST(Config, ParsesTheContractExample) {
    Config c;
    const auto problems = parse_config(kValid, c);
    ASSERT_TRUE(problems.empty()) << problems.front();
    EXPECT_EQ(c.name, "shop");
    EXPECT_EQ(c.slot_name(), "ferry_shop");
    ASSERT_EQ(c.source.tables.size(), 3U);
    EXPECT_EQ(c.source.tables[1].schema, "Weird Schema");
    EXPECT_EQ(c.source.tables[1].table, "Order \"Items\"");
    EXPECT_TRUE(c.source.tables[2].is_wildcard());
    EXPECT_EQ(c.snapshot, SnapshotMode::Initial);
    EXPECT_EQ(c.state_dir, "./ferry-state/shop");
}

TEST(Config, MysqlTargetTakesAMysqlUrl) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("type: postgres\n  url: host="), 14, "type: mysql   ");
    yaml.replace(yaml.find("host=127.0.0.1 port=5433 dbname=shop"), 36, "mysql://app:pw@10.0.0.8:3306/");
    Config c;
    const auto ok = parse_config(yaml, c);
    ASSERT_TRUE(ok.empty()) << ok.front();
    EXPECT_EQ(c.target.type, "mysql");
    yaml.replace(yaml.find("mysql://app:pw@10.0.0.8:3306/"), 29, "postgresql://x@h/db");
    const auto bad = parse_config(yaml, c);
    ASSERT_EQ(bad.size(), 1U);
    EXPECT_NE(bad.front().find("target.url is not a valid mysql:// URL"), std::string::npos) << bad.front();
}

TEST(Config, SnapshotCheckpointSecondsMayBeZero) {
    Config c;
    ASSERT_TRUE(parse_config(kValid, c).empty());
    EXPECT_EQ(c.snapshot_checkpoint_seconds, 10U);
    ASSERT_TRUE(parse_config(std::string(kValid) + "snapshot_checkpoint_seconds: 0\n", c).empty());
    EXPECT_EQ(c.snapshot_checkpoint_seconds, 0U);
    for (const char* bad : {"-1", "x", "86401"}) {
        const auto problems = parse_config(std::string(kValid) + "snapshot_checkpoint_seconds: " + bad + "\n", c);
        ASSERT_EQ(problems.size(), 1U) << bad;
        EXPECT_EQ(problems[0], "snapshot_checkpoint_seconds must be a whole number from 0 to 86400");
    }
}

TEST(Config, SubstitutesEnvironment) {
    ::setenv("FERRY_TEST_PW", "s3cret", 1);
    Config c;
    std::string yaml = kValid;
    yaml.replace(yaml.find("repl@"), 5, "repl:${FERRY_TEST_PW}@");
    ASSERT_TRUE(parse_config(yaml, c).empty());
    EXPECT_NE(c.source.url.find("s3cret"), std::string::npos);
    yaml.replace(yaml.find("s3cret") == std::string::npos ? yaml.find("${FERRY_TEST_PW}") : 0, 16, "${FERRY_UNSET_VAR}");
    Config d;
    const auto problems = parse_config(yaml, d);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_NE(problems[0].find("FERRY_UNSET_VAR"), std::string::npos);
}

TEST(Config, ReportsEveryProblemAtOnce) {
    Config c;
    const auto problems = parse_config(R"(
name: Bad-Name
colour: blue
source:
  type: postgres
  url: "postgresql://[bad"
  tables: [orders, public.ok]
  extra: 1
target:
  type: postgres
snapshot: sometimes
)",
                                       c);
    const auto has = [&](const std::string& part) { return has_problem(problems, part); };
    EXPECT_TRUE(has("name 'Bad-Name'"));
    EXPECT_TRUE(has("unknown key colour"));
    EXPECT_TRUE(has("unknown key source.extra"));
    EXPECT_TRUE(has("source.url"));
    EXPECT_TRUE(has("source.tables[0]"));
    EXPECT_TRUE(has("missing target.url"));
    EXPECT_TRUE(has("snapshot must be"));
    EXPECT_EQ(problems.size(), 7U);
}

TEST(Config, RejectsUnsupportedTypesAndBadYaml) {
    Config c;
    EXPECT_FALSE(parse_config("name: [unclosed", c).empty());
    std::string yaml = kValid;
    yaml.replace(yaml.rfind("type: postgres"), 14, "type: oracle");
    const auto problems = parse_config(yaml, c);
    ASSERT_FALSE(problems.empty());
    EXPECT_NE(problems[0].find("target.type 'oracle' is not supported (supported: postgres, mysql, kafka)"),
              std::string::npos)
        << problems[0];
}

std::string kafka_config(const std::string& target_lines) {
    return "name: shop\nsource:\n  type: postgres\n  url: postgresql://repl@127.0.0.1:5432/shop\n"
           "  tables: [public.orders]\ntarget:\n  type: kafka\n" + target_lines;
}

TEST(Config, KafkaTargetTakesBrokersPrefixPropertiesAndValueForms) {
    Config c;
    setenv("FERRY_TEST_SASL_PASSWORD", "s3cret", 1);  // NOLINT(concurrency-mt-unsafe)
    const auto problems = parse_config(kafka_config("  brokers: [k1:9092, k2:9092]\n  topic_prefix: cdc.shop\n"
                                                    "  properties: {compression.type: zstd, linger.ms: 20,\n"
                                                    "               sasl.password: '${FERRY_TEST_SASL_PASSWORD}'}\n"
                                                    "  tombstones: false\n  decimals: precise\n  temporal: epoch\n"
                                                    "  transaction_topic: true\n"),
                                       c);
    ASSERT_TRUE(problems.empty()) << problems.front();
    const auto& k = c.target.kafka;
    EXPECT_EQ(k.brokers, "k1:9092,k2:9092");
    EXPECT_EQ(k.topic_prefix, "cdc.shop");
    EXPECT_EQ(k.properties.at("compression.type"), "zstd");
    EXPECT_EQ(k.properties.at("linger.ms"), "20");
    EXPECT_EQ(k.properties.at("sasl.password"), "s3cret");
    EXPECT_FALSE(k.tombstones);
    EXPECT_TRUE(k.transaction_topic);
    EXPECT_TRUE(k.precise_decimals);
    EXPECT_TRUE(k.epoch_temporals);

    Config d;
    ASSERT_TRUE(parse_config(kafka_config("  brokers: 127.0.0.1:9092\n"), d).empty());
    EXPECT_EQ(d.target.kafka.topic_prefix, "shop");  // the pipeline's name
    EXPECT_TRUE(d.target.kafka.tombstones);
    EXPECT_FALSE(d.target.kafka.transaction_topic);
    EXPECT_FALSE(d.target.kafka.precise_decimals);
    EXPECT_FALSE(d.target.kafka.epoch_temporals);
}

TEST(Config, KafkaTargetProblemsNameTheirKeys) {
    Config c;
    const auto problems = parse_config(kafka_config("  url: postgresql://x/y\n  topic_prefix: 'bad prefix'\n"
                                                    "  properties: {acks: '1', enable.idempotence: false}\n"
                                                    "  decimals: double\n  tombstones: maybe\n  colour: red\n"),
                                       c);
    const auto has = [&](const std::string& part) { return has_problem(problems, part); };
    EXPECT_TRUE(has("missing target.brokers"));
    EXPECT_TRUE(has("target.url does not apply to type kafka"));
    EXPECT_TRUE(has("target.topic_prefix may hold only"));
    EXPECT_TRUE(has("target.properties.acks is set by Ferry itself"));
    EXPECT_TRUE(has("target.properties.enable.idempotence is set by Ferry itself"));
    EXPECT_TRUE(has("target.decimals must be string or precise (got 'double')"));
    EXPECT_TRUE(has("target.tombstones must be true or false"));
    EXPECT_TRUE(has("unknown key target.colour"));
    EXPECT_EQ(problems.size(), 8U);
}

TEST(Config, KafkaPropertiesLibrdkafkaRejectsAreProblems) {
    Config c;
    const auto problems = parse_config(kafka_config("  brokers: k:9092\n  properties: {compression.type: brotli}\n"), c);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_NE(problems[0].find("target.properties.compression.type: "), std::string::npos) << problems[0];
    Config d;
    EXPECT_EQ(parse_config(kafka_config("  brokers: k:9092\n  properties: {no.such.setting: 1}\n"), d).size(), 1U);
}

TEST(Config, HttpListenerTakesHostAndPort) {
    Config c;
    ASSERT_TRUE(parse_config(std::string(kValid) + "http: {listen: '[::1]:9187', ready_max_lag_seconds: 2.5}\n", c).empty());
    EXPECT_EQ(c.http.host, "::1");
    EXPECT_EQ(c.http.port, 9187);
    EXPECT_EQ(c.http.ready_max_lag_seconds, 2.5);
    Config none;
    ASSERT_TRUE(parse_config(kValid, none).empty());
    EXPECT_TRUE(none.http.host.empty());
    for (const char* bad : {"http: {listen: 9187}", "http: {listen: 'localhost:99999'}", "http: {listen: ':80'}",
                            "http: {}", "http: {listen: '127.0.0.1:1', ready_max_lag_seconds: 0}",
                            "http: {listen: '127.0.0.1:1', token: x}"}) {
        Config out;
        const auto problems = parse_config(std::string(kValid) + bad + "\n", out);
        EXPECT_TRUE(has_problem(problems, "http.")) << bad;
    }
}

TEST(Config, ReverseOfNamesTheForwardPipeline) {
    Config c;
    ASSERT_TRUE(parse_config(std::string(kValid) + "reverse_of: shop_old\n", c).empty());
    EXPECT_EQ(c.reverse_of, "shop_old");
    EXPECT_EQ(Config::reverse_origin(c.reverse_of), "ferry reverse of shop_old");
    Config bad;
    EXPECT_TRUE(has_problem(parse_config(std::string(kValid) + "reverse_of: 'Shop Old'\n", bad), "reverse_of must be"));
    std::string to_mysql = kValid;
    to_mysql.replace(to_mysql.find("  type: postgres\n  url: host="), 16, "  type: mysql\n");
    to_mysql.replace(to_mysql.find("host=127.0.0.1 port=5433 dbname=shop"), 36, "mysql://u@127.0.0.1:3306/");
    Config mysql;
    ASSERT_TRUE(parse_config(to_mysql, mysql).empty()) << parse_config(to_mysql, mysql).front();
    ASSERT_TRUE(parse_config(to_mysql + "reverse_of: shop\n", mysql).empty());
    EXPECT_NE(Config::reverse_server_id("shop"), Config::reverse_server_id("shop2"));
    EXPECT_GE(Config::reverse_server_id("shop"), 1U << 30);
}

}  // namespace
}  // namespace ferry::agent
