// KmsDataKeyCache (materials/kms_data_key_cache.h).
#include "materials/kms_data_key_cache.h"

#include <cstdint>
#include <utility>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

void put_field(std::string& out, std::string_view field) {
  const auto n = static_cast<std::uint64_t>(field.size());
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  out.append(field);
}

}  // namespace

KmsDataKeyCache::KmsDataKeyCache(KmsDataKeyCacheLimits limits, MaterialsClock clock)
    : limits_(limits), clock_(std::move(clock)) {
  if (limits_.max_entries == 0 || limits_.max_age <= std::chrono::steady_clock::duration::zero()) {
    throw ConfigError("KMS data key cache limits must be positive (to disable the cache, leave "
                      "decryption_cache unset)");
  }
}

std::string KmsDataKeyCache::canonical(const KmsDecryptIdentity& id) {
  std::string out;
  out.reserve(64 + id.ciphertext_blob.size());
  put_field(out, id.region);
  put_field(out, id.pinned_key_id);
  put_field(out, std::to_string(id.context.size()));
  for (const auto& [k, v] : id.context) {
    put_field(out, k);
    put_field(out, v);
  }
  put_field(out, std::string_view(reinterpret_cast<const char*>(id.ciphertext_blob.data()),
                                  id.ciphertext_blob.size()));
  return out;
}

std::chrono::steady_clock::time_point KmsDataKeyCache::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

std::shared_ptr<const SecretBytes> KmsDataKeyCache::find(const KmsDecryptIdentity& id) {
  const std::string key = canonical(id);
  const auto t = now();
  const std::lock_guard lock(mu_);
  const auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  if (t - it->second->created >= limits_.max_age) {
    lru_.erase(it->second);
    index_.erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->key;
}

void KmsDataKeyCache::insert(const KmsDecryptIdentity& id, std::shared_ptr<const SecretBytes> key) {
  std::string k = canonical(id);
  const auto t = now();
  const std::lock_guard lock(mu_);
  if (const auto it = index_.find(k); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  while (lru_.size() >= limits_.max_entries) {
    index_.erase(lru_.back().id);
    lru_.pop_back();
  }
  lru_.push_front(Entry{.id = k, .key = std::move(key), .created = t});
  index_.emplace(std::move(k), lru_.begin());
}

void KmsDataKeyCache::clear() {
  const std::lock_guard lock(mu_);
  index_.clear();
  lru_.clear();
}

std::size_t KmsDataKeyCache::size() const {
  const std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace ddbcrypt::internal
