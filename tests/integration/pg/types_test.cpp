// Every common PostgreSQL type, and hostile identifiers, arrive exactly (snapshot and stream).
#include "all_types.hpp"
#include "workload.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

std::string huge_numeric() {
    std::string digits(1000, '7');
    return digits + "." + std::string(500, '3');
}

TEST_F(PipelineTest, EveryTypeArrivesExactlyBySnapshotAndStream) {
    src_->exec(kTypesDdl);
    src_->exec(kRowA);
    src_->exec("INSERT INTO all_types (id, num, f4, f8, t) VALUES (2, " + huge_numeric() + ", 'NaN', '-Infinity', '')");
    src_->exec("INSERT INTO all_types (id) VALUES (3)");  // all NULL
    // Only built-in types: copied in binary COPY format (user types go as text).
    src_->exec("CREATE TABLE builtin_types AS SELECT id, i2, i4, i8, num, num_scaled, f4, f8, t, vc, ch, bin, flag, d, tm, "
               "tmtz, ts, tstz, iv, u, js, jsb, arr_i, arr_t, arr_2d, ip, net, mac, cash, bits, pt, rng, xml_doc "
               "FROM all_types");
    src_->exec("ALTER TABLE builtin_types ADD PRIMARY KEY (id)");
    write_config({"public.all_types", "public.builtin_types"});
    auto ferry = start_ferry();
    ASSERT_TRUE(wait_equal({"all_types", "builtin_types"}, 30s)) << ferry->log();
    // The same values again through the stream.
    src_->exec(std::string(kRowA).replace(std::string(kRowA).find("1, -32768"), 9, "11, -32768"));
    src_->exec("INSERT INTO all_types (id, num, f4, f8, t) VALUES (12, -" + huge_numeric() + ", '-0', 'Infinity', ' ')");
    src_->exec("UPDATE all_types SET f8 = 1e-308, num = '-0.000000000000000000001', arr_i = '{}', tstz = 'infinity' WHERE id = 1");
    src_->exec("UPDATE all_types SET id = 4 WHERE id = 3");
    src_->exec("INSERT INTO builtin_types SELECT id + 100, i2, i4, i8, num, num_scaled, f4, f8, t, vc, ch, bin, flag, d, "
               "tm, tmtz, ts, tstz, iv, u, js, jsb, arr_i, arr_t, arr_2d, ip, net, mac, cash, bits, pt, rng, xml_doc "
               "FROM builtin_types");
    ASSERT_TRUE(wait_equal({"all_types", "builtin_types"}, 30s)) << ferry->log();
    expect_equal("all_types");
    expect_equal("builtin_types");
    // Row 11 (streamed) equals row 1's original (copied) value for value.
    EXPECT_EQ(tgt_->scalar("SELECT count(*) FROM all_types a JOIN all_types b ON a.id = 11 AND b.id = 2 "
                           "WHERE a.num::text = 'NaN' AND b.f4::text = 'NaN'"),
              "1");
}

TEST_F(PipelineTest, HostileIdentifiersWorkEverywhere) {
    src_->exec(R"(CREATE SCHEMA "Weird Schema")");
    src_->exec(R"(CREATE TABLE "Weird Schema"."Order ""Items""" ("select" int PRIMARY KEY, "Mixed Case" text,
                  "with space" text, "ünïcødé" text, "a.b" text))");
    src_->exec(R"(CREATE TABLE "Weird Schema"." padded " (id int PRIMARY KEY, """q""" int))");
    src_->exec(R"(INSERT INTO "Weird Schema"."Order ""Items""" VALUES (1, 'x', 'y', 'z', 'w'))");
    write_config({R"("Weird Schema"."Order ""Items""")", R"("Weird Schema"." padded ")"});
    auto ferry = start_ferry();
    const std::vector<std::string> tables{R"("Weird Schema"."Order ""Items""")", R"("Weird Schema"." padded ")"};
    ASSERT_TRUE(wait_equal(tables, 30s)) << ferry->log();
    src_->exec(R"(INSERT INTO "Weird Schema"."Order ""Items""" VALUES (2, 'a', 'b', 'c', 'd'))");
    src_->exec(R"(UPDATE "Weird Schema"."Order ""Items""" SET "Mixed Case" = 'q' WHERE "select" = 1)");
    src_->exec(R"(INSERT INTO "Weird Schema"." padded " VALUES (1, 2))");
    ASSERT_TRUE(wait_equal(tables, 30s)) << ferry->log();
}

}  // namespace
}  // namespace ferry::test
