// Canonical serialization of DynamoDB attribute values (spec §5): the plaintext that is
// encrypted for ENCRYPT_AND_SIGN attributes and the value hashed into the string to sign.
//
//   tag (2 bytes: 00 + type letter) || body
//   S, N, B      u32 length || bytes          (N in canonical plain form, §5.3)
//   SS, NS, BS   u32 count || (u32 length || bytes)*   members sorted (§5.2)
//   L            u32 count || serialized element*      list order
//   M            u32 count || (serialized S key || serialized value)*   keys sorted
//   BOOL         one byte 00 / 01;  NULL  nothing
//
// Thread-safety: free functions without shared state.
#pragma once

#include <string>

#include "crypto/ssl_util.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/item/attribute_value.h"
#include "legacy/format.h"
#include "legacy/number.h"

namespace ddbcrypt::internal::legacy {

// Appends serialize(value) to `out`. FormatError if a number cannot be normalized.
void serialize_attribute(const AttributeValue& value, Bytes& out,
                         NumberDialect dialect = NumberDialect::kExact);
[[nodiscard]] Bytes serialize_attribute(const AttributeValue& value,
                                        NumberDialect dialect = NumberDialect::kExact);

// SHA-256 of serialize(value), computed without materializing the serialization (so a large
// binary value is hashed in place, never copied).
[[nodiscard]] Sha256Digest hash_serialized_attribute(
    const AttributeValue& value, NumberDialect dialect = NumberDialect::kExact);
// The same with a caller-owned digest context (re-initialized here), to avoid allocating one
// per attribute.
[[nodiscard]] Sha256Digest hash_serialized_attribute(const AttributeValue& value,
                                                     NumberDialect dialect, EVP_MD_CTX* ctx);

// The inverse (§5.4). Sets keep the stored member order and duplicates, numbers their stored
// text. Throws FormatError for an empty input, a bad tag, a bad BOOL byte, a map key that is
// not S, a length or count running past the end, maps and lists nested deeper than the item
// layer's kMaxNestingDepth (so whatever decrypts can also be written and read as JSON), or
// bytes left over after the value (nothing legitimate writes them).
[[nodiscard]] AttributeValue deserialize_attribute(ByteView data);

// True when some number inside `value` (at any depth) is normalized differently by the Java
// and Python reference libraries (see legacy/number.h).
[[nodiscard]] bool contains_dialect_sensitive_number(const AttributeValue& value);

}  // namespace ddbcrypt::internal::legacy
