// RSA-OAEP, RSAES-PKCS1-v1_5 and RSASSA-PKCS1-v1_5 (ddbcrypt/crypto/primitives.h).
#include <openssl/rsa.h>

#include "crypto/ssl_util.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

internal::PkeyCtx pkey_ctx(const detail::RsaHandle& handle) {
  internal::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, handle.pkey.get(), nullptr));
  if (!ctx) internal::throw_openssl_error<ConfigError>("cannot use the RSA key");
  return ctx;
}

std::size_t modulus_bytes(const detail::RsaHandle& handle) {
  const int size = EVP_PKEY_get_size(handle.pkey.get());
  return size > 0 ? static_cast<std::size_t>(size) : 0;
}

// One message for every cause, and OpenSSL's reasons are dropped: telling a bad padding from
// a bad length or a wrong hash would hand an attacker a decryption oracle (Bleichenbacher,
// Manger).
[[noreturn]] void rsa_decryption_failed() {
  ERR_clear_error();
  throw DecryptionError("RSA decryption failed");
}

void check_signature_hash(HashAlgorithm hash) {
  if (hash != HashAlgorithm::kSha224 && hash != HashAlgorithm::kSha256 &&
      hash != HashAlgorithm::kSha384 && hash != HashAlgorithm::kSha512) {
    throw ConfigError("RSA signatures use SHA-224, SHA-256, SHA-384 or SHA-512, not " +
                      std::string(hash_name(hash)));
  }
}

Bytes rsa_encrypt(const RsaPublicKey& key, int padding, const EVP_MD* oaep_md,
                  const EVP_MD* mgf1_md, const SecretBytes& plaintext, const char* scheme) {
  const auto ctx = pkey_ctx(key.handle());
  Bytes out(modulus_bytes(key.handle()));
  std::size_t size = out.size();
  if (EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) != 1 ||
      (oaep_md != nullptr && (EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), oaep_md) != 1 ||
                              EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), mgf1_md) != 1)) ||
      EVP_PKEY_encrypt(ctx.get(), out.data(), &size, plaintext.expose_secret().data(),
                       plaintext.size()) != 1) {
    internal::throw_openssl_error<EncryptionError>(
        std::string(scheme) + " encryption failed (is the plaintext longer than the key allows?)");
  }
  out.resize(size);
  return out;
}

SecretBytes rsa_decrypt(const RsaPrivateKey& key, int padding, const EVP_MD* oaep_md,
                        const EVP_MD* mgf1_md, ByteView ciphertext) {
  const std::size_t k = modulus_bytes(key.handle());
  // The reference libraries always write exactly k bytes; anything else is not theirs.
  if (ciphertext.size() != k) rsa_decryption_failed();
  const auto ctx = pkey_ctx(key.handle());
  SecretBytes out = SecretBytes::zeroed(k);
  std::size_t size = out.size();
  if (EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) != 1 ||
      (oaep_md != nullptr && (EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), oaep_md) != 1 ||
                              EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), mgf1_md) != 1)) ||
      EVP_PKEY_decrypt(ctx.get(), out.expose_secret_mutable().data(), &size, ciphertext.data(),
                       ciphertext.size()) != 1) {
    rsa_decryption_failed();
  }
  out.truncate(size);
  return out;
}

}  // namespace

Bytes rsa_oaep_encrypt(const RsaPublicKey& key, HashAlgorithm oaep_hash, HashAlgorithm mgf1_hash,
                       const SecretBytes& plaintext) {
  return rsa_encrypt(key, RSA_PKCS1_OAEP_PADDING, internal::md_for(oaep_hash),
                     internal::md_for(mgf1_hash), plaintext, "RSA-OAEP");
}

SecretBytes rsa_oaep_decrypt(const RsaPrivateKey& key, HashAlgorithm oaep_hash,
                             HashAlgorithm mgf1_hash, ByteView ciphertext) {
  // Resolved before decrypting, so an unsupported hash is a ConfigError and not a failed
  // decryption.
  const EVP_MD* oaep_md = internal::md_for(oaep_hash);
  const EVP_MD* mgf1_md = internal::md_for(mgf1_hash);
  return rsa_decrypt(key, RSA_PKCS1_OAEP_PADDING, oaep_md, mgf1_md, ciphertext);
}

Bytes rsa_pkcs1_encrypt(const RsaPublicKey& key, const SecretBytes& plaintext) {
  return rsa_encrypt(key, RSA_PKCS1_PADDING, nullptr, nullptr, plaintext, "RSA PKCS#1 v1.5");
}

SecretBytes rsa_pkcs1_decrypt(const RsaPrivateKey& key, ByteView ciphertext) {
  return rsa_decrypt(key, RSA_PKCS1_PADDING, nullptr, nullptr, ciphertext);
}

Bytes rsa_sign(const RsaPrivateKey& key, HashAlgorithm hash, ByteView data) {
  check_signature_hash(hash);
  const internal::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  Bytes out(modulus_bytes(key.handle()));
  std::size_t size = out.size();
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), &pctx, internal::md_name(hash), nullptr, nullptr,
                            key.handle().pkey.get(), nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
      EVP_DigestSign(ctx.get(), out.data(), &size, data.data(), data.size()) != 1) {
    internal::throw_openssl_error<EncryptionError>("RSA " + std::string(hash_name(hash)) +
                                                   " signing failed");
  }
  out.resize(size);
  return out;
}

bool rsa_verify(const RsaPublicKey& key, HashAlgorithm hash, ByteView data,
                ByteView signature) {
  check_signature_hash(hash);
  if (signature.size() != modulus_bytes(key.handle())) return false;
  const internal::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), &pctx, internal::md_name(hash), nullptr, nullptr,
                              key.handle().pkey.get(), nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    internal::throw_openssl_error<ConfigError>("cannot set up RSA signature verification");
  }
  const int verified = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                                        data.data(), data.size());
  // A mismatch is an answer, not an error: it must not linger in the queue.
  if (verified != 1) ERR_clear_error();
  return verified == 1;
}

}  // namespace ddbcrypt
