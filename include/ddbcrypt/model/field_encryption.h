// Field encryption: per-field KMS envelope encryption, stored as `ENC:<base64>` strings.
//
// A field declared with an `EncryptedAttribute` holds, in DynamoDB, a string attribute (S)
// `ENC:` + base64(envelope). Two envelope formats exist:
//
//   bound (version 0x02, the default)  ddbcrypt's own format (docs/bound-field-format.md).
//       Any DynamoDB value (S, N, B, sets, L, M, BOOL, NULL) can be encrypted. The ciphertext
//       is bound to the table, the attribute name and the item's primary key, so it cannot be
//       moved to another field, item or table; the whole header is authenticated; each value
//       gets its own HKDF-derived key, which also yields a key commitment checked before
//       decrypting; KMS Decrypt is pinned to the configured key.
//   pydynox (version 0x01)  the format of pydynox's EncryptedAttribute
//       (docs/spec/field-encryption.md), for fleets that mix ddbcrypt and pydynox. Strings
//       only, not bound to the item (a value copied to another item under the same key and
//       context still decrypts).
//
// Both fetch data keys with KMS GenerateDataKey (KeySpec AES_256) and recover them with KMS
// Decrypt, always passing the field's encryption context and the field's key id as KeyId.
//
// Modes (DESIGN.md, "Field encryption formats"):
//   ReadWrite  encrypts and decrypts.
//   WriteOnly  encrypts; `load` keeps the ciphertext, `decrypt` throws "Cannot decrypt in
//              WriteOnly mode"; KMS Decrypt is never called.
//   ReadOnly   decrypts; `encrypt` throws "Cannot encrypt in ReadOnly mode"; an unchanged
//              ciphertext is written back with `keep_ciphertext`.
// No mode ever returns plaintext for storage in an encrypted field.
//
// A stored value that is not an `ENC:` string is rejected unless the field's plaintext policy
// is PlaintextPolicy::kAcceptDuringMigration, in which case it is returned as it is.
//
// Errors: every failure to protect or recover a field value (wrong mode, corrupt or truncated
// value, value not encrypted, wrong binding, KMS refusals such as NotFoundException,
// AccessDeniedException, IncorrectKeyException or InvalidCiphertextException for a wrong
// context) is an EncryptionError, as pydynox reports them all as EncryptionException. The
// message starts with the reason, then names the model, field, table and KMS key id, and
// never contains the value. A failed KMS call is nested (std::throw_with_nested), so
// std::rethrow_if_nested recovers the KmsError with its code, status and request id; the AWS
// error code is also in the message. Unusable options are a ConfigError.
//
// Example:
//   auto fields = model::FieldEncryptor::create({.kms = aws::make_kms_client()});
//   model::EncryptedAttribute ssn{.key_id = "alias/app", .context = {{"app", "hr"}}};
//   Item key{{"pk", AttributeValue::S("user#1")}};
//   model::FieldBinding where{.model_name = "User", .table_name = "users",
//                             .attribute_name = "ssn", .key = key};
//   AttributeValue stored = fields->encrypt(ssn, where, AttributeValue::S("123-45-6789"));
//   AttributeValue back = fields->decrypt(ssn, where, stored);
//
// Thread-safety: FieldEncryptor is safe to share between threads; all methods may be called
// concurrently. EncryptedAttribute and FieldBinding are plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/model/data_key_cache.h"

