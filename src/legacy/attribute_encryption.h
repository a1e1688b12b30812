// Per-attribute encryption (spec §9): B = IV || AES-CBC-PKCS7(key, IV, serialize(value)), a
// fresh random IV per attribute. There is no per-attribute MAC: the item signature protects
// the ciphertext and MUST be verified before decrypt_attribute is called.
//
// Thread-safety: free functions without shared state.
#pragma once

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt::internal::legacy {

// `scratch` is reused between calls to hold the serialized plaintext; it is wiped before
// returning. Throws EncryptionError or FormatError.
[[nodiscard]] Bytes encrypt_attribute(const AesKey& key, const AttributeValue& value,
                                      Bytes& scratch);

// DecryptionError for a bad length or padding; FormatError if the plaintext is not a valid
// serialization.
[[nodiscard]] AttributeValue decrypt_attribute(const AesKey& key, ByteView iv_and_ciphertext);

}  // namespace ddbcrypt::internal::legacy
