// MetaStore: versioned intermediate key material for MostRecentProvider (spec §12.4).
//
// A meta store keeps, per material name and version, one encrypted "meta item" holding a
// random AES wrapping key and a random HMAC key. The meta items are themselves protected
// with the legacy item format by a *meta provider* (static, wrapped, KMS, ...), so the
// intermediate keys never leave the store in clear. Each version yields a wrapped materials
// provider whose items carry `amzn-ddb-meta-id = "<name>#<version>"`.
//
// Meta item layout (DynamoDB-JSON types before encryption):
//   N  (S, partition key, signed)  material name
//   V  (N, sort key, signed)       version, decimal integer >= 0
//   t  (S, encrypted)              material type version, "0"
//   enc, encAlg (B, S, encrypted)  AES wrapping key bytes and "AES"
//   int, intAlg (B, S, encrypted)  HMAC key bytes and "HmacSHA256"
//
// InMemoryMetaStore keeps the meta items in memory: it is what the test-vector runner loads
// from a table dump, and a stand-in for tests. DynamoDbMetaStore
// (ddbcrypt/materials/dynamodb_meta_store.h) keeps them in a DynamoDB table shared with the
// reference libraries.
//
// Thread-safety: stores are shared between threads; every method is safe to call
// concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt {

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  // The materials of an existing version. DecryptionError if the version does not exist or
  // its meta item does not decrypt; whatever the meta provider throws (e.g. KmsError).
  [[nodiscard]] virtual std::shared_ptr<const MaterialsProvider> load_version(
      std::string_view material_name, std::uint64_t version) const = 0;

  // The highest existing version of `material_name`, or nullopt when there is none.
  [[nodiscard]] virtual std::optional<std::uint64_t> max_version(
      std::string_view material_name) const = 0;

  // Creates `version` with fresh random keys unless it already exists; never overwrites. Returns
  // the materials of the version that exists afterwards (another writer's, if it won).
  [[nodiscard]] virtual std::shared_ptr<const MaterialsProvider> create_version(
      std::string_view material_name, std::uint64_t version) const = 0;
};

// Names of the meta item attributes.
inline constexpr std::string_view kMetaMaterialNameAttribute = "N";
inline constexpr std::string_view kMetaVersionAttribute = "V";

// The CryptoConfig that protects the meta items of table `table_name`: partition key N, sort
// key V, everything else encrypted.
[[nodiscard]] CryptoConfig meta_store_crypto_config(
    std::string table_name, std::shared_ptr<const MaterialsProvider> meta_provider);

// A new encrypted meta item for (material_name, version) with fresh random keys: a 32-byte AES
// wrapping key and a 32-byte HmacSHA256 key.
[[nodiscard]] Item make_meta_item(std::string_view material_name, std::uint64_t version,
                                  const CryptoConfig& meta_config);

// Verifies and decrypts a stored meta item and returns the materials it describes: a
// wrapped provider (AESWrap under `enc`, HMAC under `int`) writing
// `amzn-ddb-meta-id = "<N>#<V>"`. DecryptionError / SignatureError for a bad item.
[[nodiscard]] std::shared_ptr<const MaterialsProvider> provider_from_meta_item(
    const Item& stored, const CryptoConfig& meta_config);

// "<name>#<version>" as written in `amzn-ddb-meta-id`, and its inverse. The parser accepts
// exactly a non-empty name without '#', one '#', and decimal digits (spec §14 D17);
// DecryptionError otherwise.
[[nodiscard]] std::string format_meta_id(std::string_view material_name, std::uint64_t version);
[[nodiscard]] std::pair<std::string, std::uint64_t> parse_meta_id(std::string_view meta_id);

class InMemoryMetaStore final : public MetaStore {
 public:
  // An empty store for meta table `table_name` whose items `meta_provider` protects.
  [[nodiscard]] static std::unique_ptr<InMemoryMetaStore> create(
      std::string table_name, std::shared_ptr<const MaterialsProvider> meta_provider);

  // Adds the encrypted meta items of a table dump `{"<table>": [item, ...]}` in DynamoDB-JSON
  // (the format of the test vectors' meta files). Only the entry named after this store's
  // table is read. FormatError for malformed JSON or items without N (S) and V (N).
  void load_json(std::string_view table_dump_json);
  // Adds one encrypted meta item (replacing an item with the same N and V).
  void put_item(Item encrypted_item);

  std::shared_ptr<const MaterialsProvider> load_version(std::string_view material_name,
                                                        std::uint64_t version) const override;
  std::optional<std::uint64_t> max_version(std::string_view material_name) const override;
  std::shared_ptr<const MaterialsProvider> create_version(std::string_view material_name,
                                                          std::uint64_t version) const override;

  const CryptoConfig& crypto_config() const noexcept { return config_; }

 private:
  explicit InMemoryMetaStore(CryptoConfig config) : config_(std::move(config)) {}

  CryptoConfig config_;
  mutable std::mutex mutex_;
  // (material name, version) -> encrypted meta item. Guarded by mutex_.
  mutable std::map<std::pair<std::string, std::uint64_t>, Item> items_;
};

}  // namespace ddbcrypt