namespace ddbcrypt::model {

// Values match pydynox's EncryptionMode. Never renumber.
enum class EncryptionMode : std::uint8_t {
  kReadWrite = 0,
  kWriteOnly = 1,
  kReadOnly = 2,
};

// Which envelope a field writes, and which it accepts on read.
enum class FieldFormat : std::uint8_t {
  // Writes and reads the bound format only.
  kBound = 0,
  // Writes pydynox's format; reads it and the bound format.
  kPydynox = 1,
  // Writes the bound format and still reads pydynox's: the migration step from kPydynox to
  // kBound. A pydynox value is not bound to its item, so leave this state once the data has
  // been re-encrypted.
  kBoundAcceptingPydynox = 2,
};

// What to do with a stored value that is not encrypted (not an `ENC:` string).
enum class PlaintextPolicy : std::uint8_t {
  // Fail: a plaintext in an encrypted field is an error (or an attacker's substitution).
  kReject = 0,
  // Return the value as it is, so that plaintext data can be migrated. Anyone who can write
  // the table can then substitute a chosen plaintext; use only while migrating.
  kAcceptDuringMigration = 1,
};

// How one field is encrypted. An aggregate: set it with designated initializers.
struct EncryptedAttribute {
  // KMS key: key id, key ARN, alias name ("alias/x") or alias ARN. Required.
  std::string key_id;
  EncryptionMode mode = EncryptionMode::kReadWrite;
  // Region of the KMS key; unset: the region in `key_id` when it is an ARN, else the region
  // of FieldEncryptorOptions::kms.
  std::optional<std::string> region;
  // KMS encryption context, sent on GenerateDataKey and Decrypt. Static per field: a reader
  // must use the same map as the writer. Keys must be non-empty.
  aws::KmsEncryptionContext context;
  FieldFormat format = FieldFormat::kBound;
  PlaintextPolicy plaintext_policy = PlaintextPolicy::kReject;
};

// Where a value lives. The bound format authenticates the table name, the attribute name and
// the primary key values, so a value decrypts only at the place it was written. Numbers in the
// key are bound by numeric value ("55.00" and "55" bind the same).
//
// A view: the strings and `key` must outlive the call it is passed to.
struct FieldBinding {
  std::string_view model_name;      // names the model in error messages; not bound
  std::string_view table_name;      // bound; required
  std::string_view attribute_name;  // bound; required
  // The item's primary key attributes only (partition key, and sort key if the table has
  // one), of types S, N or B. Bound; required for the bound format.
  const Item& key;
};

// How `load` handed a stored value to the model.
enum class FieldState : std::uint8_t {
  kDecrypted = 0,                 // `value` is the plaintext
  kCiphertextKept = 1,            // WriteOnly: `value` is the stored ciphertext, unchanged
  kPlaintextDuringMigration = 2,  // the stored value was not encrypted (policy allowed it)
};

struct LoadedField {
  AttributeValue value;
  FieldState state = FieldState::kDecrypted;
};

// One value of a batch (e.g. one encrypted field of one item of a query page). A view: the
// referenced objects must outlive the call.
struct FieldLoadRequest {
  const EncryptedAttribute& field;
  FieldBinding binding;
  const AttributeValue& stored;
};

// Counters of one KMS operation since the FieldEncryptor was made.
struct KmsOperationMetrics {
  std::uint64_t calls = 0;     // requests sent (including failed ones)
  std::uint64_t failures = 0;  // requests that ended in an error
  std::chrono::nanoseconds total_latency{0};
  std::chrono::nanoseconds max_latency{0};
};

// A snapshot of what a FieldEncryptor has done.
struct FieldMetrics {
  KmsOperationMetrics generate_data_key;
  KmsOperationMetrics decrypt;
  std::uint64_t values_encrypted = 0;
  std::uint64_t values_decrypted = 0;
  std::uint64_t encryption_cache_hits = 0;
  std::uint64_t encryption_cache_misses = 0;
  std::uint64_t decryption_cache_hits = 0;
  std::uint64_t decryption_cache_misses = 0;
};

struct FieldEncryptorOptions {
  // The KMS client for fields without a `region` (or with this client's region). Required.
  std::shared_ptr<aws::KmsClient> kms;
  // Makes the client for a field whose region (see EncryptedAttribute::region) differs from
  // `kms`'s; called once per region.
  // Unset: aws::make_kms_client with that region and the default configuration.
  std::function<std::shared_ptr<aws::KmsClient>(const std::string& region)> kms_for_region;
  // Data-key reuse on encryption; nullopt: one GenerateDataKey per value, as pydynox does.
  std::optional<DataKeyCacheLimits> encryption_cache = DataKeyCacheLimits{};
  // Plaintext data keys kept after KMS Decrypt; nullopt: one Decrypt per value.
  std::optional<DecryptionCacheLimits> decryption_cache = DecryptionCacheLimits{};
  // Largest number of KMS requests `load_batch`/`decrypt_batch` send at the same time.
  std::size_t max_concurrent_kms_calls = 8;
  // Time source of the caches (tests); empty: std::chrono::steady_clock::now.
  CacheClock clock;
};

class FieldEncryptor {
 public:
  // Throws ConfigError when `options.kms` is null or a limit is zero.
  [[nodiscard]] static std::unique_ptr<FieldEncryptor> create(FieldEncryptorOptions options);

