// FakeKms: an in-process aws::KmsClient for unit tests.
//
// It behaves as AWS KMS does for the parts ddbcrypt relies on, without a network:
//  * data keys are really encrypted, with AES-256-GCM under a master key per KMS key (derived
//    from the key id, so two FakeKms instances agree on the same ids), and the ciphertext
//    blob names its key;
//  * the encryption context is authenticated: Decrypt with a different context fails with
//    InvalidCiphertextException;
//  * Decrypt with a KeyId of another key fails with IncorrectKeyException (key pinning);
//  * all four key id forms work (id, key ARN, alias name, alias ARN); unknown keys give
//    NotFoundException, disabled keys DisabledException, denied operations
//    AccessDeniedException;
//  * GenerateDataKey requires exactly one of KeySpec and NumberOfBytes.
// Every call is counted per operation and recorded with its parameters, and an artificial
// latency can be set, so tests can assert which KMS calls a component makes and how many run
// at the same time.
//
// Blob layout (not KMS's): "FK" 0x01 | u8 id length | key id | nonce[12] | ciphertext | tag[16];
// the GCM associated data is the length-prefixed, sorted encryption context.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddbcrypt/aws/kms_client.h"

namespace ddbcrypt::testing {

struct RecordedKmsCall {
  std::string operation;  // "GenerateDataKey", "Decrypt", "Encrypt", ...
  std::optional<std::string> key_id;  // as sent; nullopt when the request had none
  aws::KmsEncryptionContext encryption_context;
  std::optional<std::string> key_spec;
  std::optional<int> number_of_bytes;
};

class FakeKms final : public aws::KmsClient {
 public:
  static constexpr std::string_view kAccount = "111122223333";

  explicit FakeKms(std::string region = "us-east-1");

  // Creates an enabled symmetric key and returns its key id. Ids are deterministic:
  // "00000000-0000-4000-8000-000000000001", then ...0002, and so on.
  std::string add_key(std::string description = "");
  // "arn:aws:kms:<region>:111122223333:key/<id>".
  [[nodiscard]] std::string key_arn(const std::string& key_id) const;
  // "alias/<name>" → key; throws KmsError(NotFoundException) for an unknown key.
  void add_alias(const std::string& alias_name, const std::string& key_id);
  void set_enabled(const std::string& key_id, bool enabled);
  // Makes `operation` ("Decrypt", "GenerateDataKey", ...) on `key_id` fail with
  // AccessDeniedException.
  void deny(const std::string& operation, const std::string& key_id);
  // The next `times` calls of `operation` fail with `error_code` (e.g. "ThrottlingException").
  void fail_next(const std::string& operation, const std::string& error_code, int times = 1);
  // Makes Decrypt of exactly `blob` under `key_id` and `context` return `plaintext`: for
  // vectors whose encrypted data key is a placeholder (spec/field-encryption.md §15).
  void register_blob(Bytes blob, const SecretBytes& plaintext, const std::string& key_id,
                     aws::KmsEncryptionContext context = {});
  // Every call sleeps this long before answering.
  void set_latency(std::chrono::milliseconds latency);

  [[nodiscard]] std::size_t calls(std::string_view operation) const;
  [[nodiscard]] std::size_t total_calls() const;
  // The largest number of calls that were in progress at the same time.
  [[nodiscard]] std::size_t max_in_flight() const;
  [[nodiscard]] std::vector<RecordedKmsCall> recorded_calls() const;
  void reset_counts();

  // aws::KmsClient
  [[nodiscard]] aws::KmsEncryptResult encrypt(const aws::KmsEncryptRequest& request) const override;
  [[nodiscard]] aws::KmsDecryptResult decrypt(const aws::KmsDecryptRequest& request) const override;
  [[nodiscard]] aws::GenerateDataKeyResult generate_data_key(
      const aws::GenerateDataKeyRequest& request) const override;
  [[nodiscard]] aws::GenerateDataKeyWithoutPlaintextResult generate_data_key_without_plaintext(
      const aws::GenerateDataKeyRequest& request) const override;
  [[nodiscard]] aws::ReEncryptResult re_encrypt(const aws::ReEncryptRequest& request) const override;
  [[nodiscard]] aws::KeyMetadata describe_key(const std::string& key_id) const override;
  [[nodiscard]] aws::KeyMetadata create_key(const aws::CreateKeyRequest& request) const override;
  void create_alias(const std::string& alias_name,
                    const std::string& target_key_id) const override;
  [[nodiscard]] const std::string& region() const noexcept override { return region_; }

 private:
  struct Key {
    std::string description;
    bool enabled = true;
  };
  struct RegisteredBlob {
    SecretBytes plaintext;
    std::string key_id;
    aws::KmsEncryptionContext context;
  };
  class CallScope;

  // Resolves any key id form to a key id; throws NotFoundException.
  std::string resolve(const std::string& key_ref) const;  // REQUIRES: mu_ held
  void check_usable(const std::string& operation, const std::string& key_id) const;  // mu_ held
  Bytes seal(const std::string& key_id, const SecretBytes& plaintext,
             const aws::KmsEncryptionContext& context) const;
  // Returns (plaintext, key id); throws as KMS Decrypt does.
  std::pair<SecretBytes, std::string> open(const Bytes& blob,
                                           const aws::KmsEncryptionContext& context,
                                           const std::optional<std::string>& pinned_key,
                                           const std::string& operation) const;
  std::string create_key_locked(std::string description) const;  // REQUIRES: mu_ held

  const std::string region_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Key> keys_;                  // guarded by mu_
  mutable std::map<std::string, std::string> aliases_;       // guarded by mu_
  std::set<std::pair<std::string, std::string>> denied_;     // guarded by mu_
  mutable std::map<std::string, std::pair<std::string, int>> failures_;  // guarded by mu_
  std::map<Bytes, RegisteredBlob> registered_;               // guarded by mu_
  mutable std::map<std::string, std::size_t, std::less<>> counts_;  // guarded by mu_
  mutable std::vector<RecordedKmsCall> recorded_;            // guarded by mu_
  std::chrono::milliseconds latency_{0};                     // guarded by mu_
  mutable std::atomic<std::size_t> in_flight_{0};
  mutable std::atomic<std::size_t> max_in_flight_{0};
  mutable std::atomic<std::size_t> request_ids_{0};
};

}  // namespace ddbcrypt::testing
