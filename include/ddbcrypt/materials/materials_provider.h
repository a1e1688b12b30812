// Materials: the keys that protect one item, and the providers that supply them.
//
// A MaterialsProvider hands the item encryptor an encryption key (AES, optional) and a
// signing key (HMAC or RSA) for each item to encrypt, and the matching decryption and
// verification keys for each item to decrypt, based on the item's encryption context (table,
// key names, attributes, material description). Providers differ in where the keys come from:
//
//   StaticMaterialsProvider     fixed keys configured in code (legacy "raw" materials)
//   WrappedMaterialsProvider    a fresh content key per item, wrapped with AES key wrap or
//                               RSA-OAEP and stored in the material description
//   DirectKmsMaterialsProvider  one AWS KMS data key per item, HKDF-derived keys
//                               (ddbcrypt/materials/direct_kms_provider.h)
//   MostRecentProvider          versioned wrapped materials kept in a MetaStore
//                               (ddbcrypt/materials/most_recent_provider.h)
//
// Thread-safety: providers are shared between threads; every method is safe to call
// concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt {

// The time source of the providers' caches (tests pass a manual clock); empty means
// std::chrono::steady_clock::now.
using MaterialsClock = std::function<std::chrono::steady_clock::time_point()>;

// The string → string map stored (serialized) in `*amzn-ddb-map-desc*`.
using MaterialDescription = std::map<std::string, std::string>;

// What a provider learns about the item being processed (spec §11).
struct EncryptionContext {
  std::string table_name;
  std::optional<std::string> partition_key_name;
  std::optional<std::string> sort_key_name;
  // The item being processed: plaintext on encrypt, as stored on decrypt. Non-owning; valid
  // only for the duration of the provider call. May be null when there is no item.
  const Item* attributes = nullptr;
  // Empty on encrypt (unless configured); the item's parsed description on decrypt.
  MaterialDescription material_description;
};

// A key that signs or verifies the item signature, named by its JCE algorithm
// ("HmacSHA256", "SHA256withRSA", ...). Copies share the immutable key.
class SigningKey {
 public:
  [[nodiscard]] static SigningKey hmac(HmacKey key);
  // Signs with the private key and verifies with its public half.
  [[nodiscard]] static SigningKey rsa(HashAlgorithm hash, RsaPrivateKey key);
  // Verification only; sign() throws ConfigError.
  [[nodiscard]] static SigningKey rsa_verify_only(HashAlgorithm hash, RsaPublicKey key);

  // "HmacSHA256", "SHA256withRSA", ...
  const std::string& algorithm() const noexcept { return algorithm_; }
  bool is_rsa() const noexcept;
  bool can_sign() const noexcept;

  [[nodiscard]] Bytes sign(ByteView string_to_sign) const;
  // `described_algorithm` is the item's `amzn-ddb-map-signingAlg`, if any: for RSA keys it
  // selects the hash when it names one of the RSA algorithms (spec §8.2). HMAC comparison is
  // constant-time.
  [[nodiscard]] bool verify(ByteView string_to_sign, ByteView signature,
                            const std::string* described_algorithm = nullptr) const;

  struct Impl;

 private:
  explicit SigningKey(std::shared_ptr<const Impl> impl, std::string algorithm)
      : impl_(std::move(impl)), algorithm_(std::move(algorithm)) {}
  std::shared_ptr<const Impl> impl_;
  std::string algorithm_;
};

struct EncryptionMaterials {
  MaterialDescription description;                   // written into the item (plus sym-mode
                                                     // and signingAlg added by the encryptor)
  std::shared_ptr<const AesKey> encryption_key;      // null: nothing can be encrypted
  SigningKey signing_key;
};

struct DecryptionMaterials {
  std::shared_ptr<const AesKey> decryption_key;      // null: nothing can be decrypted
  SigningKey verification_key;
};

class MaterialsProvider {
 public:
  virtual ~MaterialsProvider() = default;
  // Throws ConfigError, EncryptionError or KmsError; never returns partial materials.
  [[nodiscard]] virtual EncryptionMaterials encryption_materials(
      const EncryptionContext& context) const = 0;
  // Throws DecryptionError (e.g. unwrap failed), ConfigError or KmsError.
  [[nodiscard]] virtual DecryptionMaterials decryption_materials(
      const EncryptionContext& context) const = 0;
};

// Fixed keys (spec §12.1). Either key role may be absent for a one-directional provider.
struct StaticMaterials {
  std::shared_ptr<const AesKey> encryption_key;  // also used to decrypt; may be null
  std::optional<SigningKey> signing_key;         // also used to verify; required
  MaterialDescription description;               // written into every item
};

class StaticMaterialsProvider final : public MaterialsProvider {
 public:
  // ConfigError if no signing key is given.
  [[nodiscard]] static std::unique_ptr<StaticMaterialsProvider> create(StaticMaterials m);
  EncryptionMaterials encryption_materials(const EncryptionContext& context) const override;
  DecryptionMaterials decryption_materials(const EncryptionContext& context) const override;

 private:
  explicit StaticMaterialsProvider(StaticMaterials m) : materials_(std::move(m)) {}
  StaticMaterials materials_;
};

// A key that wraps content keys: AES (RFC 3394 "AESWrap") or an RSA public key (RSA-OAEP
// with SHA-256 and MGF1-SHA-1 unless the description names another transformation).
class WrappingKey {
 public:
  [[nodiscard]] static WrappingKey aes(AesKey key);
  [[nodiscard]] static WrappingKey rsa(RsaPublicKey key);
  bool is_rsa() const noexcept;
  // "AES" or "RSA": the algorithm name the reference derives default transformations from.
  std::string_view algorithm() const noexcept;

  struct Impl;
  const Impl& impl() const noexcept { return *impl_; }

 private:
  explicit WrappingKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

class UnwrappingKey {
 public:
  [[nodiscard]] static UnwrappingKey aes(AesKey key);
  [[nodiscard]] static UnwrappingKey rsa(RsaPrivateKey key);
  bool is_rsa() const noexcept;
  std::string_view algorithm() const noexcept;

  struct Impl;
  const Impl& impl() const noexcept { return *impl_; }

 private:
  explicit UnwrappingKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// Envelope keys (spec §12.2): a fresh random content key per item.
struct WrappedMaterials {
  std::optional<WrappingKey> wrapping_key;      // needed to encrypt
  std::optional<UnwrappingKey> unwrapping_key;  // needed to decrypt
  std::optional<SigningKey> signing_key;        // required
  // Base description; `amzn-ddb-env-alg` (default "AES/256") and `amzn-ddb-wrap-alg` in it
  // select the content key size and the wrap transformation.
  MaterialDescription description;
};

class WrappedMaterialsProvider final : public MaterialsProvider {
 public:
  // ConfigError if no signing key is given or the description names an unsupported algorithm.
  [[nodiscard]] static std::unique_ptr<WrappedMaterialsProvider> create(WrappedMaterials m);
  EncryptionMaterials encryption_materials(const EncryptionContext& context) const override;
  DecryptionMaterials decryption_materials(const EncryptionContext& context) const override;

 private:
  explicit WrappedMaterialsProvider(WrappedMaterials m) : materials_(std::move(m)) {}
  WrappedMaterials materials_;
};

}  // namespace ddbcrypt
