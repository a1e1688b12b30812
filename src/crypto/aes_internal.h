// The AES encryptors behind aes_cbc_encrypt / aes_gcm_encrypt with the IV supplied by the
// caller, so that known-answer tests can check them against published vectors.
//
// NOT for production code: the public functions draw a fresh IV for every message, and that is
// what makes them safe. Reusing a GCM nonce under one key reveals the XOR of the plaintexts and
// lets an attacker forge tags; a predictable CBC IV enables chosen-plaintext attacks.
#pragma once

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/keys.h"

namespace ddbcrypt::internal {

// Returns iv || AES-CBC-PKCS#7(plaintext), exactly as aes_cbc_encrypt would with this IV.
// ConfigError unless `iv` has 16 bytes.
[[nodiscard]] Bytes aes_cbc_encrypt_with_iv_for_testing(const AesKey& key, ByteView iv,
                                                         ByteView plaintext);

// Returns nonce || ciphertext || tag, exactly as aes_gcm_encrypt would with this nonce.
// ConfigError unless `nonce` has 12 bytes.
[[nodiscard]] Bytes aes_gcm_encrypt_with_nonce_for_testing(const AesKey& key, ByteView nonce,
                                                            ByteView plaintext, ByteView aad);

}  // namespace ddbcrypt::internal
