// MostRecentProvider (spec §12.4).
#include "ddbcrypt/materials/most_recent_provider.h"

#include <utility>

#include "ddbcrypt/error.h"
#include "legacy/format.h"

namespace ddbcrypt {

std::unique_ptr<MostRecentProvider> MostRecentProvider::create(
    std::shared_ptr<const MetaStore> store, std::string material_name,
    std::chrono::steady_clock::duration version_ttl, std::size_t cache_entries) {
  if (!store) throw ConfigError("a most-recent provider needs a meta store");
  if (material_name.empty()) throw ConfigError("a most-recent provider needs a material name");
  if (material_name.find('#') != std::string::npos) {
    throw ConfigError("material names must not contain '#' (it separates the version)");
  }
  return std::unique_ptr<MostRecentProvider>(new MostRecentProvider(
      std::move(store), std::move(material_name), version_ttl,
      cache_entries == 0 ? std::size_t{1} : cache_entries));
}

void MostRecentProvider::remember(std::uint64_t version,
                                  std::shared_ptr<const MaterialsProvider> provider) const {
  // REQUIRES: mutex_ held.
  if (const auto it = cache_.find(version); it != cache_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(version, std::move(provider));
  cache_.emplace(version, lru_.begin());
  while (lru_.size() > cache_entries_) {
    cache_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::shared_ptr<const MaterialsProvider> MostRecentProvider::version_provider(
    std::uint64_t version) const {
  {
    const std::lock_guard lock(mutex_);
    if (const auto it = cache_.find(version); it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  // Loaded without the lock so one slow store call does not stall other versions; two
  // threads may load the same version once each, which is harmless.
  auto provider = store_->load_version(material_name_, version);
  const std::lock_guard lock(mutex_);
  remember(version, provider);
  return provider;
}

EncryptionMaterials MostRecentProvider::encryption_materials(
    const EncryptionContext& context) const {
  std::optional<std::uint64_t> version;
  {
    const std::lock_guard lock(mutex_);
    if (current_version_ &&
        std::chrono::steady_clock::now() - current_read_at_ < version_ttl_) {
      version = current_version_;
    }
  }
  std::shared_ptr<const MaterialsProvider> provider;
  if (!version) {
    version = store_->max_version(material_name_);
    if (version) {
      provider = version_provider(*version);
    } else {
      version = 0;
      provider = store_->create_version(material_name_, 0);
    }
    const std::lock_guard lock(mutex_);
    current_version_ = version;
    current_read_at_ = std::chrono::steady_clock::now();
    remember(*version, provider);
  } else {
    provider = version_provider(*version);
  }
  return provider->encryption_materials(context);
}

DecryptionMaterials MostRecentProvider::decryption_materials(
    const EncryptionContext& context) const {
  const auto it =
      context.material_description.find(std::string(internal::legacy::kMetaIdKey));
  if (it == context.material_description.end()) {
    throw DecryptionError("item has no amzn-ddb-meta-id: it was not written by a most-recent "
                          "provider");
  }
  // The name in the item is not used for the lookup: the configured one is (spec §12.4).
  const std::uint64_t version = parse_meta_id(it->second).second;
  return version_provider(version)->decryption_materials(context);
}

std::uint64_t MostRecentProvider::rotate() const {
  const auto max = store_->max_version(material_name_);
  const std::uint64_t version = max ? *max + 1 : 0;
  auto provider = store_->create_version(material_name_, version);
  const std::lock_guard lock(mutex_);
  current_version_ = version;
  current_read_at_ = std::chrono::steady_clock::now();
  remember(version, std::move(provider));
  return version;
}

}  // namespace ddbcrypt
