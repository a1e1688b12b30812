// RecordingKms: an aws::KmsClient that forwards every call to another client and keeps the
// complete GenerateDataKey and Decrypt requests (and, for tests that must recompute derived
// keys independently, copies of the plaintext data keys GenerateDataKey returned).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "ddbcrypt/aws/kms_client.h"

namespace ddbcrypt::testing {

class RecordingKms final : public aws::KmsClient {
 public:
  explicit RecordingKms(std::shared_ptr<aws::KmsClient> inner) : inner_(std::move(inner)) {}

  std::vector<aws::GenerateDataKeyRequest> generate_requests() const {
    std::lock_guard lock(mu_);
    return generate_requests_;
  }
  std::vector<aws::KmsDecryptRequest> decrypt_requests() const {
    std::lock_guard lock(mu_);
    return decrypt_requests_;
  }
  // Copies of the plaintext data keys, in call order.
  std::vector<SecretBytes> generated_keys() const {
    std::lock_guard lock(mu_);
    std::vector<SecretBytes> out;
    for (const SecretBytes& k : generated_keys_) out.push_back(k.clone());
    return out;
  }

  aws::KmsEncryptResult encrypt(const aws::KmsEncryptRequest& r) const override {
    return inner_->encrypt(r);
  }
  aws::KmsDecryptResult decrypt(const aws::KmsDecryptRequest& r) const override {
    {
      std::lock_guard lock(mu_);
      decrypt_requests_.push_back(r);
    }
    return inner_->decrypt(r);
  }
  aws::GenerateDataKeyResult generate_data_key(
      const aws::GenerateDataKeyRequest& r) const override {
    {
      std::lock_guard lock(mu_);
      generate_requests_.push_back(r);
    }
    aws::GenerateDataKeyResult result = inner_->generate_data_key(r);
    std::lock_guard lock(mu_);
    generated_keys_.push_back(result.plaintext.clone());
    return result;
  }
  aws::GenerateDataKeyWithoutPlaintextResult generate_data_key_without_plaintext(
      const aws::GenerateDataKeyRequest& r) const override {
    return inner_->generate_data_key_without_plaintext(r);
  }
  aws::ReEncryptResult re_encrypt(const aws::ReEncryptRequest& r) const override {
    return inner_->re_encrypt(r);
  }
  aws::KeyMetadata describe_key(const std::string& key_id) const override {
    return inner_->describe_key(key_id);
  }
  aws::KeyMetadata create_key(const aws::CreateKeyRequest& r) const override {
    return inner_->create_key(r);
  }
  void create_alias(const std::string& alias, const std::string& target) const override {
    inner_->create_alias(alias, target);
  }
  const std::string& region() const noexcept override { return inner_->region(); }

 private:
  std::shared_ptr<aws::KmsClient> inner_;
  mutable std::mutex mu_;
  mutable std::vector<aws::GenerateDataKeyRequest> generate_requests_;  // guarded by mu_
  mutable std::vector<aws::KmsDecryptRequest> decrypt_requests_;        // guarded by mu_
  mutable std::vector<SecretBytes> generated_keys_;                     // guarded by mu_
};

}  // namespace ddbcrypt::testing
