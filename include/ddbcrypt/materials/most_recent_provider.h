// MostRecentProvider (spec §12.4): encrypts with the newest version of a material name kept
// in a MetaStore, and decrypts with whichever version an item names in `amzn-ddb-meta-id`.
//
// Example:
//   auto store = InMemoryMetaStore::create("meta", meta_provider);
//   auto provider = MostRecentProvider::create(std::move(store), "orders-keys",
//                                              std::chrono::minutes(5));
//
// Versions are never created behind the caller's back except version 0 when a name has none:
// rotate() makes version max + 1. Providers of versions are cached (at most `cache_entries`,
// least recently used evicted); the newest version number is re-read from the store once
// `version_ttl` has passed since it was last read.
//
// Thread-safety: safe to share and call concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ddbcrypt/materials/materials_provider.h"
#include "ddbcrypt/materials/meta_store.h"

namespace ddbcrypt {

class MostRecentProvider final : public MaterialsProvider {
 public:
  // ConfigError for a null store or an empty material name.
  [[nodiscard]] static std::unique_ptr<MostRecentProvider> create(
      std::shared_ptr<const MetaStore> store, std::string material_name,
      std::chrono::steady_clock::duration version_ttl, std::size_t cache_entries = 1000);

  // Uses the newest version (creating version 0 if there is none).
  EncryptionMaterials encryption_materials(const EncryptionContext& context) const override;
  // DecryptionError if the item has no valid `amzn-ddb-meta-id` or the version does not
  // exist; the version is looked up under this provider's material name, not the one in the
  // item (as in both reference libraries).
  DecryptionMaterials decryption_materials(const EncryptionContext& context) const override;

  // Creates version max + 1 (or 0) and makes it the one used to encrypt. Returns it.
  std::uint64_t rotate() const;

  const std::string& material_name() const noexcept { return material_name_; }

 private:
  MostRecentProvider(std::shared_ptr<const MetaStore> store, std::string material_name,
                     std::chrono::steady_clock::duration version_ttl, std::size_t cache_entries)
      : store_(std::move(store)),
        material_name_(std::move(material_name)),
        version_ttl_(version_ttl),
        cache_entries_(cache_entries) {}

  std::shared_ptr<const MaterialsProvider> version_provider(std::uint64_t version) const;
  void remember(std::uint64_t version, std::shared_ptr<const MaterialsProvider> provider) const;

  std::shared_ptr<const MetaStore> store_;
  std::string material_name_;
  std::chrono::steady_clock::duration version_ttl_;
  std::size_t cache_entries_;

  mutable std::mutex mutex_;
  // The newest version and when it was read. Guarded by mutex_.
  mutable std::optional<std::uint64_t> current_version_;
  mutable std::chrono::steady_clock::time_point current_read_at_;
  // LRU cache of version providers, most recent first. Guarded by mutex_.
  mutable std::list<std::pair<std::uint64_t, std::shared_ptr<const MaterialsProvider>>> lru_;
  mutable std::unordered_map<std::uint64_t, decltype(lru_)::iterator> cache_;
};

}  // namespace ddbcrypt
