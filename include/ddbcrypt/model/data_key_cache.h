// Data-key caches for field encryption.
//
// Without a cache every encrypted value costs one KMS GenerateDataKey and every read one KMS
// Decrypt. These caches turn that into one call per cache period:
//
//   EncryptionKeyCache  holds the data key most recently generated for a (region, KMS key,
//                       encryption context). A key is handed out until it reaches its age, use
//                       or byte limit, whichever comes first; then the caller generates a new
//                       one. Reusing a data key is safe in both field formats because every
//                       value gets a fresh random nonce (and, in the bound format, its own
//                       HKDF-derived key), and the limits bound how much data one key protects.
//   DecryptionKeyCache  maps an encrypted data key (the KMS ciphertext blob) to its plaintext.
//                       The lookup identity is the whole (region, KMS key id, encryption
//                       context, blob) tuple, so an entry is never returned for a different
//                       blob, context or pinned key: the caller gets exactly what KMS Decrypt
//                       with those parameters returned before.
//
// FieldEncryptor (field_encryption.h) owns one of each; they are public so that their limits
// and behaviour can be tested and reused.
//
// Example:
//   EncryptionKeyCache cache(DataKeyCacheLimits{.max_age = std::chrono::minutes(1)});
//   DataKeyIdentity id{.region = "eu-west-1", .key_id = "alias/app", .context = {}};
//   auto key = cache.acquire(id, value_size);
//   if (!key) { key = /* GenerateDataKey */; cache.insert(id, key, value_size); }
//
// Thread-safety: both caches are safe to share between threads; every method may be called
// concurrently. Returned keys are immutable and stay valid after eviction.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/secret_bytes.h"

namespace ddbcrypt::model {

// Limits of the encryption-side cache. A cached data key is used for a new value only while
// all three limits hold; a value larger than `max_bytes` is never encrypted under a cached key.
struct DataKeyCacheLimits {
  std::chrono::steady_clock::duration max_age = std::chrono::minutes(5);
  std::uint64_t max_uses = 10'000;                // values encrypted under one data key
  std::uint64_t max_bytes = 256ull * 1024 * 1024; // plaintext bytes under one data key
  std::size_t max_entries = 1'000;                // distinct (region, key, context) tuples
};

// Limits of the decryption-side cache.
struct DecryptionCacheLimits {
  std::chrono::steady_clock::duration max_age = std::chrono::minutes(5);
  std::size_t max_entries = 10'000;  // least recently used entries are evicted first
};

// A data key as KMS GenerateDataKey returned it.
struct DataKey {
  SecretBytes plaintext;
  Bytes encrypted;  // KMS CiphertextBlob, stored in every envelope made with the key
};

// Which KMS key and encryption context a data key is generated under.
struct DataKeyIdentity {
  std::string region;
  std::string key_id;                         // as configured: id, ARN, alias or alias ARN
  std::map<std::string, std::string> context; // KMS encryption context
};

// Which KMS Decrypt call produced a plaintext data key.
struct EncryptedDataKeyIdentity {
  std::string region;
  std::string key_id;  // the KeyId the Decrypt call was pinned to
  std::map<std::string, std::string> context;
  ByteView encrypted_key;  // the ciphertext blob; only read during the call
};

// The time source of the caches; tests pass a manual clock.
using CacheClock = std::function<std::chrono::steady_clock::time_point()>;

class EncryptionKeyCache {
 public:
  // An empty `clock` means std::chrono::steady_clock::now.
  explicit EncryptionKeyCache(DataKeyCacheLimits limits, CacheClock clock = {});
  EncryptionKeyCache(const EncryptionKeyCache&) = delete;
  EncryptionKeyCache& operator=(const EncryptionKeyCache&) = delete;

  // The cached data key for `id` if it may still protect `bytes` more plaintext bytes; the
  // use is counted before returning. Null when there is none, or when the entry has reached a
  // limit (it is then evicted).
  [[nodiscard]] std::shared_ptr<const DataKey> acquire(const DataKeyIdentity& id,
                                                       std::uint64_t bytes);

  // Caches a freshly generated key for `id`, counting its first use of `bytes`; replaces any
  // entry for `id`. Does nothing when that first use already reaches a limit (so a key is
  // never handed out past its limits).
  void insert(const DataKeyIdentity& id, std::shared_ptr<const DataKey> key, std::uint64_t bytes);

  void clear();
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] const DataKeyCacheLimits& limits() const noexcept { return limits_; }

 private:
  struct Entry {
    std::shared_ptr<const DataKey> key;
    std::chrono::steady_clock::time_point created;
    std::uint64_t uses = 0;
    std::uint64_t bytes = 0;
  };
  std::chrono::steady_clock::time_point now() const;

  const DataKeyCacheLimits limits_;
  const CacheClock clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_; key: canonical identity
};

class DecryptionKeyCache {
 public:
  explicit DecryptionKeyCache(DecryptionCacheLimits limits, CacheClock clock = {});
  DecryptionKeyCache(const DecryptionKeyCache&) = delete;
  DecryptionKeyCache& operator=(const DecryptionKeyCache&) = delete;

  // The plaintext data key KMS returned for exactly this identity, if cached and younger than
  // max_age; null otherwise.
  [[nodiscard]] std::shared_ptr<const SecretBytes> find(const EncryptedDataKeyIdentity& id);

  // Caches what KMS Decrypt returned for `id`, evicting the least recently used entry when
  // full.
  void insert(const EncryptedDataKeyIdentity& id, std::shared_ptr<const SecretBytes> key);

  void clear();
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] const DecryptionCacheLimits& limits() const noexcept { return limits_; }

 private:
  struct Entry {
    std::string id;
    std::shared_ptr<const SecretBytes> key;
    std::chrono::steady_clock::time_point created;
  };
  using Lru = std::list<Entry>;
  std::chrono::steady_clock::time_point now() const;

  const DecryptionCacheLimits limits_;
  const CacheClock clock_;
  mutable std::mutex mu_;
  Lru lru_;                                              // guarded by mu_; most recent first
  std::unordered_map<std::string, Lru::iterator> index_; // guarded by mu_
};

}  // namespace ddbcrypt::model
