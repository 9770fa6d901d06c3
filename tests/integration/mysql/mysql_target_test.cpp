// MySQL/MariaDB as the target, against real servers: MariaDB -> MariaDB and PostgreSQL -> MariaDB,
// every type by snapshot and by stream, tables without a key, kill -9 at random moments under
// concurrent transactions (and binlog rotations), then row-by-row comparisons; and a value MariaDB
// cannot hold stopping the pipeline with an error that names it.
#include <gtest/gtest.h>

#include <regex>

#include "bank_workload.hpp"
#include "workload.hpp"

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

std::string target_server() { return env("FERRY_TEST_MYSQL_TARGET"); }

TEST(MysqlToMysql, EveryTypeAndKeylessTablesBySnapshotAndStream) {
    const std::string name = "m2m_types";
    MysqlDb source(name);
    MysqlDb target(name, target_server());
    ScratchDir dir;
    source.run("USE " + name + "; " + kEveryType);
    source.run("INSERT INTO " + name + ".every_type VALUES " + std::string(kEveryTypeValues));
    source.run("INSERT INTO " + name + ".every_type (id, dt) VALUES (2, '0000-00-00')");  // zero dates stay zero
    source.run("CREATE TABLE " + name + ".nokey (a int, b varchar(10), f float)");
    source.run("INSERT INTO " + name + ".nokey VALUES (1, 'x', 0.1), (1, 'x', 0.1), (2, NULL, NULL)");
    const std::string cfg = config(dir, name, source.url(), target_server(), name + ".every_type, " + name + ".nokey");
    FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
    const std::string count = "SELECT count(*) FROM " + name + ".every_type";
    ASSERT_TRUE(eventually([&] { return my_scalar(target, count) == "2"; }, 30s)) << ferry.log();
    // The same values through the stream, then updates (one of two identical keyless rows) and deletes.
    source.run("INSERT INTO " + name + ".every_type SELECT id + 10, flag, ti, tu, si, su, mi, iu, bi, bu, d1, d2, f, dbl, "
               "c, vc, t, lt, b, vb, bl, dt, tm, dtm, ts, y, e, s, bt, j, l1 FROM " + name + ".every_type");
    source.run("UPDATE " + name + ".every_type SET vc = 'changed', bt = b'11', f = 2.5 WHERE id = 11");
    source.run("DELETE FROM " + name + ".every_type WHERE id = 12");
    source.run("START TRANSACTION; UPDATE " + name + ".nokey SET b = 'y' WHERE a = 1 LIMIT 1; DELETE FROM " + name
               + ".nokey WHERE a = 2; INSERT INTO " + name + ".nokey VALUES (3, 'z', 1.5); COMMIT");
    const std::string all = "SELECT id, flag, ti, tu, si, su, mi, iu, bi, bu, d1, d2, f, dbl, c, vc, t, lt, HEX(b), "
                            "HEX(vb), HEX(bl), dt, tm, dtm, ts, y, e, s, BIN(bt), j, l1 FROM " + name
                            + ".every_type ORDER BY id";
    const std::string keyless = "SELECT a, b, f FROM " + name + ".nokey ORDER BY a, b";
    ASSERT_TRUE(eventually([&] {
        return my_scalar(target, count) == "3" && my_rows(target.connection(), keyless) == my_rows(source.connection(), keyless);
    }, 30s)) << ferry.log();
    const auto want = my_rows(source.connection(), all);
    const auto got = my_rows(target.connection(), all);
    ASSERT_EQ(got.size(), 3U);
    EXPECT_EQ(got, want);
    // Row 11 came by stream, row 1 by snapshot: the same values apart from the three updated.
    auto copied = got[0];
    auto streamed = got[2];
    for (auto* row : {&copied, &streamed}) {
        for (int col : {0, 12, 15, 28}) {  // id, f, vc, bt
            (*row)[col].reset();
        }
    }
    EXPECT_EQ(copied, streamed);
    EXPECT_EQ(my::field(got[1], 21), "0000-00-00");
    // A column added at the source, first used inside a transaction that already changed another
    // table: the target adds it (ALTER commits implicitly, so the transaction is applied again).
    source.run("ALTER TABLE " + name + ".nokey ADD COLUMN c int");
    source.run("START TRANSACTION; UPDATE " + name + ".every_type SET vc = 'again' WHERE id = 1; INSERT INTO " + name
               + ".nokey VALUES (4, 'w', NULL, 7); COMMIT");
    const std::string widened = "SELECT a, b, f, c FROM " + name + ".nokey ORDER BY a, b";
    ASSERT_TRUE(eventually([&] { return my_rows(target.connection(), widened) == my_rows(source.connection(), widened); },
                           30s)) << ferry.log();
    EXPECT_EQ(my_rows(target.connection(), all), my_rows(source.connection(), all));
    // verify agrees, the keyless table (with its two equal rows) included.
    auto [verify_code, verified] = verify_pipeline(dir, cfg);
    EXPECT_EQ(verify_code, 0) << verified;
    EXPECT_NE(verified.find("\"equal\":true"), std::string::npos) << verified;
    ferry.terminate();
    EXPECT_EQ(ferry.wait(20s), 0) << ferry.log();
}

