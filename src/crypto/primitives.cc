#include "ddbcrypt/crypto/primitives.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <climits>

#include "crypto/ssl_util.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

constexpr std::size_t kAesBlock = 16;
constexpr std::size_t kGcmNonce = 12;
constexpr std::size_t kGcmTag = 16;

int to_int(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX)) throw ConfigError("input is too large");
  return static_cast<int>(n);
}

const EVP_CIPHER* fetch_cipher(const char* name) {
  const EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (cipher == nullptr) throw ConfigError(std::string("OpenSSL lacks cipher ") + name);
  return cipher;
}

const EVP_CIPHER* aes_cbc(std::size_t key_size) {
  static const EVP_CIPHER* const c128 = fetch_cipher("AES-128-CBC");
  static const EVP_CIPHER* const c192 = fetch_cipher("AES-192-CBC");
  static const EVP_CIPHER* const c256 = fetch_cipher("AES-256-CBC");
  return key_size == 16 ? c128 : key_size == 24 ? c192 : c256;
}

const EVP_CIPHER* aes_gcm(std::size_t key_size) {
  static const EVP_CIPHER* const c128 = fetch_cipher("AES-128-GCM");
  static const EVP_CIPHER* const c192 = fetch_cipher("AES-192-GCM");
  static const EVP_CIPHER* const c256 = fetch_cipher("AES-256-GCM");
  return key_size == 16 ? c128 : key_size == 24 ? c192 : c256;
}

const EVP_CIPHER* aes_wrap(std::size_t key_size) {
  static const EVP_CIPHER* const c128 = fetch_cipher("AES-128-WRAP");
  static const EVP_CIPHER* const c192 = fetch_cipher("AES-192-WRAP");
  static const EVP_CIPHER* const c256 = fetch_cipher("AES-256-WRAP");
  return key_size == 16 ? c128 : key_size == 24 ? c192 : c256;
}

internal::CipherCtx new_cipher_ctx() {
  internal::CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw EncryptionError("out of memory creating a cipher context");
  return ctx;
}

EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw ConfigError("OpenSSL lacks HMAC");
  return mac;
}

EVP_KDF* hkdf_algorithm() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) throw ConfigError("OpenSSL lacks HKDF");
  return kdf;
}

const char* md_name(HashAlgorithm hash) {
  switch (hash) {
    case HashAlgorithm::kSha1:
      return "SHA1";
    case HashAlgorithm::kSha224:
      return "SHA224";
    case HashAlgorithm::kSha256:
      return "SHA256";
    case HashAlgorithm::kSha384:
      return "SHA384";
    case HashAlgorithm::kSha512:
      return "SHA512";
  }
  return "SHA256";
}

internal::PkeyCtx pkey_ctx(const detail::RsaHandle& handle) {
  internal::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, handle.pkey.get(), nullptr));
  if (!ctx) throw ConfigError("cannot use RSA key: " + internal::drain_openssl_errors());
  return ctx;
}

[[noreturn]] void rsa_decrypt_failed() {
  // One message for every cause, so that failures do not become a padding oracle.
  ERR_clear_error();
  throw DecryptionError("RSA decryption failed");
}

}  // namespace

Bytes digest(HashAlgorithm hash, ByteView data) {
  Bytes out(digest_size(hash));
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, internal::md_for(hash), nullptr) !=
      1) {
    throw EncryptionError("hashing failed: " + internal::drain_openssl_errors());
  }
  return out;
}

Bytes sha256(ByteView data) { return digest(HashAlgorithm::kSha256, data); }

Bytes random_bytes(std::size_t size) {
  Bytes out(size);
  if (size != 0 && RAND_bytes(out.data(), to_int(size)) != 1) {
    throw EncryptionError("the random number generator failed: " +
                          internal::drain_openssl_errors());
  }
  return out;
}

