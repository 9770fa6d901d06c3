// Record keys and values in Debezium's change event format, byte for byte.
#include <gtest/gtest.h>

#include "kafka/debezium_envelope.hpp"
#include "kafka/debezium_value.hpp"

namespace ferry::apply::kafka {
namespace {

SchemaPtr orders(Engine engine = Engine::Postgres) {
    auto t = std::make_shared<TableSchema>();
    t->id = {"shop", "orders"};
    t->engine = engine;
    t->primary_key = {"id"};
    t->columns = {Column{"id", "integer", 23, true, false}, Column{"note", "text", 25, false, true},
                  Column{"amount", "numeric(10,2)", 1700, false, true}};
    return t;
}

RowChange change(Op op, std::vector<Value> before, std::vector<Value> after, SchemaPtr table = orders()) {
    RowChange c;
    c.op = op;
    c.table = std::move(table);
    c.before = std::move(before);
    c.after = std::move(after);
    return c;
}

const SourceBlock kSource{"0.1.0", "shop", "shopdb", 7};

ChangeContext pg_context() {
    ChangeContext c;
    c.position = PgLsn{0x16B374D848};
    c.txid = 571;
    c.commit_ms = 1700000000123;
    c.now_ms = 1700000000456;
    c.total_order = 2;
    c.collection_order = 1;
    return c;
}

std::string value_of(const RowChange& c, const ChangeContext& context) {
    auto v = record_value(c, kSource, context, {});
    return v.ok() ? v.value() : "error: " + v.status().message();
}

TEST(DebeziumEnvelope, InsertUpdateDeleteAndTruncateFromPostgres) {
    const RowChange insert = change(Op::Insert, {}, {std::string("1"), std::string("a \"note\""), std::string("12.50")});
    EXPECT_EQ(record_key(insert, {}).value(), std::optional<std::string>(R"({"id":1})"));
    const std::string source = R"("source":{"version":"0.1.0","connector":"postgresql","name":"shop","ts_ms":1700000000123,)"
                               R"("snapshot":"false","db":"shopdb","sequence":"[null,\"97500059720\"]","schema":"shop",)"
                               R"("table":"orders","txId":571,"lsn":97500059720,"xmin":null})";
    const std::string transaction = R"("transaction":{"id":"571:97500059720","total_order":2,"data_collection_order":1})";
    EXPECT_EQ(value_of(insert, pg_context()),
              R"({"before":null,"after":{"id":1,"note":"a \"note\"","amount":"12.50"},)" + source
                  + R"(,"op":"c","ts_ms":1700000000456,)" + transaction + "}");
    const RowChange update = change(Op::Update, {}, {std::string("1"), Null{}, std::string("13.00")});
    EXPECT_EQ(value_of(update, pg_context()), R"({"before":null,"after":{"id":1,"note":null,"amount":"13.00"},)" + source
                                                  + R"(,"op":"u","ts_ms":1700000000456,)" + transaction + "}");
    // A delete carries the old key (the other columns null, as PostgreSQL sends them).
    const RowChange remove = change(Op::Delete, {std::string("1"), Null{}, Null{}}, {});
    EXPECT_EQ(record_key(remove, {}).value(), std::optional<std::string>(R"({"id":1})"));
    EXPECT_EQ(value_of(remove, pg_context()), R"({"before":{"id":1,"note":null,"amount":null},"after":null,)" + source
                                                  + R"(,"op":"d","ts_ms":1700000000456,)" + transaction + "}");
    const RowChange truncate = change(Op::Truncate, {}, {});
    EXPECT_EQ(record_key(truncate, {}).value(), std::nullopt);
    EXPECT_NE(value_of(truncate, pg_context()).find(R"("before":null,"after":null,)"), std::string::npos);
    EXPECT_NE(value_of(truncate, pg_context()).find(R"("op":"t")"), std::string::npos);
}

TEST(DebeziumEnvelope, SnapshotReadsAndKeylessTables) {
    auto keyless = std::make_shared<TableSchema>(*orders());
    keyless->primary_key.clear();
    const RowChange read = change(Op::Insert, {}, {std::string("2"), std::string("n"), Null{}}, keyless);
    EXPECT_EQ(record_key(read, {}).value(), std::optional<std::string>(R"({"id":2,"note":"n","amount":null})"));
    ChangeContext context = pg_context();
    context.snapshot = "last";
    context.snapshot_read = true;
    context.total_order = 0;
    const std::string value = value_of(read, context);
    EXPECT_NE(value.find(R"("snapshot":"last")"), std::string::npos) << value;
    EXPECT_NE(value.find(R"("op":"r","ts_ms":1700000000456,"transaction":null})"), std::string::npos) << value;
}

TEST(DebeziumEnvelope, MysqlSourceBlockNamesTheBinlogPosition) {
    const RowChange insert = change(Op::Insert, {}, {std::string("1"), std::string("x"), std::string("1.00")},
                                    orders(Engine::MySql));
    ChangeContext context = pg_context();
    context.position = BinlogPosition{"binlog.000012", 4567, "0-1-41"};  // where the transaction starts
    context.gtid = "0-1-42";                                               // its own GTID
    const std::string value = value_of(insert, context);
    // MySQL's columns in their forms: the id a number, the DECIMAL a string.
    EXPECT_NE(value.find(R"("after":{"id":1,"note":"x","amount":"1.00"})"), std::string::npos) << value;
    EXPECT_NE(value.find(R"("connector":"mysql","name":"shop","ts_ms":1700000000123,"snapshot":"false","db":"shop",)"
                         R"("sequence":null,"table":"orders","server_id":7,"gtid":"0-1-42","file":"binlog.000012",)"
                         R"("pos":4567,"row":0,"thread":null,"query":null})"),
              std::string::npos) << value;
    EXPECT_NE(value.find(R"("transaction":{"id":"0-1-42","total_order":2)"), std::string::npos) << value;
    context.server_id = 3;  // the server that wrote it, when the binlog says
    EXPECT_NE(value_of(insert, context).find(R"("server_id":3,)"), std::string::npos);
}

