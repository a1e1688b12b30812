// The real KmsClient against moto's KMS (tests/standins/standins.py): keys and aliases in all
// four key-id forms, data keys, the encryption context enforced on Decrypt, and the errors.
#include <string>

#include <gtest/gtest.h>

#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/error.h"
#include "testing/standins.h"

namespace ddbcrypt::aws {
namespace {

std::shared_ptr<KmsClient> moto_kms() {
  ClientConfig config;
  config.endpoint_override = *testing::kms_endpoint();
  return make_kms_client(config);
}

template <class F>
KmsError expect_kms_error(F&& f) {
  try {
    f();
  } catch (const KmsError& e) {
    return e;
  }
  ADD_FAILURE() << "no KmsError thrown";
  return KmsError(AwsErrorInfo{});
}

class MotoKms : public ::testing::Test {
 protected:
  void SetUp() override {
    DDBCRYPT_REQUIRE_STANDINS();
    kms_ = moto_kms();
    key_ = kms_->create_key({.description = "ddbcrypt integration test"});
    alias_ = "alias/" + testing::unique_name("it");
    kms_->create_alias(alias_, key_.key_id);
  }
  std::shared_ptr<KmsClient> kms_;
  KeyMetadata key_;
  std::string alias_;
};

TEST_F(MotoKms, DescribeKeyInEveryIdForm) {
  EXPECT_TRUE(key_.enabled);
  EXPECT_EQ(key_.key_usage, "ENCRYPT_DECRYPT");
  EXPECT_EQ(key_.arn.rfind("arn:aws:kms:us-east-1:", 0), 0u) << key_.arn;
  const std::string alias_arn = key_.arn.substr(0, key_.arn.find(":key/")) + ":" + alias_;
  for (const std::string& id : {key_.key_id, key_.arn, alias_, alias_arn}) {
    const KeyMetadata m = kms_->describe_key(id);
    EXPECT_EQ(m.arn, key_.arn) << id;
    EXPECT_EQ(m.key_id, key_.key_id) << id;
  }
  EXPECT_EQ(kms_->region(), "us-east-1");
}

TEST_F(MotoKms, EncryptDecryptWithContext) {
  const SecretBytes plaintext = SecretBytes::copy_of(as_bytes("attack at dawn"));
  const KmsEncryptionContext context{{"table", "users"}, {"pk", "user#1"}};
  const KmsEncryptResult encrypted =
      kms_->encrypt({.key_id = alias_, .plaintext = &plaintext, .encryption_context = context});
  EXPECT_EQ(encrypted.key_id, key_.arn);  // responses name the key ARN, never the alias

  const KmsDecryptResult decrypted =
      kms_->decrypt({.ciphertext_blob = encrypted.ciphertext_blob,
                     .encryption_context = context,
                     .key_id = key_.arn});
  EXPECT_EQ(decrypted.plaintext, plaintext);
  EXPECT_EQ(decrypted.key_id, key_.arn);

  // Any difference in the context fails, and so does no context.
  for (const KmsEncryptionContext& wrong :
       {KmsEncryptionContext{{"table", "users"}, {"pk", "user#2"}},
        KmsEncryptionContext{{"table", "users"}}, KmsEncryptionContext{}}) {
    const KmsError e = expect_kms_error([&] {
      (void)kms_->decrypt({.ciphertext_blob = encrypted.ciphertext_blob,
                           .encryption_context = wrong});
    });
    EXPECT_EQ(e.error_code(), "InvalidCiphertextException");
    EXPECT_FALSE(e.retryable());
    EXPECT_EQ(e.attempts(), 1);
  }
}

TEST_F(MotoKms, DataKeysAndReEncrypt) {
  const KmsEncryptionContext context{{"purpose", "data-key"}};
  const GenerateDataKeyResult dk =
      kms_->generate_data_key({.key_id = key_.key_id, .key_spec = "AES_256",
                               .encryption_context = context});
  EXPECT_EQ(dk.plaintext.size(), 32u);
  EXPECT_EQ(dk.key_id, key_.arn);
  const KmsDecryptResult back =
      kms_->decrypt({.ciphertext_blob = dk.ciphertext_blob, .encryption_context = context});
  EXPECT_EQ(back.plaintext, dk.plaintext);

  const GenerateDataKeyResult sized =
      kms_->generate_data_key({.key_id = alias_, .number_of_bytes = 64});
  EXPECT_EQ(sized.plaintext.size(), 64u);

  const GenerateDataKeyWithoutPlaintextResult blind =
      kms_->generate_data_key_without_plaintext({.key_id = alias_, .key_spec = "AES_128"});
  EXPECT_EQ(kms_->decrypt({.ciphertext_blob = blind.ciphertext_blob}).plaintext.size(), 16u);

  const KeyMetadata other = kms_->create_key({.description = "rotation target"});
  const ReEncryptResult moved = kms_->re_encrypt({.ciphertext_blob = dk.ciphertext_blob,
                                                  .source_encryption_context = context,
                                                  .destination_key_id = other.key_id,
                                                  .destination_encryption_context = {{"v", "2"}}});
  EXPECT_EQ(moved.key_id, other.arn);
  const KmsDecryptResult moved_back = kms_->decrypt(
      {.ciphertext_blob = moved.ciphertext_blob, .encryption_context = {{"v", "2"}}});
  EXPECT_EQ(moved_back.plaintext, dk.plaintext);
  EXPECT_EQ(moved_back.key_id, other.arn);
}

TEST_F(MotoKms, ErrorsNameTheProblem) {
  const KmsError missing = expect_kms_error([&] { (void)kms_->describe_key("alias/does-not-exist-ddbcrypt"); });
  EXPECT_EQ(missing.error_code(), "NotFoundException");
  EXPECT_EQ(missing.http_status(), 400);

  const SecretBytes plaintext = SecretBytes::copy_of(as_bytes("x"));
  const KmsEncryptResult encrypted = kms_->encrypt({.key_id = key_.key_id, .plaintext = &plaintext});
  const KeyMetadata other = kms_->create_key({});
  // Pinned to another key: real KMS says IncorrectKeyException, moto AccessDeniedException.
  const KmsError pinned = expect_kms_error([&] {
    (void)kms_->decrypt({.ciphertext_blob = encrypted.ciphertext_blob, .key_id = other.arn});
  });
  EXPECT_TRUE(pinned.error_code() == "IncorrectKeyException" ||
              pinned.error_code() == "AccessDeniedException")
      << pinned.error_code();

  const KmsError garbage = expect_kms_error([&] {
    (void)kms_->decrypt({.ciphertext_blob = Bytes(20, 7)});
  });
  EXPECT_EQ(garbage.error_code(), "InvalidCiphertextException");

  const SecretBytes too_big = SecretBytes::zeroed(4097);
  const KmsError big = expect_kms_error([&] {
    (void)kms_->encrypt({.key_id = key_.key_id, .plaintext = &too_big});
  });
  EXPECT_EQ(big.error_code(), "ValidationException");
}

}  // namespace
}  // namespace ddbcrypt::aws
