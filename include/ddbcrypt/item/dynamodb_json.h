// DynamoDB-JSON: the low-level wire form of attribute values and items.
//
//   {"S": "text"}  {"N": "12.5"}  {"B": "<base64>"}  {"SS": ["a"]}  {"NS": ["1"]}
//   {"BS": ["<base64>"]}  {"M": {"name": <value>}}  {"L": [<value>]}  {"BOOL": true}
//   {"NULL": true}
//
// An item is a JSON object mapping attribute names to such values. Parsing is strict:
// exactly one type tag per value, correct JSON types for each tag, valid base64 and numbers,
// non-empty duplicate-free sets, no duplicate names, no trailing content, M/L nesting within
// kMaxNestingDepth. Errors are FormatError with a JSON path
// ("invalid DynamoDB JSON at $.address.M.zip.N: expected a string for N") and never echo
// values.
//
// Writing produces compact JSON with members in map order; sets keep their member order.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>

#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt {

[[nodiscard]] AttributeValue parse_attribute_value_json(std::string_view json);
[[nodiscard]] Item parse_item_json(std::string_view json);

[[nodiscard]] std::string to_json(const AttributeValue& value);
[[nodiscard]] std::string to_json(const Item& item);

// Appends JSON to `out` (avoids re-allocating when writing many items).
void append_json(std::string& out, const AttributeValue& value);
void append_json(std::string& out, const Item& item);

// Escapes `text` as a JSON string literal, with the quotes.
void append_json_string(std::string& out, std::string_view text);

}  // namespace ddbcrypt
