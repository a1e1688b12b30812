// Canonical encodings of the bound field format (docs/bound-field-format.md §4, §5):
//
//   encode_value    the plaintext of a bound envelope: a tagged, length-prefixed encoding of
//                   one AttributeValue, with set members and map entries in byte order, so
//                   equal values encode to equal bytes.
//   encode_binding  the place a value is bound to: table name, attribute name, and the
//                   primary key attributes with numbers reduced to a canonical form.
//
// Integers are big-endian. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt::internal {

// Value tags. Wire values: never renumber.
enum class FieldValueTag : std::uint8_t {
  kS = 0x01,
  kN = 0x02,
  kB = 0x03,
  kSS = 0x04,
  kNS = 0x05,
  kBS = 0x06,
  kM = 0x07,
  kL = 0x08,
  kBool = 0x09,
  kNull = 0x0A,
};

// DynamoDB allows 32 levels of nesting; deeper input is refused.
inline constexpr std::size_t kMaxValueDepth = 32;

// Throws EncryptionError for values DynamoDB could not store (empty or duplicate sets,
// invalid numbers) or nested deeper than kMaxValueDepth.
[[nodiscard]] Bytes encode_value(const AttributeValue& value);

// Strict inverse of encode_value: rejects unknown tags, lengths past the end, trailing bytes,
// set members or map names out of order or repeated, and too deep nesting, with
// EncryptionError("Invalid value encoding: ...").
[[nodiscard]] AttributeValue decode_value(ByteView encoded);

// Throws ConfigError when the table or attribute name is empty, or the key has no attribute,
// more than two, an empty name, or a value that is not S, N or B.
[[nodiscard]] Bytes encode_binding(std::string_view table_name, std::string_view attribute_name,
                                   const Item& key);

// The canonical form of a DynamoDB number: "0", or an optional '-', the significant digits
// without leading or trailing zeros, 'E' and the decimal exponent, so that value =
// digits × 10^exponent ("55.00" → "55E0", "1E+2" → "1E2", "-0.010" → "-1E-2").
// Throws FormatError for text that is not a valid DynamoDB number.
[[nodiscard]] std::string canonical_number(std::string_view number_text);

}  // namespace ddbcrypt::internal
