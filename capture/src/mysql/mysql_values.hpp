// The text forms of MySQL/MariaDB values in Ferry's events, and the one set of functions that makes
// them, used by both the binlog row decoder and the snapshot reader so that a value comes out the
// same way whichever path carried it (pitfalls: "one conversion path for both").
//
//   integers           decimal digits, unsigned BIGINT up to 18446744073709551615
//   DECIMAL(p,s)       [-]digits[.exactly s digits]
//   FLOAT / DOUBLE     shortest text that reads back to the same float / double ("0.1", "1e+308")
//   DATE               YYYY-MM-DD; zero dates kept as written: 0000-00-00, 2024-00-00
//   TIME(n)            [-]HH:MM:SS[.n digits], hours may exceed 24 (-838:59:59)
//   DATETIME(n)        YYYY-MM-DD HH:MM:SS[.n digits]
//   TIMESTAMP(n)       the same form, in UTC whatever the server's time zone; 0000-00-00 00:00:00 for zero
//   YEAR               four digits, 0000 for zero
//   CHAR/VARCHAR/TEXT  UTF-8 (latin1 columns converted the way MySQL maps latin1 to Unicode)
//   BINARY/BLOB        \x followed by lowercase hex (PostgreSQL's bytea text form)
//   BIT(n)             n characters 0/1 (PostgreSQL's bit(n) text form)
//   ENUM               the label; '' for the empty (invalid) value
//   SET                labels in definition order joined by ','
//   JSON (MariaDB)     the stored text
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/core/status.hpp"

namespace ferry::capture::mysql {

std::string format_float(float v);
std::string format_double(double v);

// Server text of a FLOAT/DOUBLE (as printed by the server for a DOUBLE) -> the forms above.
Result<std::string> float_from_server_text(std::string_view text);
Result<std::string> double_from_server_text(std::string_view text);

// DECIMAL's binlog form (MySQL's decimal2bin): `bytes` must be exactly decimal_binary_size long.
std::size_t decimal_binary_size(unsigned precision, unsigned scale);
Result<std::string> decode_decimal(std::string_view bytes, unsigned precision, unsigned scale);

struct CivilTime {
    bool negative = false;
    unsigned year = 0, month = 0, day = 0;
    unsigned hour = 0, minute = 0, second = 0;  // hour up to 838 for TIME
    unsigned microsecond = 0;
};
std::string format_date(const CivilTime& t);
std::string format_time(const CivilTime& t, unsigned fsp);
std::string format_datetime(const CivilTime& t, unsigned fsp);
// Seconds since the epoch (UTC) -> civil UTC time; 0 is MySQL's zero TIMESTAMP.
CivilTime civil_from_unix(std::int64_t seconds, unsigned microsecond);
std::string format_year(unsigned year);

std::string format_bits(std::string_view big_endian_bytes, unsigned bits);
std::string hex_bytes(std::string_view bytes);
// MySQL's latin1 (cp1252 with 0x81, 0x8D, 0x8F, 0x90, 0x9D mapped to the C1 controls) -> UTF-8.
std::string latin1_to_utf8(std::string_view bytes);

}  // namespace ferry::capture::mysql