TEST(MysqlToMysql, KillNineAcrossRotationsLosesAndDuplicatesNothing) {
    const std::string name = "m2m_crash";
    MysqlDb source(name);
    MysqlDb target(name, target_server());
    const std::string sum_sql = "SELECT IFNULL(SUM(balance), 'none') FROM " + name + ".accounts";
    // 200k rows: large enough that early kills land inside the copy.
    bank_crash_test(source, name, 200000, {target_server(), [&] { return my_scalar(target, sum_sql); },
                                           [&] { return dump_accounts(target.connection(), name); }});
}

constexpr char kPgTypes[] = R"(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TABLE p2m_types.all_types (
  id int PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, num numeric, num_scaled numeric(20,5), f4 real,
  f8 double precision, t text, vc varchar(20), ch char(5), bin bytea, flag boolean, d date, tm time, tmtz timetz,
  ts timestamp, tstz timestamptz, iv interval, u uuid, js json, jsb jsonb, arr_i int[], arr_t text[],
  arr_2d int[][], m mood, m_arr mood[], dom positive_int, ip inet, cash money, bits bit varying(10), b8 bit(8),
  pt point, xml_doc xml);
CREATE TABLE p2m_types.text_key (k text PRIMARY KEY, v int);
)";

constexpr char kPgRow[] = R"((1, -32768, -2147483648, -9223372036854775808, '-123456789.000000001', 123456789012345.12345,
  '0.1', '1e300', E'unicode ✓ tab\t nl\n quote'' backslash\\', 'varchar', 'ab', '\x00ff10'::bytea, true, '2024-02-29',
  '23:59:59.999999', '12:00:00+05:30', '2000-02-29 12:34:56.789', '2026-11-25 10:00:00.123456+02',
  '1 year 2 mons -3 days 04:05:06.7', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1, "a": [1, 2.50]}',
  '{"b": 1, "a": [1, 2.50]}', '{1,NULL,3}', '{"a b","c,d","e\"f",NULL}', '{{1,2},{3,4}}', 'happy', '{sad,ok}', 42,
  '192.168.0.1/24', '$1,234.56', B'10101', B'10000001', '(1.5,-2)', '<a x="1">text</a>'))";

