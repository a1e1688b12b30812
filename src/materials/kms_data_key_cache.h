// The decryption cache of DirectKmsMaterialsProvider: plaintext data keys as KMS Decrypt
// returned them, looked up by everything that Decrypt call depended on.
//
// The identity of an entry is the whole request: region, pinned key id (empty when unpinned),
// the complete KMS encryption context and the complete ciphertext blob, encoded with length
// prefixes so that no two different requests share an identity. A hit is therefore exactly
// what KMS answered before for the same request; a different blob, table, key value, algorithm
// description or extra context entry is a miss.
//
// Thread-safety: safe to share; every method may be called concurrently. Returned keys are
// immutable and stay valid after eviction (they are wiped when the last holder drops them).
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/secret_bytes.h"
#include "ddbcrypt/materials/direct_kms_provider.h"

namespace ddbcrypt::internal {

struct KmsDecryptIdentity {
  std::string_view region;
  std::string_view pinned_key_id;  // empty: Decrypt sent no KeyId
  const aws::KmsEncryptionContext& context;
  ByteView ciphertext_blob;
};

class KmsDataKeyCache {
 public:
  // ConfigError if a limit is zero.
  KmsDataKeyCache(KmsDataKeyCacheLimits limits, MaterialsClock clock);
  KmsDataKeyCache(const KmsDataKeyCache&) = delete;
  KmsDataKeyCache& operator=(const KmsDataKeyCache&) = delete;

  // The cached key for exactly `id` if it is younger than max_age; null otherwise (an expired
  // entry is dropped).
  [[nodiscard]] std::shared_ptr<const SecretBytes> find(const KmsDecryptIdentity& id);
  // Caches what KMS returned for `id`, evicting the least recently used entry when full.
  void insert(const KmsDecryptIdentity& id, std::shared_ptr<const SecretBytes> key);

  void clear();
  [[nodiscard]] std::size_t size() const;

  // The canonical identity string (exposed for tests of its injectivity).
  [[nodiscard]] static std::string canonical(const KmsDecryptIdentity& id);

 private:
  struct Entry {
    std::string id;
    std::shared_ptr<const SecretBytes> key;
    std::chrono::steady_clock::time_point created;
  };
  using Lru = std::list<Entry>;
  std::chrono::steady_clock::time_point now() const;

  const KmsDataKeyCacheLimits limits_;
  const MaterialsClock clock_;
  mutable std::mutex mu_;
  Lru lru_;                                               // guarded by mu_; most recent first
  std::unordered_map<std::string, Lru::iterator> index_;  // guarded by mu_
};

}  // namespace ddbcrypt::internal
