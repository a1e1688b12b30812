// Cryptographic primitives over OpenSSL 3 (libcrypto).
//
// Callers never pass IVs or nonces: the function that uses one draws it. Every function that
// checks integrity (MACs, signatures, authenticated decryption, key unwrap) returns no data
// when the check fails. Failures of OpenSSL itself drain its error queue into the exception
// text so that a stale error never surfaces on an unrelated call.
//
// Errors: EncryptionError when protecting fails, DecryptionError when recovering fails,
// ConfigError for unusable parameters. Messages never contain key or plaintext bytes.
//
// Thread-safety: all functions are safe to call concurrently.
#pragma once

#include <cstddef>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/secret_bytes.h"

namespace ddbcrypt {

// Hashes. ConfigError for a value that is not a HashAlgorithm.
[[nodiscard]] Bytes digest(HashAlgorithm hash, ByteView data);
[[nodiscard]] Bytes sha256(ByteView data);

// Random bytes from the CSPRNG (for IVs, salts; keys use SecretBytes::random).
[[nodiscard]] Bytes random_bytes(std::size_t size);

// Constant-time comparison (CRYPTO_memcmp). Different sizes compare unequal; sizes are not
// secret.
[[nodiscard]] bool constant_time_equal(ByteView a, ByteView b) noexcept;

// AES-CBC with PKCS#7 padding. Encrypt draws a random 16-byte IV and returns IV || ciphertext.
[[nodiscard]] Bytes aes_cbc_encrypt(const AesKey& key, ByteView plaintext);
// Decrypts IV || ciphertext. DecryptionError if shorter than 32 bytes, not block-aligned, or
// the padding is wrong (one message for a wrong key and a bad padding). Unauthenticated: a
// modified ciphertext can decrypt to modified plaintext, so verify a MAC or signature first.
[[nodiscard]] Bytes aes_cbc_decrypt(const AesKey& key, ByteView iv_and_ciphertext);

// AES-GCM with a random 12-byte nonce; returns nonce || ciphertext || 16-byte tag.
[[nodiscard]] Bytes aes_gcm_encrypt(const AesKey& key, ByteView plaintext, ByteView aad);
// SignatureError if the tag does not verify (nothing is returned); DecryptionError if the
// input is shorter than nonce + tag.
[[nodiscard]] Bytes aes_gcm_decrypt(const AesKey& key, ByteView nonce_ciphertext_tag,
                                    ByteView aad);

// AES key wrap, RFC 3394, default IV A6A6A6A6A6A6A6A6 (JCE "AESWrap"). The key to wrap must be
// a multiple of 8 bytes, at least 16 (ConfigError otherwise); the result is 8 bytes longer.
[[nodiscard]] Bytes aes_key_wrap(const AesKey& wrapping_key, const SecretBytes& key);
// DecryptionError if the input is not 24+ bytes in whole 8-byte blocks or the integrity check
// fails (wrong key or tampered data; one message for both).
[[nodiscard]] SecretBytes aes_key_unwrap(const AesKey& wrapping_key, ByteView wrapped);

// HMAC with the key's hash; the full digest_size(key.hash()) bytes.
[[nodiscard]] Bytes hmac(const HmacKey& key, ByteView data);
// Constant-time verification. False for a MAC of any other length (no truncated MACs).
[[nodiscard]] bool hmac_verify(const HmacKey& key, ByteView data, ByteView mac);

// HKDF (RFC 5869). An empty salt means HashLen zero bytes, as the RFC says. ConfigError for
// an empty `ikm`, `length` of 0 or over 255 * HashLen, or an unknown hash.
[[nodiscard]] SecretBytes hkdf(HashAlgorithm hash, const SecretBytes& ikm, ByteView salt,
                               ByteView info, std::size_t length);
[[nodiscard]] SecretBytes hkdf_sha256(const SecretBytes& ikm, ByteView salt, ByteView info,
                                      std::size_t length);

// RSA-OAEP with independent OAEP and MGF1 hashes and an empty label. The legacy format uses
// OAEP with SHA-256 and MGF1 with SHA-1 (JCE "RSA/ECB/OAEPWithSHA-256AndMGF1Padding").
// Encrypt: EncryptionError if the plaintext is longer than k - 2*hLen - 2 bytes.
// Decrypt: DecryptionError "RSA decryption failed" for every cause (wrong key, wrong hashes,
// tampering, a ciphertext that is not exactly the modulus length), so that failures cannot
// serve as a padding oracle; ConfigError for an unknown hash.
[[nodiscard]] Bytes rsa_oaep_encrypt(const RsaPublicKey& key, HashAlgorithm oaep_hash,
                                     HashAlgorithm mgf1_hash, const SecretBytes& plaintext);
[[nodiscard]] SecretBytes rsa_oaep_decrypt(const RsaPrivateKey& key, HashAlgorithm oaep_hash,
                                           HashAlgorithm mgf1_hash, ByteView ciphertext);

// RSAES-PKCS1-v1_5 (JCE "RSA/ECB/PKCS1Padding"), needed to read early Java data. Errors as
// for OAEP. A tampered ciphertext can occasionally pass the padding check and yield other
// bytes, so only use it on data whose signature has been verified.
[[nodiscard]] Bytes rsa_pkcs1_encrypt(const RsaPublicKey& key, const SecretBytes& plaintext);
[[nodiscard]] SecretBytes rsa_pkcs1_decrypt(const RsaPrivateKey& key, ByteView ciphertext);

// RSASSA-PKCS1-v1_5 signatures (JCE "SHA256withRSA" etc.) with SHA-224/256/384/512; other
// hashes are a ConfigError. rsa_verify returns false for any signature that does not verify,
// including one of the wrong length; it throws only for a ConfigError.
[[nodiscard]] Bytes rsa_sign(const RsaPrivateKey& key, HashAlgorithm hash, ByteView data);
[[nodiscard]] bool rsa_verify(const RsaPublicKey& key, HashAlgorithm hash, ByteView data,
                              ByteView signature);

}  // namespace ddbcrypt
