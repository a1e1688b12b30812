// DirectKmsMaterialsProvider (spec §12.3): one AWS KMS data key per item, byte-compatible with
// the reference libraries' Direct KMS providers (Python AwsKmsCryptographicMaterialsProvider,
// Java DirectKmsMaterialProvider).
//
// Encrypting an item makes one KMS GenerateDataKey call (32 bytes) under the configured key;
// HKDF-SHA256 (no salt, info "Encryption" / "Signing") turns the data key into the item's
// AES key and HMAC key, and the item's material description records the KMS ciphertext blob:
//
//   amzn-ddb-env-key   base64(CiphertextBlob)
//   amzn-ddb-env-alg   "AES/256"         (the base description's entry, if any)
//   amzn-ddb-sig-alg   "HmacSHA256/256"  (the base description's entry, if any)
//   amzn-ddb-wrap-alg  "kms"
//   aws-kms-ec-attr    "*keys*"
//
// Decrypting an item makes one KMS Decrypt call of that blob, unless the opt-in decryption
// cache already holds the answer. Both calls send this KMS encryption context, which KMS
// authenticates, so a data key only opens for the item (table and primary key) it was made for:
//
//   "*amzn-ddb-env-alg*"  the encryption key description (configured / the item's)
//   "*amzn-ddb-sig-alg*"  the signing key description (configured / the item's)
//   <partition key name>  the item's partition key: S as is, N exactly as stored (not
//                         normalized), B as base64; other types are refused
//   <sort key name>       the same for the sort key, when the table has one
//   "*aws-kms-table*"     the table name
//   + `extra_encryption_context`, if configured (a ddbcrypt extension, see below)
//
// Example:
//   auto provider = DirectKmsMaterialsProvider::create({
//       .key_id = "arn:aws:kms:eu-west-1:111122223333:alias/orders",
//       .kms_for_region = [](const std::string& region) {
//         return aws::make_kms_client({.region = region});
//       },
//       .decryption_cache = KmsDataKeyCacheLimits{.max_entries = 10'000},
//   });
//   CryptoConfig config{.provider = std::move(provider), .context = {...}, .actions = {...}};
//
// Key ids may be a key id, key ARN, alias name or alias ARN. KMS only answers for keys of the
// region a request is sent to, so when the key id is an ARN its region picks the client (as
// in Python): `kms` if it is for that region, else `kms_for_region(region)`. Other forms use
// `kms`.
//
// Errors: KMS refusals and failures surface as KmsError with AWS's code and request id, and a
// message naming the operation, table and key id: e.g. NotFoundException for an unknown key,
// InvalidCiphertextException when the item's table, key values or descriptions are not the
// ones its data key was made for (a moved or tampered item), IncorrectKeyException when the
// item's data key belongs to another KMS key than the pinned one. An item that lacks the
// Direct KMS description entries, names unsupported algorithms or holds a malformed
// amzn-ddb-env-key is a DecryptionError; a key attribute of another type than S, N or B is an
// EncryptionError / DecryptionError. Messages never contain key bytes or attribute values.
//
// Thread-safety: safe to share between threads; every method may be called concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt {

// Which KMS key a Decrypt call may be answered by.
enum class KmsKeyPinning : std::uint8_t {
  // Decrypt sends the configured key id as KeyId, so KMS refuses (IncorrectKeyException) a
  // data key made under any other key, as AWS recommends. An alias is resolved by KMS at call
  // time: after the alias is pointed at a new key, items written under the old one no longer
  // decrypt with a provider configured with the alias.
  kConfiguredKey = 0,
  // Decrypt sends no KeyId, as both reference libraries do: any key the caller may use that
  // made the item's data key decrypts it.
  kNone = 1,
};

// Limits of the opt-in decryption cache. An entry is the plaintext data key KMS Decrypt
// returned for exactly one (region, pinned key id, encryption context, ciphertext blob), so it
// is never handed out for another item, table, key value or description.
struct KmsDataKeyCacheLimits {
  std::size_t max_entries = 1'000;  // least recently used entries are evicted first
  std::chrono::steady_clock::duration max_age = std::chrono::minutes(5);  // since KMS answered
};