bool constant_time_equal(ByteView a, ByteView b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Bytes aes_cbc_encrypt(const AesKey& key, ByteView plaintext) {
  Bytes out(kAesBlock + plaintext.size() + kAesBlock);
  if (RAND_bytes(out.data(), kAesBlock) != 1) {
    throw EncryptionError("the random number generator failed: " +
                          internal::drain_openssl_errors());
  }
  auto ctx = new_cipher_ctx();
  int written = 0;
  int final_written = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), aes_cbc(key.size()), key.secret().expose_secret().data(),
                          out.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data() + kAesBlock, &written, plaintext.data(),
                        to_int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + kAesBlock + written, &final_written) != 1) {
    throw EncryptionError("AES-CBC encryption failed: " + internal::drain_openssl_errors());
  }
  out.resize(kAesBlock + static_cast<std::size_t>(written + final_written));
  return out;
}

Bytes aes_cbc_decrypt(const AesKey& key, ByteView iv_and_ciphertext) {
  if (iv_and_ciphertext.size() < 2 * kAesBlock || iv_and_ciphertext.size() % kAesBlock != 0) {
    throw DecryptionError("AES-CBC ciphertext has an invalid length");
  }
  const ByteView ciphertext = iv_and_ciphertext.subspan(kAesBlock);
  Bytes out(ciphertext.size());
  auto ctx = new_cipher_ctx();
  int written = 0;
  int final_written = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), aes_cbc(key.size()), key.secret().expose_secret().data(),
                          iv_and_ciphertext.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &written, ciphertext.data(),
                        to_int(ciphertext.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.data() + written, &final_written) != 1) {
    detail::secure_wipe(out.data(), out.size());
    ERR_clear_error();
    throw DecryptionError("AES-CBC decryption failed");
  }
  out.resize(static_cast<std::size_t>(written + final_written));
  return out;
}

Bytes aes_gcm_encrypt(const AesKey& key, ByteView plaintext, ByteView aad) {
  Bytes out(kGcmNonce + plaintext.size() + kGcmTag);
  if (RAND_bytes(out.data(), kGcmNonce) != 1) {
    throw EncryptionError("the random number generator failed: " +
                          internal::drain_openssl_errors());
  }
  auto ctx = new_cipher_ctx();
  int written = 0;
  int final_written = 0;
  int aad_written = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), aes_gcm(key.size()), key.secret().expose_secret().data(),
                          out.data(), nullptr) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &aad_written, aad.data(),
                                         to_int(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), out.data() + kGcmNonce, &written, plaintext.data(),
                        to_int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + kGcmNonce + written, &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTag,
                          out.data() + kGcmNonce + plaintext.size()) != 1) {
    throw EncryptionError("AES-GCM encryption failed: " + internal::drain_openssl_errors());
  }
  return out;
}

Bytes aes_gcm_decrypt(const AesKey& key, ByteView nonce_ciphertext_tag, ByteView aad) {
  if (nonce_ciphertext_tag.size() < kGcmNonce + kGcmTag) {
    throw DecryptionError("AES-GCM ciphertext is too short");
  }
  const ByteView nonce = nonce_ciphertext_tag.first(kGcmNonce);
  const ByteView ciphertext =
      nonce_ciphertext_tag.subspan(kGcmNonce, nonce_ciphertext_tag.size() - kGcmNonce - kGcmTag);
  Bytes tag(nonce_ciphertext_tag.end() - kGcmTag, nonce_ciphertext_tag.end());
  Bytes out(ciphertext.size());
  auto ctx = new_cipher_ctx();
  int written = 0;
  int final_written = 0;
  int aad_written = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), aes_gcm(key.size()), key.secret().expose_secret().data(),
                          nonce.data(), nullptr) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &aad_written, aad.data(),
                                         to_int(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &written, ciphertext.data(),
                        to_int(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTag, tag.data()) != 1) {
    detail::secure_wipe(out.data(), out.size());
    throw DecryptionError("AES-GCM decryption failed: " + internal::drain_openssl_errors());
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + written, &final_written) != 1) {
    detail::secure_wipe(out.data(), out.size());
    ERR_clear_error();
    throw SignatureError("AES-GCM authentication tag does not verify");
  }
  out.resize(static_cast<std::size_t>(written + final_written));
  return out;
}