  ~FieldEncryptor();
  FieldEncryptor(const FieldEncryptor&) = delete;
  FieldEncryptor& operator=(const FieldEncryptor&) = delete;

  // Encrypts a new value for storage at `where`; returns the S value `ENC:...`.
  // The bound format takes any valid value; the pydynox format only S (valid UTF-8).
  // KMS: one GenerateDataKey unless the encryption cache holds a usable data key.
  // Throws EncryptionError in ReadOnly mode ("Cannot encrypt in ReadOnly mode"), for a value
  // the format cannot hold, or when KMS fails; ConfigError for an unusable field or binding.
  [[nodiscard]] AttributeValue encrypt(const EncryptedAttribute& field, const FieldBinding& where,
                                       const AttributeValue& value) const;

  // Decrypts a stored value read from `where`.
  // KMS: one Decrypt unless the decryption cache holds the data key.
  // Throws EncryptionError in WriteOnly mode ("Cannot decrypt in WriteOnly mode", no KMS call),
  // for a corrupt, truncated, moved or not-encrypted value (unless the plaintext policy
  // accepts the latter, which is then returned as it is), or when KMS refuses.
  [[nodiscard]] AttributeValue decrypt(const EncryptedAttribute& field, const FieldBinding& where,
                                       const AttributeValue& stored) const;

  // What a model's load does with a stored value: decrypts it (ReadWrite, ReadOnly), or keeps
  // the ciphertext after checking its structure (WriteOnly, no KMS call). A plaintext value is
  // handled by the plaintext policy. Throws as `decrypt`, except for the WriteOnly refusal.
  [[nodiscard]] LoadedField load(const EncryptedAttribute& field, const FieldBinding& where,
                                 const AttributeValue& stored) const;

  // `load` for many values at once. Every value is checked (mode, policy, structure) before
  // any KMS request, and a malformed one fails the batch at once. Then distinct data keys
  // missing from the cache are decrypted by concurrent KMS requests (at most
  // max_concurrent_kms_calls at a time), each once, however many values share it. Results are
  // in request order. If a KMS request or a decryption fails, throws the error of the first
  // failing request (by index), after all KMS requests have ended.
  [[nodiscard]] std::vector<LoadedField> load_batch(
      std::span<const FieldLoadRequest> requests) const;

  // `decrypt` for many values at once (so WriteOnly fields throw); concurrency as load_batch.
  [[nodiscard]] std::vector<AttributeValue> decrypt_batch(
      std::span<const FieldLoadRequest> requests) const;

  // What a model's save does with a value it loaded and did not change: returns `stored` as
  // it is after checking that it is a structurally valid envelope of a format the field
  // accepts, without any KMS call. Allowed in every mode; in ReadOnly mode it is the only
  // way to write the field. Throws EncryptionError if `stored` is not encrypted (whatever
  // the plaintext policy: plaintext is never written into an encrypted field) or malformed.
  [[nodiscard]] AttributeValue keep_ciphertext(const EncryptedAttribute& field,
                                               const FieldBinding& where,
                                               const AttributeValue& stored) const;

  // True when `stored` is an S value starting with `ENC:`. Never throws.
  [[nodiscard]] static bool is_encrypted(const AttributeValue& stored) noexcept;

  [[nodiscard]] FieldMetrics metrics() const;

  // Drops every cached data key (e.g. after a key rotation).
  void clear_caches() const;

 private:
  struct Impl;
  explicit FieldEncryptor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ddbcrypt::model
