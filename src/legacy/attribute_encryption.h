// Per-attribute encryption (spec §9): B = IV || AES-CBC-PKCS7(key, IV, serialize(value)), a
// fresh random IV per attribute. There is no per-attribute MAC: the item signature protects
// the ciphertext and MUST be verified before an attribute is decrypted.
//
// An AttributeCipher sets up the key schedule once per item and draws IVs from the CSPRNG in
// batches, so encrypting the n attributes of an item costs n CBC passes rather than n key
// setups and n generator calls (the crypto layer's one-shot aes_cbc_encrypt does both every
// time). IVs are drawn here, never passed in by callers.
//
// Thread-safety: an AttributeCipher is used by one thread at a time.
#pragma once

#include <cstddef>

#include "crypto/ssl_util.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt::internal::legacy {

class AttributeCipher {
 public:
  // Keeps a reference to `key`, which must outlive the cipher.
  explicit AttributeCipher(const AesKey& key);
  AttributeCipher(const AttributeCipher&) = delete;
  AttributeCipher& operator=(const AttributeCipher&) = delete;
  ~AttributeCipher();

  // IV || ciphertext of serialize(value). Throws EncryptionError or FormatError.
  [[nodiscard]] Bytes encrypt(const AttributeValue& value);

  // DecryptionError for a bad length or padding; FormatError if the plaintext is not a valid
  // serialization. Plaintext buffers are wiped before returning.
  [[nodiscard]] AttributeValue decrypt(ByteView iv_and_ciphertext);

 private:
  const AesKey& key_;
  CipherCtx encrypt_ctx_;  // keyed on first use
  CipherCtx decrypt_ctx_;  // keyed on first use
  Bytes ivs_;              // pre-drawn IVs; ivs_used_ of them consumed
  std::size_t ivs_used_ = 0;
  Bytes scratch_;          // serialized plaintext, wiped after each use
};

// One-shot forms.
[[nodiscard]] Bytes encrypt_attribute(const AesKey& key, const AttributeValue& value);
[[nodiscard]] AttributeValue decrypt_attribute(const AesKey& key, ByteView iv_and_ciphertext);

}  // namespace ddbcrypt::internal::legacy
