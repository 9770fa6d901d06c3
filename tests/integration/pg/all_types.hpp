// A table with a column of every common PostgreSQL type, and a row that puts each at an edge
// (extremes, NaN and infinities, BC dates, escapes, nested arrays): what every target must carry.
#pragma once

namespace ferry::test {

inline constexpr char kTypesDdl[] = R"(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TABLE all_types (
  id int PRIMARY KEY,
  i2 smallint, i4 integer, i8 bigint,
  num numeric, num_scaled numeric(20,5), f4 real, f8 double precision,
  t text, vc varchar(20), ch char(5),
  bin bytea, flag boolean,
  d date, tm time, tmtz timetz, ts timestamp, tstz timestamptz, iv interval,
  u uuid, js json, jsb jsonb,
  arr_i int[], arr_t text[], arr_2d int[][],
  m mood, m_arr mood[], dom positive_int,
  ip inet, net cidr, mac macaddr, cash money,
  bits bit varying(10), pt point, rng int4range, xml_doc xml
))";

inline constexpr char kRowA[] = R"(INSERT INTO all_types VALUES (
  1, -32768, -2147483648, -9223372036854775808,
  'NaN', 123456789012345.12345, '-0', 'Infinity',
  E'unicode ✓ \u00e9 tab\t nl\n quote'' backslash\\', 'varchar', 'ab',
  '\x00ff10'::bytea, true,
  '4713-01-01 BC', '23:59:59.999999', '12:00:00+05:30', '2000-02-29 12:34:56.789', '2026-11-25 10:00:00.123456+02', '1 year 2 mons -3 days 04:05:06.7',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1, "a": [1, 2.50]}', '{"b": 1, "a": [1, 2.50]}',
  '{1,NULL,3}', '{"a b","c,d","e\"f",NULL}', '{{1,2},{3,4}}',
  'happy', '{sad,ok}', 42,
  '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '$1,234.56',
  B'10101', '(1.5,-2)', '[1,10)', '<a x="1">text</a>'
))";

}  // namespace ferry::test
