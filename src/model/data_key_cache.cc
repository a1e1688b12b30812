#include "ddbcrypt/model/data_key_cache.h"

#include <string_view>
#include <utility>

#include "ddbcrypt/error.h"

namespace ddbcrypt::model {
namespace {

// Length-prefixed fields, so that no two different identities share a string (a context
// {"a":"b|c"} and {"a|b":"c"} stay apart).
void put_field(std::string& out, std::string_view field) {
  const auto n = static_cast<std::uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  out.append(field);
}

void put_identity(std::string& out, std::string_view region, std::string_view key_id,
                  const std::map<std::string, std::string>& context) {
  put_field(out, region);
  put_field(out, key_id);
  put_field(out, std::to_string(context.size()));
  for (const auto& [k, v] : context) {
    put_field(out, k);
    put_field(out, v);
  }
}

std::string canonical(const DataKeyIdentity& id) {
  std::string out;
  put_identity(out, id.region, id.key_id, id.context);
  return out;
}

std::string canonical(const EncryptedDataKeyIdentity& id) {
  std::string out;
  put_identity(out, id.region, id.key_id, id.context);
  put_field(out, std::string_view(reinterpret_cast<const char*>(id.encrypted_key.data()),
                                  id.encrypted_key.size()));
  return out;
}

}  // namespace

EncryptionKeyCache::EncryptionKeyCache(DataKeyCacheLimits limits, CacheClock clock)
    : limits_(limits), clock_(std::move(clock)) {
  if (limits_.max_uses == 0 || limits_.max_bytes == 0 || limits_.max_entries == 0 ||
      limits_.max_age <= std::chrono::steady_clock::duration::zero()) {
    throw ConfigError("data key cache limits must be positive (to disable the cache, leave "
                      "it unset instead)");
  }
}

std::chrono::steady_clock::time_point EncryptionKeyCache::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

std::shared_ptr<const DataKey> EncryptionKeyCache::acquire(const DataKeyIdentity& id,
                                                           std::uint64_t bytes) {
  const std::string key = canonical(id);
  const auto t = now();
  std::lock_guard lock(mu_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  Entry& e = it->second;
  if (t - e.created >= limits_.max_age || e.uses >= limits_.max_uses ||
      bytes > limits_.max_bytes - e.bytes) {
    entries_.erase(it);
    return nullptr;
  }
  ++e.uses;
  e.bytes += bytes;
  return e.key;
}

void EncryptionKeyCache::insert(const DataKeyIdentity& id, std::shared_ptr<const DataKey> key,
                                std::uint64_t bytes) {
  // A key whose first use already exhausts a limit would never be handed out again.
  if (limits_.max_uses <= 1 || bytes >= limits_.max_bytes) return;
  std::string k = canonical(id);
  const auto t = now();
  std::lock_guard lock(mu_);
  if (entries_.size() >= limits_.max_entries && entries_.find(k) == entries_.end()) {
    // Evict the oldest entry: it is the nearest to its age limit.
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.created < oldest->second.created) oldest = it;
    }
    entries_.erase(oldest);
  }
  entries_.insert_or_assign(std::move(k),
                            Entry{.key = std::move(key), .created = t, .uses = 1, .bytes = bytes});
}

void EncryptionKeyCache::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

std::size_t EncryptionKeyCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

DecryptionKeyCache::DecryptionKeyCache(DecryptionCacheLimits limits, CacheClock clock)
    : limits_(limits), clock_(std::move(clock)) {
  if (limits_.max_entries == 0 || limits_.max_age <= std::chrono::steady_clock::duration::zero()) {
    throw ConfigError("decryption cache limits must be positive (to disable the cache, leave "
                      "it unset instead)");
  }
}

std::chrono::steady_clock::time_point DecryptionKeyCache::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

std::shared_ptr<const SecretBytes> DecryptionKeyCache::find(const EncryptedDataKeyIdentity& id) {
  const std::string key = canonical(id);
  const auto t = now();
  std::lock_guard lock(mu_);
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

void DecryptionKeyCache::insert(const EncryptedDataKeyIdentity& id,
                                std::shared_ptr<const SecretBytes> key) {
  std::string k = canonical(id);
  const auto t = now();
  std::lock_guard lock(mu_);
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

void DecryptionKeyCache::clear() {
  std::lock_guard lock(mu_);
  index_.clear();
  lru_.clear();
}

std::size_t DecryptionKeyCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace ddbcrypt::model