Bytes aes_key_wrap(const AesKey& wrapping_key, const SecretBytes& key) {
  if (key.size() < 16 || key.size() % 8 != 0) {
    throw ConfigError("AES key wrap needs a key of at least 16 bytes, a multiple of 8");
  }
  Bytes out(key.size() + 8);
  auto ctx = new_cipher_ctx();
  int written = 0;
  int final_written = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), aes_wrap(wrapping_key.size()),
                          wrapping_key.secret().expose_secret().data(), nullptr, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &written, key.expose_secret().data(),
                        to_int(key.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &final_written) != 1) {
    throw EncryptionError("AES key wrap failed: " + internal::drain_openssl_errors());
  }
  out.resize(static_cast<std::size_t>(written + final_written));
  return out;
}

SecretBytes aes_key_unwrap(const AesKey& wrapping_key, ByteView wrapped) {
  if (wrapped.size() < 24 || wrapped.size() % 8 != 0) {
    throw DecryptionError("wrapped key has an invalid length");
  }
  SecretBytes out = SecretBytes::zeroed(wrapped.size());
  auto ctx = new_cipher_ctx();
  int written = 0;
  int final_written = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), aes_wrap(wrapping_key.size()),
                          wrapping_key.secret().expose_secret().data(), nullptr, nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.expose_secret_mutable().data(), &written, wrapped.data(),
                        to_int(wrapped.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.expose_secret_mutable().data() + written,
                          &final_written) != 1) {
    ERR_clear_error();
    throw DecryptionError("AES key unwrap failed: wrong key or tampered data");
  }
  return SecretBytes::copy_of(
      out.expose_secret().first(static_cast<std::size_t>(written + final_written)));
}

Bytes hmac(const HmacKey& key, ByteView data) {
  internal::MacCtx ctx(EVP_MAC_CTX_new(hmac_algorithm()));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                       const_cast<char*>(md_name(key.hash())), 0),
      OSSL_PARAM_construct_end(),
  };
  Bytes out(digest_size(key.hash()));
  std::size_t size = 0;
  if (!ctx ||
      EVP_MAC_init(ctx.get(), key.secret().expose_secret().data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &size, out.size()) != 1) {
    throw EncryptionError("HMAC failed: " + internal::drain_openssl_errors());
  }
  out.resize(size);
  return out;
}

bool hmac_verify(const HmacKey& key, ByteView data, ByteView mac) {
  const Bytes expected = hmac(key, data);
  return constant_time_equal(expected, mac);
}

SecretBytes hkdf(HashAlgorithm hash, const SecretBytes& ikm, ByteView salt, ByteView info,
                 std::size_t length) {
  if (length == 0 || length > 255 * digest_size(hash)) {
    throw ConfigError("HKDF output length out of range");
  }
  // RFC 5869: an absent salt is HashLen zero bytes.
  const Bytes zero_salt(digest_size(hash), 0);
  const ByteView effective_salt = salt.empty() ? ByteView(zero_salt) : salt;
  internal::KdfCtx ctx(EVP_KDF_CTX_new(hkdf_algorithm()));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(md_name(hash)),
                                       0),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(ikm.expose_secret().data()),
          ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                        const_cast<std::uint8_t*>(effective_salt.data()),
                                        effective_salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                        const_cast<std::uint8_t*>(info.data()), info.size()),
      OSSL_PARAM_construct_end(),
  };
  SecretBytes out = SecretBytes::zeroed(length);
  if (!ctx || EVP_KDF_derive(ctx.get(), out.expose_secret_mutable().data(), length, params) != 1) {
    throw EncryptionError("HKDF failed: " + internal::drain_openssl_errors());
  }
  return out;
}

SecretBytes hkdf_sha256(const SecretBytes& ikm, ByteView salt, ByteView info,
                        std::size_t length) {
  return hkdf(HashAlgorithm::kSha256, ikm, salt, info, length);
}

