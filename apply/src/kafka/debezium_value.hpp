// Column values of PostgreSQL tables as JSON in Debezium's PostgreSQL connector forms (with Kafka
// Connect's JSON converter, schemas off), so that consumers written for Debezium read Ferry's records
// unchanged. The input is PostgreSQL's text form as Ferry's sessions produce it (ISO dates, UTC,
// hex bytea, extra_float_digits=3: pq/include/ferry/pq/connection.hpp).
//
//   smallint..bigint, oid       JSON number
//   boolean                     true / false
//   real, double precision      JSON number; NaN, Infinity, -Infinity as those strings
//   numeric                     string "12.50" (default); precise: base64 of the unscaled two's
//                               complement value, or {"scale", "value"} without a declared scale
//   bytea                       base64
//   date, time, timestamp       ISO-8601 text (default); epoch: days / µs of the day / µs since 1970
//   timestamptz, timetz         ISO-8601 text in UTC ending in Z (Debezium's ZonedTimestamp/ZonedTime)
//   interval                    ISO-8601 duration "P1Y2M-3DT4H5M6.7S"; epoch: µs (a month = 365.25/12 days)
//   arrays                      JSON arrays (nested as the array is) of their elements' forms
//   everything else             its text (json, jsonb, uuid, enums, inet, interval, ...)
// An unchanged TOASTed value is Debezium's placeholder "__debezium_unavailable_value".
// https://debezium.io/documentation/reference/stable/connectors/postgresql.html#postgresql-data-types
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::apply::kafka {

enum class DecimalHandling : std::uint8_t { String, Precise };
enum class TemporalHandling : std::uint8_t { IsoString, Epoch };

struct ValueOptions {
    DecimalHandling decimals = DecimalHandling::String;
    TemporalHandling temporal = TemporalHandling::IsoString;
};

enum class JsonForm : std::uint8_t {
    Integer, Boolean, Float, Decimal, Bytes, Date, Time, TimeTz, Timestamp, TimestampTz, Interval, Text, Array,
};

struct ColumnForm {
    JsonForm form = JsonForm::Text;
    int scale = -1;                     // Decimal (or an array of them): the declared scale, -1 for none
    JsonForm element = JsonForm::Text;  // Array: the form of its elements
    bool utc = false;                   // Timestamp: a UTC time without an offset (MySQL's TIMESTAMP)
};

// The form of a PostgreSQL source column (by its built-in type OID; user types are text).
ColumnForm pg_column_form(const Column& column);
// The form of a PostgreSQL type as format_type() names it ("integer", "numeric(10,2)",
// "timestamp(3) with time zone"): how a domain over a built-in type is carried (as its base type).
ColumnForm pg_type_name_form(std::string_view type);

// The form of a MySQL/MariaDB source column (by its COLUMN_TYPE): integers and YEAR numbers,
// FLOAT/DOUBLE numbers, DECIMAL as numeric, DATE/DATETIME as date/timestamp, TIMESTAMP as a UTC
// timestamp ("...Z"), BINARY/VARBINARY/BLOB base64, the rest (text, ENUM, SET, BIT, JSON, TIME) text.
// Zero dates ("0000-00-00") stay their text.
ColumnForm mysql_column_form(const Column& column);

// Appends one value as JSON; Errc::Unsupported for a value the chosen form cannot carry (NaN as a
// precise decimal, BC dates and infinities as epoch values).
Status append_json_value(const ColumnForm& form, const ValueOptions& options, const Value& value, std::string& out);

}  // namespace ferry::apply::kafka
