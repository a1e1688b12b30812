// KmsClient: the AWS KMS operations ddbcrypt uses (JSON protocol 1.1, spec/aws-wire.md §5).
//
// The interface is small so that providers and caches can be tested with a double, and so a
// user can route KMS calls through their own transport. `make_kms_client` returns the real
// client over ddbcrypt's HTTP transport.
//
// Key ids may be a key id, key ARN, alias name ("alias/x") or alias ARN. Plaintext data keys
// come back as SecretBytes. Errors: KmsError with AWS's code (NotFoundException,
// AccessDeniedException, InvalidCiphertextException, IncorrectKeyException,
// DisabledException, KMSInvalidStateException, ThrottlingException, ...).
//
// Thread-safety: clients are shared between threads; all methods may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ddbcrypt/aws/client_config.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/secret_bytes.h"

namespace ddbcrypt::aws {

using KmsEncryptionContext = std::map<std::string, std::string>;

struct KmsEncryptRequest {
  std::string key_id;
  const SecretBytes* plaintext = nullptr;  // non-owning; required
  KmsEncryptionContext encryption_context;
  std::vector<std::string> grant_tokens;
};
struct KmsEncryptResult {
  Bytes ciphertext_blob;
  std::string key_id;  // key ARN
};

struct KmsDecryptRequest {
  Bytes ciphertext_blob;
  KmsEncryptionContext encryption_context;
  std::optional<std::string> key_id;  // pins the key: KMS fails with IncorrectKeyException
  std::vector<std::string> grant_tokens;
};
struct KmsDecryptResult {
  SecretBytes plaintext;
  std::string key_id;  // key ARN that decrypted
};

struct GenerateDataKeyRequest {
  std::string key_id;
  std::optional<int> number_of_bytes;   // one of number_of_bytes / key_spec
  std::optional<std::string> key_spec;  // "AES_256", "AES_128"
  KmsEncryptionContext encryption_context;
  std::vector<std::string> grant_tokens;
};
struct GenerateDataKeyResult {
  SecretBytes plaintext;
  Bytes ciphertext_blob;
  std::string key_id;
};
struct GenerateDataKeyWithoutPlaintextResult {
  Bytes ciphertext_blob;
  std::string key_id;
};

struct ReEncryptRequest {
  Bytes ciphertext_blob;
  KmsEncryptionContext source_encryption_context;
  std::optional<std::string> source_key_id;
  std::string destination_key_id;
  KmsEncryptionContext destination_encryption_context;
  std::vector<std::string> grant_tokens;
};
struct ReEncryptResult {
  Bytes ciphertext_blob;
  std::string source_key_id;
  std::string key_id;
};

struct KeyMetadata {
  std::string key_id;
  std::string arn;
  bool enabled = false;
  std::string key_state;  // "Enabled", "Disabled", "PendingDeletion", ...
  std::string key_usage;  // "ENCRYPT_DECRYPT", ...
  std::string key_spec;   // "SYMMETRIC_DEFAULT", ...
  std::string description;
};

struct CreateKeyRequest {
  std::string description;
  std::string key_usage = "ENCRYPT_DECRYPT";
  std::string key_spec = "SYMMETRIC_DEFAULT";
};

class KmsClient {
 public:
  virtual ~KmsClient() = default;
  [[nodiscard]] virtual KmsEncryptResult encrypt(const KmsEncryptRequest& request) const = 0;
  [[nodiscard]] virtual KmsDecryptResult decrypt(const KmsDecryptRequest& request) const = 0;
  [[nodiscard]] virtual GenerateDataKeyResult generate_data_key(
      const GenerateDataKeyRequest& request) const = 0;
  [[nodiscard]] virtual GenerateDataKeyWithoutPlaintextResult
  generate_data_key_without_plaintext(const GenerateDataKeyRequest& request) const = 0;
  [[nodiscard]] virtual ReEncryptResult re_encrypt(const ReEncryptRequest& request) const = 0;
  [[nodiscard]] virtual KeyMetadata describe_key(const std::string& key_id) const = 0;
  [[nodiscard]] virtual KeyMetadata create_key(const CreateKeyRequest& request) const = 0;
  virtual void create_alias(const std::string& alias_name,
                            const std::string& target_key_id) const = 0;
  // The region this client sends requests to.
  [[nodiscard]] virtual const std::string& region() const noexcept = 0;
};

// The real client. Throws ConfigError when no region can be resolved.
[[nodiscard]] std::shared_ptr<KmsClient> make_kms_client(ClientConfig config = {});

}  // namespace ddbcrypt::aws
