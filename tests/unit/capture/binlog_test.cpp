// Decodes a binlog file recorded from MariaDB 10.11 (tests/fixtures/binlog/record.sh) event by event.
#include <gtest/gtest.h>

#include "binlog_fixture.hpp"

namespace ferry::capture::mysql {
namespace {

struct Recorded {
    std::vector<std::string> events;  // whole events, in file order
    CollationCharsets charsets;
};

const Recorded& recorded() {
    static const Recorded r{fixture::recorded_events(), fixture::recorded_charsets()};
    return r;
}

std::string text(const Value& v) { return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "<null>"; }

// Walks the recorded events the way the change source does: table maps, then their row events.
struct Decoded {
    std::vector<TableMap> maps;
    std::vector<std::pair<RowsEvent, std::vector<RowImage>>> rows;
    std::vector<QueryEvent> queries;
    std::vector<MariaGtidEvent> gtids;
    std::vector<std::uint64_t> xids;
    std::vector<RotateEvent> rotates;
};

Decoded decode_all() {
    Decoded d;
    const auto& events = recorded().events;
    auto fd = decode_format_description(events.at(0));
    EXPECT_TRUE(fd.ok());
    EXPECT_EQ(fd.value().checksum, Checksum::Crc32);
    EXPECT_NE(fd.value().server_version.find("MariaDB"), std::string::npos);
    std::map<std::uint64_t, TableMap> by_id;
    for (const auto& bytes : events) {
        auto ev = split_event(bytes, Checksum::Crc32);
        EXPECT_TRUE(ev.ok()) << ev.status().message();
        const auto type = ev.value().header.type;
        if (type == kTableMapEvent) {
            auto map = decode_table_map(ev.value(), true);
            EXPECT_TRUE(map.ok()) << map.status().message();
            by_id[map.value().table_id] = map.value();
            d.maps.push_back(map.value());
        } else if (is_rows_event(type)) {
            auto rows = decode_rows(ev.value());
            EXPECT_TRUE(rows.ok()) << rows.status().message();
            auto images = decode_row_images(rows.value(), by_id.at(rows.value().table_id), recorded().charsets);
            EXPECT_TRUE(images.ok()) << images.status().message();
            d.rows.emplace_back(rows.value(), images.value());
        } else if (type == kQueryEvent || type == kMariaQueryCompressed) {
            d.queries.push_back(decode_query(ev.value()).value());
        } else if (type == kMariaGtidEvent) {
            d.gtids.push_back(decode_maria_gtid(ev.value()).value());
        } else if (type == kXidEvent) {
            d.xids.push_back(decode_xid(ev.value()).value());
        } else if (type == kRotateEvent) {
            d.rotates.push_back(decode_rotate(ev.value()).value());
        }
    }
    return d;
}

TEST(BinlogDecoder, TableMapCarriesFullMetadata) {
    const auto d = decode_all();
    ASSERT_FALSE(d.maps.empty());
    const auto& m = d.maps.front();
    EXPECT_EQ(m.database, "fixture");
    EXPECT_EQ(m.table, "every_type");
    ASSERT_EQ(m.columns.size(), 32U);
    EXPECT_TRUE(m.has_full_metadata);
    EXPECT_EQ(m.columns[0].name, "id");
    EXPECT_TRUE(m.columns[0].is_key);
    EXPECT_FALSE(m.columns[0].nullable);
    EXPECT_FALSE(m.columns[1].is_unsigned);
    EXPECT_TRUE(m.columns[2].is_unsigned);
    EXPECT_EQ(m.columns[8].precision, 65);
    EXPECT_EQ(m.columns[8].scale, 30);
    EXPECT_EQ(m.columns[13].length, 40U);  // char(10) in utf8mb4
    EXPECT_EQ(m.columns[27].type, kTypeEnum);
    EXPECT_EQ(m.columns[27].labels, (std::vector<std::string>{"red", "green", "blue"}));
    EXPECT_EQ(m.columns[28].type, kTypeSet);
    EXPECT_EQ(m.columns[29].length, 10U);
    EXPECT_EQ(m.columns[17].collation, kCollationBinary);
}

TEST(BinlogDecoder, EveryTypeDecodesExactly) {
    const auto d = decode_all();
    ASSERT_GE(d.rows.size(), 1U);
    const auto& images = d.rows[0].second;
    ASSERT_EQ(images.size(), 3U);
    const auto& r1 = images[0].after;
    const std::vector<std::string> want1 = {
        "1", "-128", "255", "-32768", "-8388608", "16777215", "-9223372036854775808", "18446744073709551615",
        "-12345678901234567890123456789012345.123456789012345678901234567891", "-0.05", "99999", "16777216", "0.1",
        "pad", std::string(300, 'v'), "ünïcødé ✓ 😀", "", "\\x00010203", "\\xff", "\\xdeadbeef", "0000-00-00",
        "-838:59:59.000000", "12:34:56", "2024-02-29 23:59:59.999", "9999-12-31 23:59:59.999999",
        "2024-01-02 01:04:05.500000", "2024", "blue", "a,d", "1000000001", std::string(64, '1'),
        "{\"k\": [1, 2.5, \"x\"]}"};
    ASSERT_EQ(r1.size(), want1.size());
    for (std::size_t i = 0; i < want1.size(); ++i) {
        EXPECT_EQ(text(r1[i]), want1[i]) << "column " << i + 1;
    }
    const auto& r2 = images[1].after;
    EXPECT_EQ(text(r2[0]), "2");
    for (std::size_t i = 1; i < r2.size(); ++i) {
        EXPECT_TRUE(std::holds_alternative<Null>(r2[i])) << "column " << i + 1;
    }
    const auto& r3 = images[2].after;
    const std::vector<std::pair<std::size_t, std::string>> want3 = {
        {8, "0.000000000000000000000000000000"}, {9, "0.00"}, {10, "0"}, {11, "0"},
        {12, "2.2250738585072014e-308"}, {13, ""}, {17, "\\x00000000"}, {18, "\\x"}, {20, "1000-01-01"},
        {21, "-00:00:00.000001"}, {22, "-01:00:00"}, {23, "0000-00-00 00:00:00.000"},
        {24, "1000-01-01 00:00:00.000001"}, {25, "1970-01-01 00:00:01.000000"}, {26, "0000"}, {27, ""},
        {28, ""}, {29, "0000000000"}, {30, std::string(64, '0')}, {31, "[]"}};
    for (const auto& [i, want] : want3) {
        EXPECT_EQ(text(r3[i]), want) << "column " << i + 1;
    }
}

TEST(BinlogDecoder, UpdateDeleteLatin1AndCompressedRows) {
    const auto d = decode_all();
    ASSERT_EQ(d.rows.size(), 5U);
    const auto& update = d.rows[1];
    EXPECT_EQ(update.first.kind, RowsKind::Update);
    EXPECT_EQ(text(update.second[0].before[14]), std::string(300, 'v'));
    EXPECT_EQ(text(update.second[0].after[14]), "changed");
    EXPECT_EQ(text(update.second[0].after[25]), "2038-01-19 03:14:07.999999");
    EXPECT_EQ(d.rows[2].first.kind, RowsKind::Delete);
    EXPECT_EQ(text(d.rows[2].second[0].before[0]), "2");
    const auto& latin = d.rows[3].second[0].after;
    EXPECT_EQ(text(latin[1]), "\xC3\xA9\xC3\xA2\xE2\x82\xAC");  // é â € from latin1 e9 e2 80
    const auto& compressed = d.rows[4];
    EXPECT_EQ(compressed.first.kind, RowsKind::Write);
    ASSERT_EQ(compressed.second[0].after.size(), 3U);
    EXPECT_EQ(text(compressed.second[0].after[1]), std::string(20, 'z'));
    EXPECT_EQ(text(compressed.second[0].after[2]), "7");
}

TEST(BinlogDecoder, GroupsQueriesAndRotate) {
    const auto d = decode_all();
    EXPECT_GE(d.gtids.size(), 4U);
    EXPECT_EQ(d.xids.size(), 3U);
    bool saw_ddl = false;
    for (const auto& q : d.queries) {
        saw_ddl = saw_ddl || q.statement.find("ALTER TABLE latin ADD COLUMN extra") != std::string::npos;
    }
    EXPECT_TRUE(saw_ddl);
    ASSERT_FALSE(d.rotates.empty());
    EXPECT_NE(d.rotates.back().next_file.find("binlog."), std::string::npos);
    EXPECT_EQ(d.rotates.back().position, 4U);
}

// Every truncated prefix of every recorded event is an error, never a crash or a wrong success.
TEST(BinlogDecoder, EveryTruncatedPrefixIsAnError) {
    const auto& events = recorded().events;
    std::map<std::uint64_t, TableMap> maps;
    for (const auto& bytes : events) {
        for (std::size_t len = 0; len < bytes.size(); ++len) {
            EXPECT_FALSE(split_event(std::string_view(bytes).substr(0, len), Checksum::Crc32).ok());
        }
        auto whole = split_event(bytes, Checksum::Crc32);
        ASSERT_TRUE(whole.ok());
        const auto type = whole.value().header.type;
        // The body without its checksum, cut short: the event decoders must refuse it too.
        for (std::size_t len = 0; len < whole.value().body.size(); ++len) {
            DecodedEvent cut = whole.value();
            cut.body = cut.body.substr(0, len);
            if (type == kTableMapEvent) {
                auto m = decode_table_map(cut, true);
                if (m.ok()) {  // optional metadata may end at any TLV boundary: then it must be a prefix
                    EXPECT_EQ(m.value().columns.size(), decode_table_map(whole.value(), true).value().columns.size());
                }
            } else if (is_rows_event(type)) {
                auto rows = decode_rows(cut);
                if (rows.ok() && maps.count(rows.value().table_id) != 0) {
                    auto images = decode_row_images(rows.value(), maps.at(rows.value().table_id), recorded().charsets);
                    // A cut at a row boundary decodes as fewer rows; anywhere else it is an error.
                    auto all = decode_row_images(decode_rows(whole.value()).value(), maps.at(rows.value().table_id),
                                                 recorded().charsets);
                    EXPECT_TRUE(!images.ok() || images.value().size() < all.value().size()) << "type " << int(type) << " len " << len;
                }
            } else if (type == kXidEvent) {
                EXPECT_FALSE(decode_xid(cut).ok());
            } else if (type == kMariaGtidEvent) {
                EXPECT_EQ(decode_maria_gtid(cut).ok(), len >= 13);
            }
        }
        if (type == kTableMapEvent) {
            auto m = decode_table_map(whole.value(), true);
            maps[m.value().table_id] = m.value();
        }
    }
}

TEST(BinlogDecoder, CorruptChecksumIsAnError) {
    std::string bytes = recorded().events.at(1);
    bytes[kEventHeaderSize] = static_cast<char>(bytes[kEventHeaderSize] ^ 0x01);
    auto ev = split_event(bytes, Checksum::Crc32);
    ASSERT_FALSE(ev.ok());
    EXPECT_EQ(ev.status().code(), Errc::Corruption);
}

}  // namespace
}  // namespace ferry::capture::mysql