// Counters since the provider was made. A call is counted when it is sent, whether or not KMS
// answers it successfully.
struct KmsProviderMetrics {
  std::uint64_t generate_data_key_calls = 0;
  std::uint64_t decrypt_calls = 0;
  std::uint64_t failed_calls = 0;   // of the above, those that threw
  std::uint64_t cache_hits = 0;     // decryptions answered by the cache (no KMS call)
  std::uint64_t cache_misses = 0;   // decryptions that asked KMS while the cache was enabled
  friend bool operator==(const KmsProviderMetrics&, const KmsProviderMetrics&) = default;
};

using KmsClientFactory = std::function<std::shared_ptr<aws::KmsClient>(const std::string& region)>;

struct DirectKmsOptions {
  // Required: key id, key ARN, alias name ("alias/x") or alias ARN.
  std::string key_id;
  // The client for a key id that names no region, or names this client's region.
  std::shared_ptr<aws::KmsClient> kms;
  // Makes the client for the region named by a key or alias ARN when `kms` is null or for
  // another region. Called once, by create().
  KmsClientFactory kms_for_region;
  std::vector<std::string> grant_tokens;
  // Base material description, written into every item (as the Java provider does). Its
  // `amzn-ddb-env-alg` ("AES", "AES/128", "AES/192", "AES/256"; default "AES/256") and
  // `amzn-ddb-sig-alg` ("HmacSHA<n>/<bits>"; default "HmacSHA256/256") select the derived keys.
  MaterialDescription description;
  // Added to the KMS encryption context of every call. Not recorded in the items: the reader
  // must be configured with the same entries, and the reference libraries add none, so items
  // written with extra entries are readable only by ddbcrypt (or a reference provider
  // subclassed to add them). Leave empty for interoperable data. Must not use the names the
  // provider sets ("*amzn-ddb-env-alg*", "*amzn-ddb-sig-alg*", "*aws-kms-table*") nor,
  // per item, the key attribute names.
  aws::KmsEncryptionContext extra_encryption_context;
  KmsKeyPinning pinning = KmsKeyPinning::kConfiguredKey;
  // nullopt: every decryption calls KMS Decrypt (as the reference libraries do).
  std::optional<KmsDataKeyCacheLimits> decryption_cache;
  MaterialsClock clock;  // for the cache's max_age (tests)
};

class DirectKmsMaterialsProvider final : public MaterialsProvider {
 public:
  // ConfigError for an empty key id, no usable client for the key's region (or a factory that
  // returns null), unsupported algorithms in the description, extra context entries that
  // collide with the provider's own, or zero cache limits.
  [[nodiscard]] static std::unique_ptr<DirectKmsMaterialsProvider> create(
      DirectKmsOptions options);
  ~DirectKmsMaterialsProvider() override;
  DirectKmsMaterialsProvider(const DirectKmsMaterialsProvider&) = delete;
  DirectKmsMaterialsProvider& operator=(const DirectKmsMaterialsProvider&) = delete;

  // One KMS GenerateDataKey (NumberOfBytes 32). Throws KmsError, EncryptionError (key
  // attribute of an unsupported type or missing from the item), ConfigError (no table name).
  EncryptionMaterials encryption_materials(const EncryptionContext& context) const override;
  // One KMS Decrypt, or none on a cache hit. Throws KmsError, DecryptionError.
  DecryptionMaterials decryption_materials(const EncryptionContext& context) const override;

  [[nodiscard]] KmsProviderMetrics metrics() const noexcept;
  // Drops every cached data key (wiping it once no decryption in progress still holds it).
  void clear_cache() const;

  const std::string& key_id() const noexcept;
  // The region of the KMS client in use.
  const std::string& region() const noexcept;

  struct State;

 private:
  explicit DirectKmsMaterialsProvider(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ddbcrypt
