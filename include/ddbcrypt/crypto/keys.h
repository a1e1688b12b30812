// Typed keys. Keys never travel as loose bytes: each type is made by a factory that checks
// its input (size, encoding, algorithm) and throws ConfigError otherwise.
//
//   AesKey         16, 24 or 32 secret bytes (AES-128/192/256)
//   HmacKey        a hash function and a secret of any non-zero length
//   RsaPublicKey   X.509 SubjectPublicKeyInfo, DER or PEM (also PKCS#1 "RSA PUBLIC KEY" PEM)
//   RsaPrivateKey  PKCS#8 DER or PEM (also PKCS#1 "RSA PRIVATE KEY" PEM)
//
// RSA keys hold an OpenSSL handle behind a shared, immutable pointer: copies are cheap and
// share the handle, which OpenSSL allows to be used from several threads at once.
//
// Thread-safety: immutable after creation; safe to share between threads.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/secret_bytes.h"

namespace ddbcrypt {

// Hash functions used by the legacy format, HKDF, SigV4 and the field formats. Values are
// stable; never renumber.
enum class HashAlgorithm : std::uint8_t {
  kSha1 = 1,  // only as MGF1 hash of RSA-OAEP, as the reference libraries use it
  kSha224 = 2,
  kSha256 = 3,
  kSha384 = 4,
  kSha512 = 5,
};

std::size_t digest_size(HashAlgorithm hash) noexcept;
std::string_view hash_name(HashAlgorithm hash) noexcept;  // "SHA-256"

class AesKey {
 public:
  [[nodiscard]] static AesKey create(SecretBytes key);
  [[nodiscard]] static AesKey generate(std::size_t size_bytes);  // 16, 24 or 32

  AesKey(AesKey&&) noexcept = default;
  AesKey& operator=(AesKey&&) noexcept = default;
  [[nodiscard]] AesKey clone() const { return AesKey(key_.clone()); }

  std::size_t size() const noexcept { return key_.size(); }
  const SecretBytes& secret() const noexcept { return key_; }

 private:
  explicit AesKey(SecretBytes key) : key_(std::move(key)) {}
  SecretBytes key_;
};

class HmacKey {
 public:
  [[nodiscard]] static HmacKey create(HashAlgorithm hash, SecretBytes key);
  [[nodiscard]] static HmacKey generate(HashAlgorithm hash, std::size_t size_bytes);

  HmacKey(HmacKey&&) noexcept = default;
  HmacKey& operator=(HmacKey&&) noexcept = default;
  [[nodiscard]] HmacKey clone() const { return HmacKey(hash_, key_.clone()); }

  HashAlgorithm hash() const noexcept { return hash_; }
  std::size_t size() const noexcept { return key_.size(); }
  const SecretBytes& secret() const noexcept { return key_; }

 private:
  HmacKey(HashAlgorithm hash, SecretBytes key) : hash_(hash), key_(std::move(key)) {}
  HashAlgorithm hash_;
  SecretBytes key_;
};

namespace detail {
struct RsaHandle;  // owns an EVP_PKEY; defined in src/crypto
}

class RsaPublicKey {
 public:
  [[nodiscard]] static RsaPublicKey from_der(ByteView der);
  [[nodiscard]] static RsaPublicKey from_pem(std::string_view pem);

  std::size_t modulus_bits() const noexcept;
  [[nodiscard]] Bytes to_der() const;        // SubjectPublicKeyInfo
  [[nodiscard]] std::string to_pem() const;  // "-----BEGIN PUBLIC KEY-----"

  const detail::RsaHandle& handle() const noexcept { return *handle_; }

 private:
  friend class RsaPrivateKey;
  explicit RsaPublicKey(std::shared_ptr<const detail::RsaHandle> h) : handle_(std::move(h)) {}
  std::shared_ptr<const detail::RsaHandle> handle_;
};

class RsaPrivateKey {
 public:
  [[nodiscard]] static RsaPrivateKey from_der(ByteView pkcs8_der);
  [[nodiscard]] static RsaPrivateKey from_pem(std::string_view pem);
  // A fresh key pair; `bits` at least 2048.
  [[nodiscard]] static RsaPrivateKey generate(std::size_t bits);

  std::size_t modulus_bits() const noexcept;
  [[nodiscard]] RsaPublicKey public_key() const;
  // PKCS#8. The result is secret: it is returned as SecretBytes.
  [[nodiscard]] SecretBytes to_der() const;
  [[nodiscard]] SecretBytes to_pem() const;

  const detail::RsaHandle& handle() const noexcept { return *handle_; }

 private:
  explicit RsaPrivateKey(std::shared_ptr<const detail::RsaHandle> h) : handle_(std::move(h)) {}
  std::shared_ptr<const detail::RsaHandle> handle_;
};

}  // namespace ddbcrypt
