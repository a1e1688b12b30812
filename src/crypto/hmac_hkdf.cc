// HMAC and HKDF (ddbcrypt/crypto/primitives.h).
#include <openssl/core_names.h>

#include "crypto/ssl_util.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {

Bytes hmac(const HmacKey& key, ByteView data) {
  const detail::HmacHandle* handle = key.handle();
  if (handle == nullptr) throw ConfigError("the HMAC key was moved from");
  // Duplicating the keyed context costs less than keying a fresh one (HmacKey's factory did
  // that once), and leaves the shared template untouched for other threads.
  const internal::MacCtx ctx(EVP_MAC_CTX_dup(handle->keyed.get()));
  Bytes out(digest_size(key.hash()));
  std::size_t size = 0;
  if (!ctx || EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &size, out.size()) != 1 || size != out.size()) {
    internal::throw_openssl_error<EncryptionError>("HMAC-" + std::string(hash_name(key.hash())) +
                                                   " failed");
  }
  return out;
}

bool hmac_verify(const HmacKey& key, ByteView data, ByteView mac) {
  return constant_time_equal(hmac(key, data), mac);
}

SecretBytes hkdf(HashAlgorithm hash, const SecretBytes& ikm, ByteView salt, ByteView info,
                 std::size_t length) {
  const char* md = internal::md_name(hash);  // ConfigError for an unknown value
  const std::size_t hash_len = digest_size(hash);
  if (length == 0 || length > 255 * hash_len) {
    throw ConfigError("HKDF-" + std::string(hash_name(hash)) + " output must be 1 to " +
                      std::to_string(255 * hash_len) + " bytes, asked for " +
                      std::to_string(length));
  }
  if (ikm.empty()) throw ConfigError("HKDF input key material must not be empty");
  static EVP_KDF* const kHkdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kHkdf == nullptr) {
    internal::throw_openssl_error<ConfigError>("the loaded OpenSSL providers do not offer HKDF");
  }
  // RFC 5869 §2.2: an absent salt is HashLen zero bytes. Spelled out rather than left to
  // OpenSSL's handling of an empty parameter.
  const std::uint8_t zeros[64] = {};
  const ByteView effective_salt = salt.empty() ? ByteView(zeros, hash_len) : salt;
  // OSSL_PARAM wants non-const pointers; OpenSSL only reads the inputs.
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(md), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                        const_cast<std::uint8_t*>(ikm.expose_secret().data()),
                                        ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                        const_cast<std::uint8_t*>(effective_salt.data()),
                                        effective_salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                        const_cast<std::uint8_t*>(info.data()), info.size()),
      OSSL_PARAM_construct_end(),
  };
  const internal::KdfCtx ctx(EVP_KDF_CTX_new(kHkdf));
  SecretBytes out = SecretBytes::zeroed(length);
  if (!ctx ||
      EVP_KDF_derive(ctx.get(), out.expose_secret_mutable().data(), length, params) != 1) {
    internal::throw_openssl_error<EncryptionError>("HKDF-" + std::string(hash_name(hash)) +
                                                   " failed");
  }
  return out;
}

SecretBytes hkdf_sha256(const SecretBytes& ikm, ByteView salt, ByteView info,
                        std::size_t length) {
  return hkdf(HashAlgorithm::kSha256, ikm, salt, info, length);
}

}  // namespace ddbcrypt