Bytes rsa_oaep_encrypt(const RsaPublicKey& key, HashAlgorithm oaep_hash, HashAlgorithm mgf1_hash,
                       const SecretBytes& plaintext) {
  auto ctx = pkey_ctx(key.handle());
  std::size_t size = 0;
  if (EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), internal::md_for(oaep_hash)) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), internal::md_for(mgf1_hash)) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &size, plaintext.expose_secret().data(),
                       plaintext.size()) != 1) {
    throw EncryptionError("RSA-OAEP encryption failed: " + internal::drain_openssl_errors());
  }
  Bytes out(size);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &size, plaintext.expose_secret().data(),
                       plaintext.size()) != 1) {
    throw EncryptionError("RSA-OAEP encryption failed: " + internal::drain_openssl_errors());
  }
  out.resize(size);
  return out;
}

SecretBytes rsa_oaep_decrypt(const RsaPrivateKey& key, HashAlgorithm oaep_hash,
                             HashAlgorithm mgf1_hash, ByteView ciphertext) {
  auto ctx = pkey_ctx(key.handle());
  std::size_t size = 0;
  if (EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), internal::md_for(oaep_hash)) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), internal::md_for(mgf1_hash)) != 1 ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &size, ciphertext.data(), ciphertext.size()) != 1) {
    rsa_decrypt_failed();
  }
  SecretBytes out = SecretBytes::zeroed(size);
  if (EVP_PKEY_decrypt(ctx.get(), out.expose_secret_mutable().data(), &size, ciphertext.data(),
                       ciphertext.size()) != 1) {
    rsa_decrypt_failed();
  }
  return SecretBytes::copy_of(out.expose_secret().first(size));
}

Bytes rsa_pkcs1_encrypt(const RsaPublicKey& key, const SecretBytes& plaintext) {
  auto ctx = pkey_ctx(key.handle());
  std::size_t size = 0;
  if (EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &size, plaintext.expose_secret().data(),
                       plaintext.size()) != 1) {
    throw EncryptionError("RSA encryption failed: " + internal::drain_openssl_errors());
  }
  Bytes out(size);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &size, plaintext.expose_secret().data(),
                       plaintext.size()) != 1) {
    throw EncryptionError("RSA encryption failed: " + internal::drain_openssl_errors());
  }
  out.resize(size);
  return out;
}

SecretBytes rsa_pkcs1_decrypt(const RsaPrivateKey& key, ByteView ciphertext) {
  auto ctx = pkey_ctx(key.handle());
  std::size_t size = 0;
  // OpenSSL 3 answers a bad PKCS#1 v1.5 padding with a random message (implicit rejection)
  // rather than an error; the item signature, verified first, is what catches tampering.
  if (EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &size, ciphertext.data(), ciphertext.size()) != 1) {
    rsa_decrypt_failed();
  }
  SecretBytes out = SecretBytes::zeroed(size);
  if (EVP_PKEY_decrypt(ctx.get(), out.expose_secret_mutable().data(), &size, ciphertext.data(),
                       ciphertext.size()) != 1) {
    rsa_decrypt_failed();
  }
  return SecretBytes::copy_of(out.expose_secret().first(size));
}

Bytes rsa_sign(const RsaPrivateKey& key, HashAlgorithm hash, ByteView data) {
  internal::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  std::size_t size = 0;
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), &pctx, md_name(hash), nullptr, nullptr,
                            key.handle().pkey.get(), nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, data.data(), data.size()) != 1) {
    throw EncryptionError("RSA signing failed: " + internal::drain_openssl_errors());
  }
  Bytes out(size);
  if (EVP_DigestSign(ctx.get(), out.data(), &size, data.data(), data.size()) != 1) {
    throw EncryptionError("RSA signing failed: " + internal::drain_openssl_errors());
  }
  out.resize(size);
  return out;
}

bool rsa_verify(const RsaPublicKey& key, HashAlgorithm hash, ByteView data,
                ByteView signature) {
  internal::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), &pctx, md_name(hash), nullptr, nullptr,
                              key.handle().pkey.get(), nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    throw ConfigError("RSA verification setup failed: " + internal::drain_openssl_errors());
  }
  const int ok = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(),
                                  data.size());
  ERR_clear_error();
  return ok == 1;
}

}  // namespace ddbcrypt
