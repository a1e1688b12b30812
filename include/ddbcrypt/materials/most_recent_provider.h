// MostRecentProvider (spec §12.4): encrypts with the newest version of a material name kept
// in a MetaStore, and decrypts with whichever version an item names in `amzn-ddb-meta-id`.
//
// Example:
//   auto store = DynamoDbMetaStore::create(ddb, "meta", meta_provider);
//   auto provider = MostRecentProvider::create(std::move(store), "orders-keys",
//                                              {.version_ttl = std::chrono::minutes(5)});
//
// Versions are never created behind the caller's back except version 0 when a name has none:
// rotate() makes version max + 1 (and other writers, e.g. the reference libraries, may do the
// same at any time).
//
// Caching, as in the reference libraries (Python's CachingMostRecentProvider, Java's
// MostRecentProvider):
//  * The newest version number is read from the store (MetaStore::max_version) at most once
//    per `version_ttl`; until then encryption uses the version last read.
//  * The materials of each version are kept for `version_ttl` after they were loaded
//    (MetaStore::load_version), at most `cache_entries` versions (least recently used evicted).
//  * Once an entry is older than `version_ttl`, one caller refreshes it while, for a further
//    `grace_period`, the others keep using the cached materials instead of piling onto the
//    store. After that grace period callers wait for the refresh in progress (one store call
//    per refresh, however many threads ask) or start one.
//  * A failed refresh is not cached: the caller that ran it and those that waited for it get
//    the store's error (DynamoDbError, KmsError, ...), the cached entry stays as it was, and the
//    next call tries the store again. So when the store is unreachable, items keep being
//    encrypted and decrypted with cached materials until `version_ttl` + `grace_period` has
//    passed, and then fail with the store's error, as in both reference libraries; versions
//    that are not cached fail at once.
//
// Thread-safety: safe to share and call concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ddbcrypt/materials/materials_provider.h"
#include "ddbcrypt/materials/meta_store.h"

namespace ddbcrypt {

struct MostRecentOptions {
  // How long the newest version number and each version's materials are used before the
  // store is asked again. Python's `version_ttl`; zero asks the store on every call.
  std::chrono::steady_clock::duration version_ttl = std::chrono::minutes(5);
  // Versions whose materials are kept (Python and Java: 1000). At least 1.
  std::size_t cache_entries = 1000;
  // After version_ttl, how long others keep using cached materials while one caller
  // refreshes them (both references: 500 ms).
  std::chrono::steady_clock::duration grace_period = std::chrono::milliseconds(500);
  MaterialsClock clock;
};

class MostRecentProvider final : public MaterialsProvider {
 public:
  // ConfigError for a null store, an empty material name or one containing '#', a negative
  // TTL or grace period, or cache_entries 0.
  [[nodiscard]] static std::unique_ptr<MostRecentProvider> create(
      std::shared_ptr<const MetaStore> store, std::string material_name,
      MostRecentOptions options);
  [[nodiscard]] static std::unique_ptr<MostRecentProvider> create(
      std::shared_ptr<const MetaStore> store, std::string material_name,
      std::chrono::steady_clock::duration version_ttl, std::size_t cache_entries = 1000);
  ~MostRecentProvider() override;
  MostRecentProvider(const MostRecentProvider&) = delete;
  MostRecentProvider& operator=(const MostRecentProvider&) = delete;

  // Uses the newest version (creating version 0 if there is none). Store calls only when the
  // cached newest version has expired (see above).
  EncryptionMaterials encryption_materials(const EncryptionContext& context) const override;
  // DecryptionError if the item has no valid `amzn-ddb-meta-id` or the version does not
  // exist; the version is looked up under this provider's material name, not the one in the
  // item (as in both reference libraries). A store call only when the version's materials are
  // not cached or have expired.
  DecryptionMaterials decryption_materials(const EncryptionContext& context) const override;

  // Creates version max + 1 (or 0) and makes it the one used to encrypt. Returns it. One
  // max_version and one create_version store call; when another writer created that version
  // first, its materials are used.
  std::uint64_t rotate() const;

  // The version encryption uses now, if one has been read from the store.
  [[nodiscard]] std::optional<std::uint64_t> current_version() const;
  // Forgets every cached version and the newest version number (Python's refresh()).
  void clear_cache() const;

  const std::string& material_name() const noexcept;

  struct State;

 private:
  explicit MostRecentProvider(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ddbcrypt
