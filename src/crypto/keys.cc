#include "ddbcrypt/crypto/keys.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <climits>

#include "crypto/ssl_util.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace internal {

std::string drain_openssl_errors() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? std::string("no OpenSSL error reported") : text;
}

const EVP_MD* md_for(HashAlgorithm hash) {
  static const EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static const EVP_MD* const sha224 = EVP_MD_fetch(nullptr, "SHA224", nullptr);
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static const EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static const EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  switch (hash) {
    case HashAlgorithm::kSha1:
      return sha1;
    case HashAlgorithm::kSha224:
      return sha224;
    case HashAlgorithm::kSha256:
      return sha256;
    case HashAlgorithm::kSha384:
      return sha384;
    case HashAlgorithm::kSha512:
      return sha512;
  }
  throw ConfigError("unknown hash algorithm");
}

}  // namespace internal

namespace {

using BioPtr = std::unique_ptr<BIO, internal::FreeWith<&BIO_free>>;

void require_rsa(const internal::Pkey& pkey, const char* what) {
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) {
    throw ConfigError(std::string(what) + " is not an RSA key");
  }
}

BioPtr memory_bio(const void* data, std::size_t size) {
  if (size > static_cast<std::size_t>(INT_MAX)) throw ConfigError("key encoding is too large");
  BioPtr bio(BIO_new_mem_buf(data, static_cast<int>(size)));
  if (!bio) throw ConfigError("cannot read key: " + internal::drain_openssl_errors());
  return bio;
}

std::shared_ptr<const detail::RsaHandle> make_handle(internal::Pkey pkey, bool is_private) {
  auto handle = std::make_shared<detail::RsaHandle>();
  handle->pkey = std::move(pkey);
  handle->is_private = is_private;
  return handle;
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

std::size_t digest_size(HashAlgorithm hash) noexcept {
  switch (hash) {
    case HashAlgorithm::kSha1:
      return 20;
    case HashAlgorithm::kSha224:
      return 28;
    case HashAlgorithm::kSha256:
      return 32;
    case HashAlgorithm::kSha384:
      return 48;
    case HashAlgorithm::kSha512:
      return 64;
  }
  return 0;
}

std::string_view hash_name(HashAlgorithm hash) noexcept {
  switch (hash) {
    case HashAlgorithm::kSha1:
      return "SHA-1";
    case HashAlgorithm::kSha224:
      return "SHA-224";
    case HashAlgorithm::kSha256:
      return "SHA-256";
    case HashAlgorithm::kSha384:
      return "SHA-384";
    case HashAlgorithm::kSha512:
      return "SHA-512";
  }
  return "unknown";
}

AesKey AesKey::create(SecretBytes key) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    throw ConfigError("an AES key must be 16, 24 or 32 bytes, got " +
                      std::to_string(key.size()));
  }
  return AesKey(std::move(key));
}

AesKey AesKey::generate(std::size_t size_bytes) {
  if (size_bytes != 16 && size_bytes != 24 && size_bytes != 32) {
    throw ConfigError("an AES key must be 16, 24 or 32 bytes");
  }
  return AesKey(SecretBytes::random(size_bytes));
}

HmacKey HmacKey::create(HashAlgorithm hash, SecretBytes key) {
  if (key.empty()) throw ConfigError("an HMAC key must not be empty");
  if (hash == HashAlgorithm::kSha1) throw ConfigError("HMAC-SHA-1 is not supported");
  return HmacKey(hash, std::move(key));
}

HmacKey HmacKey::generate(HashAlgorithm hash, std::size_t size_bytes) {
  return create(hash, SecretBytes::random(size_bytes));
}

RsaPublicKey RsaPublicKey::from_der(ByteView der) {
  const unsigned char* p = der.data();
  internal::Pkey pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) {
    ERR_clear_error();
    throw ConfigError("not a DER-encoded X.509 SubjectPublicKeyInfo RSA public key");
  }
  require_rsa(pkey, "public key");
  return RsaPublicKey(make_handle(std::move(pkey), false));
}