// What MariaDB holds for kPgRow, column by column (HEX for bytea, BIN for bit).
const std::vector<std::string> kPgRowAtMariaDb = {
    "-32768", "-2147483648", "-9223372036854775808", "-123456789.000000001000000000000000000000",
    "123456789012345.12345", "0.1", "1e300", "unicode ✓ tab\t nl\n quote' backslash\\", "varchar", "ab", "00FF10", "1",
    "2024-02-29", "23:59:59.999999", "12:00:00+05:30", "2000-02-29 12:34:56.789000", "2026-11-25 08:00:00.123456",
    "1 year 2 mons -3 days +04:05:06.7", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{\"b\": 1, \"a\": [1, 2.50]}",
    "{\"a\": [1, 2.50], \"b\": 1}", "[1,null,3]", "[\"a b\",\"c,d\",\"e\\\"f\",null]", "[[1,2],[3,4]]", "happy",
    "[\"sad\",\"ok\"]", "42", "192.168.0.1/24", "$1,234.56", "10101", "10000001", "(1.5,-2)", "<a x=\"1\">text</a>"};

constexpr char kPgColumns[] = "i2, i4, i8, num, num_scaled, f4, f8, t, vc, ch, HEX(bin), flag, d, tm, tmtz, ts, tstz, iv, u, "
                              "js, jsb, arr_i, arr_t, arr_2d, m, m_arr, dom, ip, cash, bits, BIN(b8), pt, xml_doc";

TEST(PostgresToMysql, EveryTypeArrivesTheSameBySnapshotAndStream) {
    const std::string name = "p2m_types";
    TestDb source(server_dsn("FERRY_TEST_PG_SOURCE"), name);
    MysqlDb target(name, target_server());
    ScratchDir dir;
    source.exec("CREATE SCHEMA p2m_types; SET search_path = p2m_types;" + std::string(kPgTypes));
    source.exec("INSERT INTO p2m_types.all_types VALUES " + std::string(kPgRow));
    source.exec("INSERT INTO p2m_types.all_types (id) VALUES (2)");
    source.exec("INSERT INTO p2m_types.text_key VALUES ('a', 1), ('A', 2)");  // distinct keys stay distinct
    const std::string cfg = config(dir, name, source.dsn(), target_server(), "p2m_types.all_types, p2m_types.text_key");
    FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
    const std::string count = "SELECT count(*) FROM p2m_types.all_types";
    ASSERT_TRUE(eventually([&] { return my_scalar(target, count) == "2"; }, 30s)) << ferry.log();
    std::string streamed = kPgRow;
    streamed.replace(streamed.find("(1,"), 3, "(3,");
    source.exec("INSERT INTO p2m_types.all_types VALUES " + streamed);
    source.exec("INSERT INTO p2m_types.all_types (id) VALUES (4)");
    source.exec("UPDATE p2m_types.text_key SET v = 3 WHERE k = 'A'");
    ASSERT_TRUE(eventually([&] { return my_scalar(target, count) == "4"; }, 30s)) << ferry.log();
    const auto rows = my_rows(target.connection(), "SELECT " + std::string(kPgColumns) + " FROM p2m_types.all_types ORDER BY id");
    ASSERT_EQ(rows.size(), 4U);
    EXPECT_EQ(rows[0], rows[2]) << "snapshot and stream disagree";
    EXPECT_EQ(rows[1], rows[3]);
    for (std::size_t i = 0; i < kPgRowAtMariaDb.size(); ++i) {
        EXPECT_EQ(my::field(rows[0], i), kPgRowAtMariaDb[i]) << "column " << i;
    }
    EXPECT_EQ(std::count(rows[1].begin(), rows[1].end(), std::nullopt), static_cast<long>(rows[1].size()));
    ASSERT_TRUE(eventually([&] { return my_scalar(target, "SELECT v FROM p2m_types.text_key WHERE k = 'A'") == "3"; }, 30s));
    EXPECT_EQ(my_scalar(target, "SELECT v FROM p2m_types.text_key WHERE k = 'a'"), "1");
    // verify compares every type across the engines (canonical forms) and finds them equal, then
    // finds a value changed at the target.
    auto [verify_code, verified] = verify_pipeline(dir, cfg);
    EXPECT_EQ(verify_code, 0) << verified;
    target.run("UPDATE p2m_types.all_types SET f4 = 0.2 WHERE id = 3");
    auto [changed_code, changed] = verify_pipeline(dir, cfg, {"--settle-timeout", "5"});
    EXPECT_EQ(changed_code, 1) << changed;
    EXPECT_NE(changed.find("\"first_different_keys\":[\"3\"]"), std::string::npos) << changed;
    ferry.terminate();
    EXPECT_EQ(ferry.wait(20s), 0) << ferry.log();
}

TEST(PostgresToMysql, ValueTheTargetCannotHoldStopsWithTableColumnAndPosition) {
    const std::string name = "p2m_nan";
    TestDb source(server_dsn("FERRY_TEST_PG_SOURCE"), name);
    MysqlDb target(name, target_server());
    ScratchDir dir;
    source.exec("CREATE SCHEMA p2m_nan; CREATE TABLE p2m_nan.t (id int PRIMARY KEY, n numeric(10,2))");
    source.exec("INSERT INTO p2m_nan.t VALUES (1, 1.5)");
    const std::string cfg = config(dir, name, source.dsn(), target_server(), "p2m_nan.t");
    FerryProcess ferry({"run", "-c", cfg}, dir.path("ferry.log"));
    ASSERT_TRUE(eventually([&] { return my_scalar(target, "SELECT count(*) FROM p2m_nan.t") == "1"; }, 30s)) << ferry.log();
    source.exec("BEGIN; INSERT INTO p2m_nan.t VALUES (2, 2.5); INSERT INTO p2m_nan.t VALUES (3, 'NaN'); COMMIT");
    EXPECT_EQ(ferry.wait(30s), 1) << ferry.log();
    const std::string log = ferry.log();
    EXPECT_NE(log.find("p2m_nan.t column n"), std::string::npos) << log;
    EXPECT_NE(log.find("has no DECIMAL form"), std::string::npos) << log;
    EXPECT_TRUE(std::regex_search(log, std::regex(" at [0-9A-F]+/[0-9A-F]+: "))) << log;  // the source position
    EXPECT_EQ(my_scalar(target, "SELECT count(*) FROM p2m_nan.t"), "1");  // nothing of the transaction
}

// PostgreSQL -> MariaDB under the PostgreSQL bank workload (multi-statement transfers, bulk inserts,
// a keyless table with duplicate rows), killed at random moments; then every table row by row.
TEST(PostgresToMysql, KillNineUnderConcurrentWritesThenEqualRowByRow) {
    const std::string name = "p2m_bank";
    TestDb source(server_dsn("FERRY_TEST_PG_SOURCE"), name);
    MysqlDb target("public", target_server());
    ScratchDir dir;
    BankWorkload::create(source, 20000);
    const std::string cfg = config(dir, name, source.dsn(), target_server(), "public.accounts, public.ledger, public.notes", "info");
    const std::string total = std::to_string(BankWorkload::kTotal);
    BankWorkload writes(source.dsn());
    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> delay_ms(0, 1500);
    for (int round = 0; round < 3; ++round) {
        FerryProcess ferry({"run", "-c", cfg}, dir.path("run" + std::to_string(round) + ".log"));
        ASSERT_TRUE(eventually([&] { return ferry.log().find("copying") != std::string::npos || round > 0; }, 60s));
        eventually([&] { return !ferry.running(); }, std::chrono::milliseconds(delay_ms(rng)));
        ASSERT_TRUE(ferry.running()) << ferry.log();
        ferry.kill_hard();
        ferry.wait(10s);
        const std::string sum = my_scalar(target, "SELECT IFNULL(SUM(balance), 'none') FROM public.accounts");
        EXPECT_TRUE(sum.empty() || sum == "none" || sum == total) << "partial transaction visible: " << sum;
    }
    writes.stop();
    EXPECT_GT(writes.transactions(), 20);
    FerryProcess ferry({"run", "-c", cfg}, dir.path("final.log"));
    auto pg_dump = [&](const std::string& sql) {
        std::vector<std::string> out;
        for (const auto& r : source.query(sql)) {
            out.push_back(r[0].value_or("<null>"));
        }
        return out;
    };
    auto my_dump = [&](const std::string& sql) {
        std::vector<std::string> out;
        for (const auto& r : my_rows(target.connection(), sql)) {
            out.push_back(r[0] ? *r[0] : "<null>");
        }
        return out;
    };
    const std::vector<std::pair<std::string, std::string>> tables = {
        {"SELECT id || '|' || balance FROM accounts ORDER BY id",
         "SELECT CONCAT_WS('|', id, balance) FROM public.accounts ORDER BY id"},
        {"SELECT concat_ws('|', id, from_id, to_id, amount, note) FROM ledger ORDER BY id",
         "SELECT CONCAT_WS('|', id, from_id, to_id, amount, note) FROM public.ledger ORDER BY id"},
        {"SELECT concat_ws('|', account, note) FROM notes ORDER BY 1",
         "SELECT CONCAT_WS('|', account, note) FROM public.notes ORDER BY 1"}};
    for (const auto& [pg_sql, my_sql] : tables) {
        const auto want = pg_dump(pg_sql);
        EXPECT_TRUE(eventually([&] { return my_dump(my_sql) == want; }, 120s)) << my_sql << "\n" << ferry.log();
    }
    ferry.terminate();
    EXPECT_EQ(ferry.wait(20s), 0) << ferry.log();
}

}  // namespace
}  // namespace ferry::test
