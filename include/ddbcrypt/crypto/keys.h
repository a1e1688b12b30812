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
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/secret_bytes.h"

namespace ddbcrypt {

namespace detail {
struct RsaHandle;   // owns an EVP_PKEY; defined in src/crypto/ssl_util.h
struct HmacHandle;  // owns a keyed EVP_MAC_CTX; defined in src/crypto/ssl_util.h
}  // namespace detail

// Hash functions used by the legacy format, HKDF, SigV4 and the field formats. Values are
// stable; never renumber.
enum class HashAlgorithm : std::uint8_t {
  kSha1 = 1,  // only for RSA-OAEP (OAEP and MGF1 hashes), as the reference libraries use it
  kSha224 = 2,
  kSha256 = 3,
  kSha384 = 4,
  kSha512 = 5,
};

// Output size in bytes; 0 for a value that is not a HashAlgorithm.
std::size_t digest_size(HashAlgorithm hash) noexcept;
// "SHA-256"; "unknown" for a value that is not a HashAlgorithm.
std::string_view hash_name(HashAlgorithm hash) noexcept;

class AesKey {
 public:
  // ConfigError unless `key` has 16, 24 or 32 bytes.
  [[nodiscard]] static AesKey create(SecretBytes key);
  // A random key from the CSPRNG; ConfigError unless `size_bytes` is 16, 24 or 32.
  [[nodiscard]] static AesKey generate(std::size_t size_bytes);

  AesKey(AesKey&&) noexcept = default;
  AesKey& operator=(AesKey&&) noexcept = default;
  [[nodiscard]] AesKey clone() const { return AesKey(key_.clone()); }

  std::size_t size() const noexcept { return key_.size(); }
  const SecretBytes& secret() const noexcept { return key_; }

 private:
  explicit AesKey(SecretBytes key) : key_(std::move(key)) {}
  SecretBytes key_;
};

// HMAC-SHA-224/256/384/512 key. The factories also key an OpenSSL context once, so that each
// hmac() call skips the key schedule; copies made with clone() share that context.
class HmacKey {
 public:
  // ConfigError if `key` is empty or `hash` is SHA-1 or not a HashAlgorithm.
  [[nodiscard]] static HmacKey create(HashAlgorithm hash, SecretBytes key);
  [[nodiscard]] static HmacKey generate(HashAlgorithm hash, std::size_t size_bytes);

  HmacKey(HmacKey&&) noexcept = default;
  HmacKey& operator=(HmacKey&&) noexcept = default;
  [[nodiscard]] HmacKey clone() const { return HmacKey(hash_, key_.clone(), handle_); }

  HashAlgorithm hash() const noexcept { return hash_; }
  std::size_t size() const noexcept { return key_.size(); }
  const SecretBytes& secret() const noexcept { return key_; }

  // For src/crypto; null only in a moved-from key.
  const detail::HmacHandle* handle() const noexcept { return handle_.get(); }

 private:
  HmacKey(HashAlgorithm hash, SecretBytes key, std::shared_ptr<const detail::HmacHandle> handle)
      : hash_(hash), key_(std::move(key)), handle_(std::move(handle)) {}
  HashAlgorithm hash_;
  SecretBytes key_;
  std::shared_ptr<const detail::HmacHandle> handle_;
};

// The factories throw ConfigError for input that is not a key of the expected kind, for keys
// of another algorithm (EC, Ed25519, RSA-PSS-only) and for encrypted private keys.
class RsaPublicKey {
 public:
  // Exactly one DER SubjectPublicKeyInfo; trailing bytes are rejected.
  [[nodiscard]] static RsaPublicKey from_der(ByteView der);
  // "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY". A private key is refused, not reduced.
  [[nodiscard]] static RsaPublicKey from_pem(std::string_view pem);

  // Copies share the handle. Declaring only the copy operations makes std::move copy too,
  // so no key is ever left without a handle.
  RsaPublicKey(const RsaPublicKey&) = default;
  RsaPublicKey& operator=(const RsaPublicKey&) = default;

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
  // Exactly one DER PKCS#8 PrivateKeyInfo (a PKCS#1 RSAPrivateKey is accepted as well);
  // trailing bytes are rejected.
  [[nodiscard]] static RsaPrivateKey from_der(ByteView pkcs8_der);
  // "PRIVATE KEY" (PKCS#8) or "RSA PRIVATE KEY" (PKCS#1), unencrypted.
  [[nodiscard]] static RsaPrivateKey from_pem(std::string_view pem);
  // A fresh key pair (public exponent 65537); ConfigError unless 2048 <= bits <= 16384.
  [[nodiscard]] static RsaPrivateKey generate(std::size_t bits);

  // Copies share the handle; std::move copies too (see RsaPublicKey).
  RsaPrivateKey(const RsaPrivateKey&) = default;
  RsaPrivateKey& operator=(const RsaPrivateKey&) = default;

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