RsaPublicKey RsaPublicKey::from_pem(std::string_view pem) {
  BioPtr bio = memory_bio(pem.data(), pem.size());
  internal::Pkey pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) {
    // PKCS#1 "RSA PUBLIC KEY".
    BioPtr again = memory_bio(pem.data(), pem.size());
    RSA* rsa = PEM_read_bio_RSAPublicKey(again.get(), nullptr, nullptr, nullptr);
    if (rsa != nullptr) {
      pkey.reset(EVP_PKEY_new());
      if (!pkey || EVP_PKEY_assign_RSA(pkey.get(), rsa) != 1) {
        RSA_free(rsa);
        throw ConfigError("cannot load RSA public key: " + internal::drain_openssl_errors());
      }
    }
  }
  if (!pkey) {
    ERR_clear_error();
    throw ConfigError("not a PEM-encoded RSA public key");
  }
  require_rsa(pkey, "public key");
  return RsaPublicKey(make_handle(std::move(pkey), false));
}

std::size_t RsaPublicKey::modulus_bits() const noexcept {
  return static_cast<std::size_t>(EVP_PKEY_get_bits(handle_->pkey.get()));
}

Bytes RsaPublicKey::to_der() const {
  unsigned char* out = nullptr;
  const int size = i2d_PUBKEY(handle_->pkey.get(), &out);
  if (size <= 0) throw ConfigError("cannot encode public key: " + internal::drain_openssl_errors());
  Bytes der(out, out + size);
  OPENSSL_free(out);
  return der;
}

std::string RsaPublicKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), handle_->pkey.get()) != 1) {
    throw ConfigError("cannot encode public key: " + internal::drain_openssl_errors());
  }
  return bio_to_string(bio.get());
}

RsaPrivateKey RsaPrivateKey::from_der(ByteView pkcs8_der) {
  const unsigned char* p = pkcs8_der.data();
  internal::Pkey pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(pkcs8_der.size())));
  if (!pkey) {
    ERR_clear_error();
    throw ConfigError("not a DER-encoded PKCS#8 RSA private key");
  }
  require_rsa(pkey, "private key");
  return RsaPrivateKey(make_handle(std::move(pkey), true));
}

RsaPrivateKey RsaPrivateKey::from_pem(std::string_view pem) {
  BioPtr bio = memory_bio(pem.data(), pem.size());
  // Reads PKCS#8 and PKCS#1 ("RSA PRIVATE KEY") alike; no passphrase callback, so encrypted
  // keys fail instead of prompting.
  internal::Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) {
    ERR_clear_error();
    throw ConfigError("not a PEM-encoded (unencrypted) RSA private key");
  }
  require_rsa(pkey, "private key");
  return RsaPrivateKey(make_handle(std::move(pkey), true));
}

RsaPrivateKey RsaPrivateKey::generate(std::size_t bits) {
  if (bits < 2048 || bits > 16384) throw ConfigError("RSA keys must have 2048 to 16384 bits");
  internal::Pkey pkey(EVP_RSA_gen(static_cast<unsigned int>(bits)));
  if (!pkey) throw EncryptionError("RSA key generation failed: " + internal::drain_openssl_errors());
  return RsaPrivateKey(make_handle(std::move(pkey), true));
}

std::size_t RsaPrivateKey::modulus_bits() const noexcept {
  return static_cast<std::size_t>(EVP_PKEY_get_bits(handle_->pkey.get()));
}

RsaPublicKey RsaPrivateKey::public_key() const {
  unsigned char* out = nullptr;
  const int size = i2d_PUBKEY(handle_->pkey.get(), &out);
  if (size <= 0) throw ConfigError("cannot derive public key: " + internal::drain_openssl_errors());
  Bytes der(out, out + size);
  OPENSSL_free(out);
  return RsaPublicKey::from_der(der);
}

SecretBytes RsaPrivateKey::to_der() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || i2d_PKCS8PrivateKey_bio(bio.get(), handle_->pkey.get(), nullptr, nullptr, 0,
                                      nullptr, nullptr) != 1) {
    throw ConfigError("cannot encode private key: " + internal::drain_openssl_errors());
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  SecretBytes der = SecretBytes::copy_of(
      {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)});
  OPENSSL_cleanse(data, static_cast<std::size_t>(size));
  return der;
}

SecretBytes RsaPrivateKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), handle_->pkey.get(), nullptr, nullptr,
                                            0, nullptr, nullptr) != 1) {
    throw ConfigError("cannot encode private key: " + internal::drain_openssl_errors());
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  SecretBytes pem = SecretBytes::copy_of(
      {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)});
  OPENSSL_cleanse(data, static_cast<std::size_t>(size));
  return pem;
}

}  // namespace ddbcrypt
