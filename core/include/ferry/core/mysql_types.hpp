// How to read the type_name of a column that comes from MySQL/MariaDB (TableSchema::engine MySql):
// information_schema's COLUMN_TYPE spelling ("bigint(20) unsigned", "decimal(10,2)", "enum('a','b')"),
// plus "json" for MariaDB's JSON (a LONGTEXT with a json_valid check). Pure parsing, no server.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry {

struct MysqlType {
    enum class Kind {
        TinyInt, SmallInt, MediumInt, Int, BigInt, Decimal, Float, Double, Bit, Year,
        Date, Time, DateTime, Timestamp,
        Char, VarChar, Text,        // character data (TINYTEXT..LONGTEXT are Text)
        Binary, VarBinary, Blob,    // byte strings (TINYBLOB..LONGBLOB are Blob)
        Enum, Set, Json,
        Other,                      // geometry, vectors, ...: not mapped
    };
    Kind kind = Kind::Other;
    bool is_unsigned = false;
    unsigned length = 0;     // CHAR/VARCHAR chars, BINARY/VARBINARY bytes, BIT bits, integer display width
    unsigned precision = 0;  // DECIMAL
    unsigned scale = 0;      // DECIMAL scale; TIME/DATETIME/TIMESTAMP fractional digits
    std::vector<std::string> labels;  // ENUM/SET, in definition order
    std::string base;        // the lowercase type word, e.g. "mediumtext"
};

MysqlType parse_mysql_type(std::string_view column_type);

// The COLUMN_TYPE spelling of a type (inverse of parse_mysql_type for the mapped kinds).
std::string format_mysql_type(const MysqlType& type);

}  // namespace ferry