TEST(DebeziumValue, MysqlColumnsInTheirForms) {
    const auto json = [](const std::string& type, const std::string& text, ValueOptions options = {}) {
        Column c;
        c.type_name = type;
        std::string out;
        const Status st = append_json_value(mysql_column_form(c), options, Value(text), out);
        return st.ok() ? out : "error: " + st.message();
    };
    EXPECT_EQ(json("bigint(20) unsigned", "18446744073709551615"), "18446744073709551615");
    EXPECT_EQ(json("year(4)", "0000"), "0");
    EXPECT_EQ(json("decimal(10,2)", "-1.50"), "\"-1.50\"");
    EXPECT_EQ(json("double", "1e+308"), "1e+308");
    EXPECT_EQ(json("datetime(3)", "2024-01-02 03:04:05.678"), "\"2024-01-02T03:04:05.678\"");
    EXPECT_EQ(json("timestamp(6)", "2024-01-02 03:04:05.000001"), "\"2024-01-02T03:04:05.000001Z\"");
    EXPECT_EQ(json("date", "0000-00-00"), "\"0000-00-00\"");  // zero dates keep their text
    EXPECT_EQ(json("datetime", "2024-00-00 00:00:00"), "\"2024-00-00 00:00:00\"");
    EXPECT_NE(json("date", "0000-00-00", {DecimalHandling::String, TemporalHandling::Epoch}).find("temporal: iso"),
              std::string::npos);
    EXPECT_EQ(json("date", "2024-02-29", {DecimalHandling::String, TemporalHandling::Epoch}), "19782");
    EXPECT_EQ(json("varbinary(8)", "\\x00ff10"), "\"AP8Q\"");
    EXPECT_EQ(json("time(6)", "-838:59:59.000000"), "\"-838:59:59.000000\"");
    EXPECT_EQ(json("enum('a','b')", "b"), "\"b\"");
}

TEST(DebeziumEnvelope, DomainsTakeTheirBaseTypesForm) {
    auto t = std::make_shared<TableSchema>();
    t->id = {"shop", "prices"};
    t->primary_key = {"id"};
    t->columns = {Column{"id", "positive_int", 16400, true, false}, Column{"p", "shop.money_amount", 16401, false, true},
                  Column{"n", "nested", 16402, false, true}, Column{"m", "mood", 16403, false, true}};
    UserType positive{"public", "positive_int", UserType::Kind::Domain, {}, "integer", false, {}};
    UserType amount{"shop", "money_amount", UserType::Kind::Domain, {}, "numeric(12,2)", false, {}};
    UserType nested{"public", "nested", UserType::Kind::Domain, {}, "positive_int", false, {}};
    UserType mood{"public", "mood", UserType::Kind::Enum, {"sad", "ok"}, "", false, {}};
    RecordEncoder encoder({DecimalHandling::Precise, TemporalHandling::IsoString}, kSource, {positive, amount, nested, mood});
    std::string out;
    ASSERT_TRUE(encoder.key(change(Op::Insert, {}, {std::string("7"), std::string("1.50"), std::string("3"), std::string("ok")}, t), out).ok());
    EXPECT_EQ(out, R"({"id":7})");
    ASSERT_TRUE(encoder.value(change(Op::Insert, {}, {std::string("7"), std::string("1.50"), std::string("3"), std::string("ok")}, t),
                              pg_context(), out).ok());
    EXPECT_NE(out.find(R"("after":{"id":7,"p":"AJY=","n":3,"m":"ok"})"), std::string::npos) << out;
    EXPECT_EQ(pg_type_name_form("timestamp(3) with time zone").form, JsonForm::TimestampTz);
    EXPECT_EQ(pg_type_name_form("time without time zone").form, JsonForm::Time);
    EXPECT_EQ(pg_type_name_form("numeric(10,4)").scale, 4);
    EXPECT_EQ(pg_type_name_form("character varying(20)").form, JsonForm::Text);
}

TEST(DebeziumEnvelope, TransactionBeginAndEndWithEventCounts) {
    ChangeContext c = pg_context();
    c.total_order = 3;
    EXPECT_EQ(transaction_key(c), R"({"id":"571:97500059720"})");
    EXPECT_EQ(transaction_begin(c), R"({"status":"BEGIN","id":"571:97500059720","ts_ms":1700000000123,)"
                                    R"("event_count":null,"data_collections":null})");
    EXPECT_EQ(transaction_end(c, {{{"shop", "orders"}, 2}, {{"shop", "lines \"x\""}, 1}}),
              R"({"status":"END","id":"571:97500059720","ts_ms":1700000000123,"event_count":3,"data_collections":[)"
              R"({"data_collection":"shop.orders","event_count":2},{"data_collection":"shop.lines \"x\"","event_count":1}]})");
}

TEST(DebeziumEnvelope, AValueThatDoesNotFitNamesTableAndColumn) {
    const RowChange insert = change(Op::Insert, {}, {std::string("1"), std::string("x"), std::string("NaN")});
    auto v = record_value(insert, kSource, pg_context(), {DecimalHandling::Precise, TemporalHandling::IsoString});
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.status().message().find("shop.orders column amount"), std::string::npos) << v.status().message();
    const RowChange short_row = change(Op::Insert, {}, {std::string("1")});
    EXPECT_FALSE(record_value(short_row, kSource, pg_context(), {}).ok());
}

}  // namespace
}  // namespace ferry::apply::kafka
