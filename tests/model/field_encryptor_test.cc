// FieldEncryptor against the in-process FakeKms: modes, formats, bindings, policies, KMS
// parameters and errors, caches, batches and metrics.
#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <thread>

#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/model/field_encryption.h"
#include "model/field_format.h"
#include "model/field_value_codec.h"
#include "testing/fake_kms.h"
#include "testing/random_item.h"

namespace ddbcrypt::model {
namespace {

using namespace std::chrono_literals;
using AV = AttributeValue;
using testing::FakeKms;

constexpr std::string_view kSecret = "123-45-6789";

class FieldEncryptorTest : public ::testing::Test {
 protected:
  FieldEncryptorTest() {
    key_id = kms->add_key("app");
    other_key_id = kms->add_key("other");
    kms->add_alias("alias/app", key_id);
  }

  std::unique_ptr<FieldEncryptor> make(FieldEncryptorOptions options = {}) {
    if (!options.kms) options.kms = kms;
    return FieldEncryptor::create(std::move(options));
  }

  EncryptedAttribute field(EncryptionMode mode = EncryptionMode::kReadWrite,
                           FieldFormat format = FieldFormat::kBound) const {
    return EncryptedAttribute{.key_id = "alias/app",
                              .mode = mode,
                              .context = {{"app", "hr"}},
                              .format = format};
  }

  FieldBinding at(const Item& key, std::string_view attribute = "ssn",
                  std::string_view table = "users") const {
    return FieldBinding{.model_name = "User", .table_name = table, .attribute_name = attribute,
                        .key = key};
  }

  std::shared_ptr<FakeKms> kms = std::make_shared<FakeKms>("eu-west-1");
  std::string key_id;
  std::string other_key_id;
  const Item user1{{"pk", AV::S("user#1")}};
  const Item user2{{"pk", AV::S("user#2")}};
};

// The EncryptionError `body` throws; fails the test on any other outcome. Checks that the
// message never holds the secret.
template <class Body>
std::string encryption_error_of(Body&& body) {
  try {
    body();
  } catch (const EncryptionError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find(kSecret), std::string::npos) << what;
    return what;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected EncryptionError, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected EncryptionError, nothing was thrown";
  return {};
}

// The KmsError nested in an EncryptionError, if any.
template <class Body>
std::optional<std::string> nested_kms_code(Body&& body) {
  try {
    body();
  } catch (const EncryptionError& e) {
    try {
      std::rethrow_if_nested(e);
    } catch (const KmsError& kms) {
      return kms.error_code();
    } catch (...) {
    }
  }
  return std::nullopt;
}

// ---- round trips and KMS parameters ----

TEST_F(FieldEncryptorTest, RoundTripsValuesOfEveryTypeInTheBoundFormat) {
  const auto fields = make();
  std::mt19937_64 rng(6);
  for (int i = 0; i < 200; ++i) {
    const AV value = testing::random_value(rng, {.max_depth = 3});
    SCOPED_TRACE(to_json(value));
    const AV stored = fields->encrypt(field(), at(user1), value);
    ASSERT_TRUE(FieldEncryptor::is_encrypted(stored));
    EXPECT_EQ(fields->decrypt(field(), at(user1), stored), value);
  }
}

TEST_F(FieldEncryptorTest, BoundValueLayoutAndSize) {
  const auto fields = make();
  const AV stored = fields->encrypt(field(), at(user1), AV::S(std::string(kSecret)));
  const Bytes envelope = internal::from_stored_text(stored.as_s());
  EXPECT_EQ(envelope[0], 0x02);
  EXPECT_EQ(envelope[1], 0x01);
  const std::size_t edk = (std::size_t{envelope[2]} << 8) | envelope[3];
  // 96 bytes of overhead + the KMS blob + the encoded value (tag, u32 length, 11 bytes).
  EXPECT_EQ(envelope.size(), 96 + edk + 16);
  EXPECT_EQ(stored.as_s().size(), 4 + 4 * ((envelope.size() + 2) / 3));
}

TEST_F(FieldEncryptorTest, PydynoxFormatRoundTripsStringsWithPydynoxLayout) {
  const auto fields = make();
  const auto f = field(EncryptionMode::kReadWrite, FieldFormat::kPydynox);
  for (std::string text : {std::string(kSecret), std::string(), std::string("Hello 世界 🔐")}) {
    const AV stored = fields->encrypt(f, at(user1), AV::S(text));
    const Bytes envelope = internal::from_stored_text(stored.as_s());
    EXPECT_EQ(envelope[0], 0x01);
    const std::size_t edk = (std::size_t{envelope[1]} << 8) | envelope[2];
    EXPECT_EQ(envelope.size(), 31 + edk + text.size());  // spec §14: E = 31 + L + n
    EXPECT_EQ(fields->decrypt(f, at(user1), stored), AV::S(text));
  }
}

TEST_F(FieldEncryptorTest, SendsTheDocumentedKmsParameters) {
  const auto fields = make();
  const AV stored = fields->encrypt(field(), at(user1), AV::S("x"));
  fields->clear_caches();
  (void)fields->decrypt(field(), at(user1), stored);
  const auto calls = kms->recorded_calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].operation, "GenerateDataKey");
  EXPECT_EQ(calls[0].key_id, "alias/app");
  EXPECT_EQ(calls[0].key_spec, "AES_256");
  EXPECT_EQ(calls[0].number_of_bytes, std::nullopt);
  EXPECT_EQ(calls[0].encryption_context, (aws::KmsEncryptionContext{{"app", "hr"}}));
  EXPECT_EQ(calls[1].operation, "Decrypt");
  EXPECT_EQ(calls[1].key_id, "alias/app");  // pinned: KeyId is always sent
  EXPECT_EQ(calls[1].encryption_context, (aws::KmsEncryptionContext{{"app", "hr"}}));
}

TEST_F(FieldEncryptorTest, DecryptsPydynoxSpecVectors) {
  // spec/field-encryption.md §15 with the KMS step faked: the placeholder blob decrypts to the
  // spec's data key under the field's key and context.
  kms->register_blob(to_bytes("EDK-PLACEHOLDER!"),
                     SecretBytes::copy_of(hex_decode(
                         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")),
                     key_id, {{"app", "hr"}});
  const auto fields = make();
  const auto f = field(EncryptionMode::kReadWrite, FieldFormat::kPydynox);
  EXPECT_EQ(fields->decrypt(f, at(user1),
                            AV::S("ENC:AQAQRURLLVBMQUNFSE9MREVSIQABAgMEBQYHCAkKC3Yw5Tbx0O8tunmuNlo5"
                                  "ITrQiRQfRo5wqzOTrg==")),
            AV::S("123-45-6789"));
  EXPECT_EQ(fields->decrypt(f, at(user1),
                            AV::S("ENC:AQAQRURLLVBMQUNFSE9MREVSIQABAgMEBQYHCAkKC/TC2x3DiAWje5IXHF0K"
                                  "gcw=")),
            AV::S(""));
  EXPECT_EQ(fields->decrypt(f, at(user1),
                            AV::S("ENC:AQAQRURLLVBMQUNFSE9MREVSIcr+ur76ztut3sr4iMLGzErFWquj0OzIUVvt"
                                  "FqudXm2mmGwb1g6XRcFCTfAAjw==")),
            AV::S("Hello 世界 🔐"));
  // The same blob under another context is refused by KMS.
  auto wrong_context = f;
  wrong_context.context = {{"app", "payroll"}};
  EXPECT_EQ(nested_kms_code([&] {
              (void)fields->decrypt(wrong_context, at(user1),
                                    AV::S("ENC:AQAQRURLLVBMQUNFSE9MREVSIQABAgMEBQYHCAkKC3Yw5Tbx0O8t"
                                          "unmuNlo5ITrQiRQfRo5wqzOTrg=="));
            }),
            "InvalidCiphertextException");
}

TEST_F(FieldEncryptorTest, NonEncryptedDataKeysOfTheWrongSizeAreRefused) {
  kms->register_blob(to_bytes("SHORT-KEY-BLOB"), SecretBytes::copy_of(Bytes(16, 1)), key_id,
                     {{"app", "hr"}});
  const auto f = field(EncryptionMode::kReadWrite, FieldFormat::kPydynox);
  const Bytes envelope = internal::seal_pydynox(SecretBytes::copy_of(Bytes(32, 1)),
                                                to_bytes("SHORT-KEY-BLOB"), Bytes(12, 0),
                                                as_bytes("x"));
  const AV stored = AV::S(internal::to_stored_text(envelope));
  EXPECT_TRUE(encryption_error_of([&] { (void)make()->decrypt(f, at(user1), stored); })
                  .starts_with("Invalid key: KMS returned a data key of 16 bytes"));
}

// ---- modes ----

TEST_F(FieldEncryptorTest, ReadWriteEncryptsDecryptsLoadsAndBatches) {
  const auto fields = make();
  const auto f = field(EncryptionMode::kReadWrite);
  const AV stored = fields->encrypt(f, at(user1), AV::S(std::string(kSecret)));
  EXPECT_EQ(fields->decrypt(f, at(user1), stored), AV::S(std::string(kSecret)));
  const LoadedField loaded = fields->load(f, at(user1), stored);
  EXPECT_EQ(loaded.state, FieldState::kDecrypted);
  EXPECT_EQ(loaded.value, AV::S(std::string(kSecret)));
  const std::vector<FieldLoadRequest> batch{{.field = f, .binding = at(user1), .stored = stored}};
  EXPECT_EQ(fields->decrypt_batch(batch).at(0), AV::S(std::string(kSecret)));
  EXPECT_EQ(fields->load_batch(batch).at(0).state, FieldState::kDecrypted);
  EXPECT_EQ(fields->keep_ciphertext(f, at(user1), stored), stored);
}

TEST_F(FieldEncryptorTest, WriteOnlyEncryptsButNeverCallsKmsDecrypt) {
  for (FieldFormat format : {FieldFormat::kBound, FieldFormat::kPydynox}) {
    kms->reset_counts();
    const auto fields = make();
    const auto f = field(EncryptionMode::kWriteOnly, format);
    const AV stored = fields->encrypt(f, at(user1), AV::S(std::string(kSecret)));
    EXPECT_TRUE(FieldEncryptor::is_encrypted(stored));

    EXPECT_TRUE(encryption_error_of([&] { (void)fields->decrypt(f, at(user1), stored); })
                    .starts_with("Cannot decrypt in WriteOnly mode (model User, field ssn, "
                                 "table users, KMS key alias/app)"));
    const LoadedField loaded = fields->load(f, at(user1), stored);
    EXPECT_EQ(loaded.state, FieldState::kCiphertextKept);
    EXPECT_EQ(loaded.value, stored);
    const std::vector<FieldLoadRequest> batch{{.field = f, .binding = at(user1), .stored = stored},
                                              {.field = f, .binding = at(user1), .stored = stored}};
    const auto loaded_batch = fields->load_batch(batch);
    EXPECT_EQ(loaded_batch.at(1).state, FieldState::kCiphertextKept);
    EXPECT_EQ(loaded_batch.at(1).value, stored);
    EXPECT_THROW((void)fields->decrypt_batch(batch), EncryptionError);
    EXPECT_EQ(fields->keep_ciphertext(f, at(user1), stored), stored);

    EXPECT_EQ(kms->calls("Decrypt"), 0u);
    EXPECT_EQ(fields->metrics().decrypt.calls, 0u);
  }
}

TEST_F(FieldEncryptorTest, WriteOnlyLoadStillRejectsMalformedCiphertext) {
  const auto fields = make();
  const auto f = field(EncryptionMode::kWriteOnly);
  EXPECT_TRUE(encryption_error_of([&] { (void)fields->load(f, at(user1), AV::S("ENC:AwEAEAA=")); })
                  .starts_with("Unsupported envelope version: 3"));
  EXPECT_TRUE(encryption_error_of([&] { (void)fields->load(f, at(user1), AV::S("ENC:AQ==")); })
                  .starts_with("pydynox-format value"));
  EXPECT_TRUE(encryption_error_of([&] { (void)fields->load(f, at(user1), AV::S("ENC:AQ=")); })
                  .starts_with("Invalid base64: "));
  EXPECT_EQ(kms->total_calls(), 0u);
}

TEST_F(FieldEncryptorTest, ReadOnlyDecryptsButNeverProducesCiphertextForANewValue) {
  const auto writer = make();
  const AV stored = writer->encrypt(field(), at(user1), AV::S(std::string(kSecret)));
  kms->reset_counts();
  const auto fields = make();
  const auto f = field(EncryptionMode::kReadOnly);
  EXPECT_TRUE(encryption_error_of([&] {
                (void)fields->encrypt(f, at(user1), AV::S(std::string(kSecret)));
              }).starts_with("Cannot encrypt in ReadOnly mode (model User, field ssn"));
  EXPECT_EQ(kms->calls("GenerateDataKey"), 0u);
  EXPECT_EQ(fields->decrypt(f, at(user1), stored), AV::S(std::string(kSecret)));
  EXPECT_EQ(fields->load(f, at(user1), stored).value, AV::S(std::string(kSecret)));
  const std::vector<FieldLoadRequest> batch{{.field = f, .binding = at(user1), .stored = stored}};
  EXPECT_EQ(fields->decrypt_batch(batch).at(0), AV::S(std::string(kSecret)));
  EXPECT_EQ(fields->load_batch(batch).at(0).value, AV::S(std::string(kSecret)));
  // The unchanged ciphertext is written back as it is; plaintext never is, even while
  // migrating.
  EXPECT_EQ(fields->keep_ciphertext(f, at(user1), stored), stored);
  auto migrating = f;
  migrating.plaintext_policy = PlaintextPolicy::kAcceptDuringMigration;
  EXPECT_TRUE(encryption_error_of([&] {
                (void)fields->keep_ciphertext(migrating, at(user1), AV::S(std::string(kSecret)));
              }).starts_with("Value is not encrypted"));
  EXPECT_THROW((void)fields->encrypt(migrating, at(user1), AV::S("x")), EncryptionError);
  EXPECT_EQ(kms->calls("GenerateDataKey"), 0u);
}

// ---- bindings ----

TEST_F(FieldEncryptorTest, BoundValueCopiedElsewhereFailsToDecrypt) {
  const auto fields = make();
  const AV stored = fields->encrypt(field(), at(user1), AV::S(std::string(kSecret)));
  const Item user1_with_sk{{"pk", AV::S("user#1")}, {"sk", AV::S("a")}};
  for (const FieldBinding& elsewhere :
       {at(user1, "ssn_backup"), at(user2), at(user1, "ssn", "users_copy"), at(user1_with_sk)}) {
    SCOPED_TRACE(std::string(elsewhere.table_name) + "/" + std::string(elsewhere.attribute_name));
    EXPECT_EQ(encryption_error_of([&] { (void)fields->decrypt(field(), elsewhere, stored); }),
              "Decryption failed: aead::Error (model User, field " +
                  std::string(elsewhere.attribute_name) + ", table " +
                  std::string(elsewhere.table_name) + ", KMS key alias/app)");
  }
  EXPECT_EQ(fields->decrypt(field(), at(user1), stored), AV::S(std::string(kSecret)));
}

TEST_F(FieldEncryptorTest, NumericKeysBindByValue) {
  const auto fields = make();
  const Item written{{"pk", AV::S("t")}, {"sk", AV::N("55.00")}};
  const Item read_back{{"pk", AV::S("t")}, {"sk", AV::N("55")}};
  const AV stored = fields->encrypt(field(), at(written), AV::N(std::int64_t{7}));
  EXPECT_EQ(fields->decrypt(field(), at(read_back), stored), AV::N(std::int64_t{7}));
}

TEST_F(FieldEncryptorTest, PydynoxValueIsNotBoundToItsItem) {
  // The documented weakness of the pydynox format (spec §18.1): a copied value still decrypts.
  const auto fields = make();
  const auto f = field(EncryptionMode::kReadWrite, FieldFormat::kPydynox);
  const AV stored = fields->encrypt(f, at(user1), AV::S(std::string(kSecret)));
  EXPECT_EQ(fields->decrypt(f, at(user2, "other"), stored), AV::S(std::string(kSecret)));
}

TEST_F(FieldEncryptorTest, BoundFormatNeedsACompleteBinding) {
  const auto fields = make();
  const Item no_key;
  EXPECT_THROW((void)fields->encrypt(field(), at(no_key), AV::S("x")), ConfigError);
  EXPECT_THROW((void)fields->encrypt(field(), at(user1, "ssn", ""), AV::S("x")), ConfigError);
  EXPECT_EQ(kms->calls("GenerateDataKey"), 0u);
}

// ---- formats accepted on read ----

TEST_F(FieldEncryptorTest, FormatDecidesWhichVersionsAreRead) {
  const auto fields = make();
  const AV v1 = fields->encrypt(field(EncryptionMode::kReadWrite, FieldFormat::kPydynox),
                                at(user1), AV::S("one"));
  const AV v2 = fields->encrypt(field(), at(user1), AV::S("two"));
  EXPECT_TRUE(encryption_error_of([&] { (void)fields->decrypt(field(), at(user1), v1); })
                  .starts_with("pydynox-format value (version 1, not bound to its item) in a "
                               "field that requires the bound format"));
  const auto migrating = field(EncryptionMode::kReadWrite, FieldFormat::kBoundAcceptingPydynox);
  EXPECT_EQ(fields->decrypt(migrating, at(user1), v1), AV::S("one"));
  EXPECT_EQ(fields->decrypt(migrating, at(user1), v2), AV::S("two"));
  EXPECT_EQ(internal::from_stored_text(fields->encrypt(migrating, at(user1), AV::S("x")).as_s())[0],
            0x02);
  const auto pydynox = field(EncryptionMode::kReadWrite, FieldFormat::kPydynox);
  EXPECT_EQ(fields->decrypt(pydynox, at(user1), v2), AV::S("two"));
}

TEST_F(FieldEncryptorTest, PydynoxFormatHoldsOnlyValidUtf8Strings) {
  const auto fields = make();
  const auto f = field(EncryptionMode::kReadWrite, FieldFormat::kPydynox);
  EXPECT_TRUE(encryption_error_of([&] { (void)fields->encrypt(f, at(user1), AV::N(std::int64_t{5})); })
                  .starts_with("The pydynox format stores only strings (S); the value has type N"));
  EXPECT_THROW((void)fields->encrypt(f, at(user1), AV::S("\xc3\x28")), EncryptionError);
  EXPECT_THROW((void)fields->encrypt(f, at(user1), AV::S("\xed\xa0\x80")), EncryptionError);
  EXPECT_EQ(kms->calls("GenerateDataKey"), 0u);

  // A stored value whose plaintext is not UTF-8 (written by something else) fails on read.
  const SecretBytes data_key = SecretBytes::copy_of(Bytes(32, 9));
  kms->register_blob(to_bytes("BLOB"), data_key, key_id, {{"app", "hr"}});
  const AV bad = AV::S(internal::to_stored_text(
      internal::seal_pydynox(data_key, to_bytes("BLOB"), Bytes(12, 1), as_bytes("\xff\xfe"))));
  EXPECT_TRUE(encryption_error_of([&] { (void)fields->decrypt(f, at(user1), bad); })
                  .starts_with("Invalid UTF-8 in decrypted value"));
}

// ---- plaintext policy ----

TEST_F(FieldEncryptorTest, PlaintextIsRejectedByDefault) {
  const auto fields = make();
  for (const AV& plain : {AV::S(std::string(kSecret)), AV::N("12345"), AV::B(Bytes{1})}) {
    EXPECT_TRUE(encryption_error_of([&] { (void)fields->decrypt(field(), at(user1), plain); })
                    .starts_with("Value is not encrypted (type " +
                                 std::string(type_name(plain.type()))));
    EXPECT_THROW((void)fields->load(field(), at(user1), plain), EncryptionError);
    EXPECT_THROW((void)fields->load(field(EncryptionMode::kWriteOnly), at(user1), plain),
                 EncryptionError);
  }
  EXPECT_EQ(kms->total_calls(), 0u);
}

TEST_F(FieldEncryptorTest, PlaintextIsReturnedAsItIsDuringMigration) {
  const auto fields = make();
  for (EncryptionMode mode :
       {EncryptionMode::kReadWrite, EncryptionMode::kReadOnly, EncryptionMode::kWriteOnly}) {
    auto f = field(mode);
    f.plaintext_policy = PlaintextPolicy::kAcceptDuringMigration;
    const LoadedField loaded = fields->load(f, at(user1), AV::S("legacy"));
    EXPECT_EQ(loaded.value, AV::S("legacy"));
    EXPECT_EQ(loaded.state, FieldState::kPlaintextDuringMigration);
    EXPECT_EQ(fields->load(f, at(user1), AV::N("12")).value, AV::N("12"));
  }
  auto f = field();
  f.plaintext_policy = PlaintextPolicy::kAcceptDuringMigration;
  EXPECT_EQ(fields->decrypt(f, at(user1), AV::S("legacy")), AV::S("legacy"));
  // A plaintext that happens to start with "ENC:" is treated as ciphertext and fails loudly.
  EXPECT_THROW((void)fields->decrypt(f, at(user1), AV::S("ENC:hello")), EncryptionError);
  EXPECT_EQ(kms->total_calls(), 0u);
}

// ---- KMS errors ----

TEST_F(FieldEncryptorTest, WrongContextFailsWithTheKmsCodeNamed) {
  const auto fields = make();
  const AV stored = fields->encrypt(field(), at(user1), AV::S(std::string(kSecret)));
  auto reader = field();
  reader.context = {{"app", "payroll"}};
  const std::string message =
      encryption_error_of([&] { (void)fields->decrypt(reader, at(user1), stored); });
  EXPECT_NE(message.find("InvalidCiphertextException"), std::string::npos) << message;
  EXPECT_NE(message.find("model User, field ssn, table users, KMS key alias/app"),
            std::string::npos)
      << message;
  EXPECT_EQ(nested_kms_code([&] { (void)fields->decrypt(reader, at(user1), stored); }),
            "InvalidCiphertextException");
  auto no_context = field();
  no_context.context.clear();
  EXPECT_EQ(nested_kms_code([&] { (void)fields->decrypt(no_context, at(user1), stored); }),
            "InvalidCiphertextException");
}

TEST_F(FieldEncryptorTest, DecryptIsPinnedToTheConfiguredKey) {
  const auto fields = make();
  const AV stored = fields->encrypt(field(), at(user1), AV::S(std::string(kSecret)));
  auto reader = field();
  reader.key_id = other_key_id;
  EXPECT_EQ(nested_kms_code([&] { (void)fields->decrypt(reader, at(user1), stored); }),
            "IncorrectKeyException");
  // Other forms of the same key are accepted.
  for (const std::string& same : {key_id, kms->key_arn(key_id)}) {
    reader.key_id = same;
    EXPECT_EQ(fields->decrypt(reader, at(user1), stored), AV::S(std::string(kSecret)));
  }
}

TEST_F(FieldEncryptorTest, KmsRefusalsBecomeEncryptionErrors) {
  const auto fields = make();
  auto missing = field();
  missing.key_id = "alias/missing";
  EXPECT_TRUE(encryption_error_of([&] { (void)fields->encrypt(missing, at(user1), AV::S("x")); })
                  .starts_with("KMS GenerateDataKey failed: KMS key not found. Check the key ID "
                               "or alias. NotFoundException"));
  EXPECT_EQ(nested_kms_code([&] { (void)fields->encrypt(missing, at(user1), AV::S("x")); }),
            "NotFoundException");

  const AV stored = fields->encrypt(field(), at(user1), AV::S(std::string(kSecret)));
  fields->clear_caches();
  kms->deny("Decrypt", key_id);
  const std::string denied =
      encryption_error_of([&] { (void)fields->decrypt(field(), at(user1), stored); });
  EXPECT_NE(denied.find("AccessDeniedException"), std::string::npos) << denied;
  kms->deny("GenerateDataKey", key_id);
  EXPECT_EQ(nested_kms_code([&] { (void)fields->encrypt(field(), at(user2), AV::S("y")); }),
            "AccessDeniedException");

  kms->set_enabled(key_id, false);
  EXPECT_EQ(nested_kms_code([&] { (void)fields->decrypt(field(), at(user1), stored); }),
            "DisabledException");

  const FieldMetrics m = fields->metrics();
  EXPECT_GE(m.generate_data_key.failures, 2u);
  EXPECT_EQ(m.decrypt.failures, 2u);
}

TEST_F(FieldEncryptorTest, ThrottlingIsReportedWithItsCode) {
  const auto fields = make({.encryption_cache = std::nullopt});
  kms->fail_next("GenerateDataKey", "ThrottlingException");
  const std::string message =
      encryption_error_of([&] { (void)fields->encrypt(field(), at(user1), AV::S("x")); });
  EXPECT_NE(message.find("KMS request rate too high. ThrottlingException"), std::string::npos)
      << message;
  EXPECT_NO_THROW((void)fields->encrypt(field(), at(user1), AV::S("x")));
}

// ---- tampering through the whole service ----

Bytes envelope_of(const AV& stored) { return internal::from_stored_text(stored.as_s()); }
AV stored_of(ByteView envelope) { return AV::S(internal::to_stored_text(envelope)); }

TEST_F(FieldEncryptorTest, FlippingAnyBitOfEitherFormatIsAnEncryptionError) {
  const auto fields = make();
  for (FieldFormat format : {FieldFormat::kBound, FieldFormat::kPydynox}) {
    const auto f = field(EncryptionMode::kReadWrite, format);
    const AV stored = fields->encrypt(f, at(user1), AV::S(std::string(kSecret)));
    const Bytes envelope = envelope_of(stored);
    for (std::size_t i = 0; i < envelope.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes tampered = envelope;
        tampered[i] ^= static_cast<std::uint8_t>(1 << bit);
        EXPECT_THROW((void)fields->decrypt(f, at(user1), stored_of(tampered)), EncryptionError)
            << "format " << static_cast<int>(format) << " byte " << i << " bit " << bit;
      }
    }
    EXPECT_EQ(fields->decrypt(f, at(user1), stored), AV::S(std::string(kSecret)));
  }
}

TEST_F(FieldEncryptorTest, TruncatingEitherFormatAtAnyLengthIsAnEncryptionError) {
  const auto fields = make();
  for (FieldFormat format : {FieldFormat::kBound, FieldFormat::kPydynox}) {
    const auto f = field(EncryptionMode::kReadWrite, format);
    const Bytes envelope = envelope_of(fields->encrypt(f, at(user1), AV::S(std::string(kSecret))));
    for (std::size_t n = 0; n < envelope.size(); ++n) {
      EXPECT_THROW((void)fields->decrypt(f, at(user1), stored_of(ByteView(envelope).first(n))),
                   EncryptionError)
          << "length " << n;
    }
    // And truncations of the stored text itself (broken base64).
    const std::string text = fields->encrypt(f, at(user1), AV::S("abc")).as_s();
    for (std::size_t n = 0; n < text.size(); ++n) {
      EXPECT_THROW((void)fields->decrypt(f, at(user1), AV::S(text.substr(0, n))), EncryptionError)
          << "text length " << n;
    }
  }
}

TEST_F(FieldEncryptorTest, BoundFormatRejectsTruncatedValuesBeforeCallingKms) {
  const auto fields = make({.decryption_cache = std::nullopt});
  const Bytes envelope = envelope_of(fields->encrypt(field(), at(user1), AV::S("x")));
  kms->reset_counts();
  const std::size_t edk = (std::size_t{envelope[2]} << 8) | envelope[3];
  for (std::size_t n = 0; n < 96 + edk; ++n) {
    EXPECT_THROW((void)fields->decrypt(field(), at(user1), stored_of(ByteView(envelope).first(n))),
                 EncryptionError);
  }
  EXPECT_EQ(kms->calls("Decrypt"), 0u);
}

// ---- caches: KMS call counts ----

struct Counts {
  std::size_t generate = 0;
  std::size_t decrypt = 0;
};

Counts thousand_round_trips(const std::shared_ptr<FakeKms>& kms, FieldEncryptorOptions options,
                            const EncryptedAttribute& f) {
  options.kms = kms;
  const auto fields = FieldEncryptor::create(std::move(options));
  kms->reset_counts();
  std::vector<Item> keys;
  std::vector<AV> stored;
  for (int i = 0; i < 1000; ++i) keys.push_back({{"pk", AV::S("user#" + std::to_string(i))}});
  for (int i = 0; i < 1000; ++i) {
    const FieldBinding where{.model_name = "User", .table_name = "users",
                             .attribute_name = "ssn", .key = keys[i]};
    stored.push_back(fields->encrypt(f, where, AV::S("secret " + std::to_string(i))));
  }
  Counts c;
  c.generate = kms->calls("GenerateDataKey");
  for (int i = 0; i < 1000; ++i) {
    const FieldBinding where{.model_name = "User", .table_name = "users",
                             .attribute_name = "ssn", .key = keys[i]};
    EXPECT_EQ(fields->decrypt(f, where, stored[i]), AV::S("secret " + std::to_string(i)));
  }
  c.decrypt = kms->calls("Decrypt");
  EXPECT_EQ(fields->metrics().generate_data_key.calls, c.generate);
  EXPECT_EQ(fields->metrics().decrypt.calls, c.decrypt);
  return c;
}

TEST_F(FieldEncryptorTest, CachesTurnOneKmsCallPerValueIntoOnePerPeriod) {
  for (FieldFormat format : {FieldFormat::kBound, FieldFormat::kPydynox}) {
    const auto f = field(EncryptionMode::kReadWrite, format);
    const char* name = format == FieldFormat::kBound ? "bound" : "pydynox";
    const Counts on = thousand_round_trips(kms, {}, f);
    const Counts off = thousand_round_trips(
        kms, {.encryption_cache = std::nullopt, .decryption_cache = std::nullopt}, f);
    const Counts decrypt_only = thousand_round_trips(kms, {.encryption_cache = std::nullopt}, f);
    std::cout << "[kms calls] " << name << " format, 1000 encrypts + 1000 decrypts: "
              << "caches on: GenerateDataKey=" << on.generate << " Decrypt=" << on.decrypt
              << "; caches off: GenerateDataKey=" << off.generate << " Decrypt=" << off.decrypt
              << "; decrypt cache only: GenerateDataKey=" << decrypt_only.generate
              << " Decrypt=" << decrypt_only.decrypt << "\n";
    EXPECT_EQ(on.generate, 1u);
    EXPECT_EQ(on.decrypt, 1u);
    EXPECT_EQ(off.generate, 1000u);
    EXPECT_EQ(off.decrypt, 1000u);
    EXPECT_EQ(decrypt_only.generate, 1000u);
    EXPECT_EQ(decrypt_only.decrypt, 1000u);  // every value has its own data key
  }
}

TEST_F(FieldEncryptorTest, EncryptionCacheHonoursUseAndByteLimits) {
  const Counts by_uses = thousand_round_trips(kms, {.encryption_cache = DataKeyCacheLimits{
                                                        .max_uses = 100}},
                                              field());
  EXPECT_EQ(by_uses.generate, 10u);
  EXPECT_EQ(by_uses.decrypt, 10u);
  // Each encoded value is 5 + 10..12 bytes; 1000 bytes per key → 59..67 values per key.
  const Counts by_bytes = thousand_round_trips(kms, {.encryption_cache = DataKeyCacheLimits{
                                                         .max_bytes = 1000}},
                                               field());
  EXPECT_GE(by_bytes.generate, 15u);
  EXPECT_LE(by_bytes.generate, 17u);
}

TEST_F(FieldEncryptorTest, EncryptionCacheHonoursAge) {
  std::chrono::steady_clock::time_point now{};
  const auto fields = make({.clock = [&now] { return now; }});
  for (int minute = 0; minute < 12; ++minute) {
    for (int i = 0; i < 10; ++i) (void)fields->encrypt(field(), at(user1), AV::S("x"));
    now += 1min;
  }
  // Default max_age is 5 minutes: keys made at minutes 0, 5 and 10.
  EXPECT_EQ(kms->calls("GenerateDataKey"), 3u);
  const FieldMetrics m = fields->metrics();
  EXPECT_EQ(m.encryption_cache_misses, 3u);
  EXPECT_EQ(m.encryption_cache_hits, 117u);
  EXPECT_EQ(m.values_encrypted, 120u);
}

TEST_F(FieldEncryptorTest, ThreadsMissingTheCacheTogetherShareOneDataKey) {
  const auto fields = make();
  kms->set_latency(50ms);
  std::vector<std::thread> threads;
  std::vector<AV> stored(6);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] { stored[t] = fields->encrypt(field(), at(user1), AV::S("x")); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(kms->calls("GenerateDataKey"), 1u);
  EXPECT_EQ(fields->metrics().encryption_cache_misses, 1u);
  EXPECT_EQ(fields->metrics().encryption_cache_hits, 5u);
  kms->set_latency(0ms);
  for (const AV& s : stored) EXPECT_EQ(fields->decrypt(field(), at(user1), s), AV::S("x"));
}

TEST_F(FieldEncryptorTest, CachesNeverCrossKeysOrContexts) {
  const auto fields = make();
  auto other_context = field();
  other_context.context = {{"app", "payroll"}};
  auto other_key = field();
  other_key.key_id = other_key_id;
  const AV a = fields->encrypt(field(), at(user1), AV::S("a"));
  const AV b = fields->encrypt(other_context, at(user1), AV::S("b"));
  const AV c = fields->encrypt(other_key, at(user1), AV::S("c"));
  EXPECT_EQ(kms->calls("GenerateDataKey"), 3u);
  EXPECT_NE(envelope_of(a), envelope_of(b));
  // Each value decrypts only under its own configuration, even with its data key cached.
  EXPECT_EQ(fields->decrypt(field(), at(user1), a), AV::S("a"));
  EXPECT_EQ(fields->decrypt(other_context, at(user1), b), AV::S("b"));
  EXPECT_EQ(fields->decrypt(other_key, at(user1), c), AV::S("c"));
  EXPECT_EQ(nested_kms_code([&] { (void)fields->decrypt(other_context, at(user1), a); }),
            "InvalidCiphertextException");
  EXPECT_EQ(nested_kms_code([&] { (void)fields->decrypt(other_key, at(user1), a); }),
            "IncorrectKeyException");
  EXPECT_EQ(nested_kms_code([&] { (void)fields->decrypt(field(), at(user1), c); }),
            "IncorrectKeyException");
}

// ---- batches ----

TEST_F(FieldEncryptorTest, BatchDecryptsDistinctKeysConcurrentlyInOrder) {
  const auto writer = make({.encryption_cache = std::nullopt});
  std::vector<Item> keys;
  std::vector<AV> stored;
  for (int i = 0; i < 24; ++i) keys.push_back({{"pk", AV::S("user#" + std::to_string(i))}});
  for (int i = 0; i < 24; ++i) {
    stored.push_back(writer->encrypt(field(), at(keys[i]), AV::N(std::int64_t{i})));
  }
  // Repeats share a data key: one KMS call serves them.
  stored.push_back(stored[0]);
  keys.push_back(keys[0]);
  const auto f = field();
  std::vector<FieldLoadRequest> batch;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    batch.push_back({.field = f, .binding = at(keys[i]), .stored = stored[i]});
  }
  kms->reset_counts();
  kms->set_latency(30ms);
  const auto reader = make({.decryption_cache = std::nullopt, .max_concurrent_kms_calls = 6});
  const auto start = std::chrono::steady_clock::now();
  const auto values = reader->decrypt_batch(batch);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(values.size(), 25u);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(values[i], AV::N(std::int64_t{i}));
  EXPECT_EQ(values[24], AV::N(std::int64_t{0}));
  EXPECT_EQ(kms->calls("Decrypt"), 24u);
  EXPECT_GE(kms->max_in_flight(), 2u);
  EXPECT_LE(kms->max_in_flight(), 6u);
  EXPECT_LT(elapsed, 24 * 30ms);  // sequential would take at least 720 ms
  std::cout << "[kms calls] batch of 25 values, 24 distinct data keys: Decrypt=" << kms->calls("Decrypt")
            << ", at most " << kms->max_in_flight() << " in flight, "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
            << " ms with 30 ms per call\n";
  const FieldMetrics m = reader->metrics();
  EXPECT_EQ(m.decrypt.calls, 24u);
  EXPECT_GE(m.decrypt.max_latency, 30ms);
  EXPECT_GE(m.decrypt.total_latency, 24 * 30ms);
  EXPECT_EQ(m.values_decrypted, 25u);
}

TEST_F(FieldEncryptorTest, BatchFailsOnTheFirstBadValue) {
  const auto fields = make({.encryption_cache = std::nullopt, .decryption_cache = std::nullopt});
  const AV good = fields->encrypt(field(), at(user1), AV::S("ok"));
  const AV moved = fields->encrypt(field(), at(user2), AV::S("moved"));
  const AV corrupt = AV::S("ENC:AgE=");
  const auto f = field();
  kms->reset_counts();
  // A malformed value fails the batch before any KMS call.
  const std::vector<FieldLoadRequest> malformed{
      {.field = f, .binding = at(user1), .stored = good},
      {.field = f, .binding = at(user1), .stored = corrupt}};
  EXPECT_THROW((void)fields->decrypt_batch(malformed), EncryptionError);
  EXPECT_EQ(kms->calls("Decrypt"), 0u);
  // A value moved to another item fails after decryption; the error names it.
  const std::vector<FieldLoadRequest> with_moved{
      {.field = f, .binding = at(user1), .stored = good},
      {.field = f, .binding = at(user1, "ssn"), .stored = moved}};
  EXPECT_EQ(encryption_error_of([&] { (void)fields->decrypt_batch(with_moved); }),
            "Decryption failed: aead::Error (model User, field ssn, table users, KMS key "
            "alias/app)");
  // A KMS failure of any request fails the batch with its code.
  auto wrong_context = field();
  wrong_context.context = {{"x", "y"}};
  const std::vector<FieldLoadRequest> with_kms_failure{
      {.field = f, .binding = at(user1), .stored = good},
      {.field = wrong_context, .binding = at(user2), .stored = moved}};
  EXPECT_EQ(nested_kms_code([&] { (void)fields->load_batch(with_kms_failure); }),
            "InvalidCiphertextException");
}

TEST_F(FieldEncryptorTest, BatchMixesModesAndPolicies) {
  const auto fields = make();
  const AV stored = fields->encrypt(field(), at(user1), AV::S(std::string(kSecret)));
  const auto write_only = field(EncryptionMode::kWriteOnly);
  auto migrating = field();
  migrating.plaintext_policy = PlaintextPolicy::kAcceptDuringMigration;
  const AV legacy = AV::S("legacy");
  const auto rw = field();
  const std::vector<FieldLoadRequest> batch{
      {.field = rw, .binding = at(user1), .stored = stored},
      {.field = write_only, .binding = at(user1), .stored = stored},
      {.field = migrating, .binding = at(user1), .stored = legacy}};
  const auto loaded = fields->load_batch(batch);
  EXPECT_EQ(loaded[0].state, FieldState::kDecrypted);
  EXPECT_EQ(loaded[1].state, FieldState::kCiphertextKept);
  EXPECT_EQ(loaded[2].state, FieldState::kPlaintextDuringMigration);
  EXPECT_EQ(loaded[2].value, legacy);
}

// ---- service properties ----

TEST_F(FieldEncryptorTest, IsSafeToShareBetweenThreads) {
  const auto fields = make({.encryption_cache = DataKeyCacheLimits{.max_uses = 7},
                            .decryption_cache = DecryptionCacheLimits{.max_entries = 3}});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const Item key{{"pk", AV::S("thread#" + std::to_string(t))}};
      for (int i = 0; i < 100; ++i) {
        const AV value = AV::S(std::to_string(t) + "/" + std::to_string(i));
        const AV stored = fields->encrypt(field(), at(key), value);
        if (fields->decrypt(field(), at(key), stored) != value) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(fields->metrics().values_encrypted, 400u);
}

TEST_F(FieldEncryptorTest, FieldsInOtherRegionsUseTheirOwnClient) {
  auto east = std::make_shared<FakeKms>("us-east-1");
  const std::string east_key = east->add_key();
  int made = 0;
  const auto fields = make({.kms_for_region = [&](const std::string& region) {
    ++made;
    EXPECT_EQ(region, "us-east-1");
    return std::shared_ptr<aws::KmsClient>(east);
  }});
  EncryptedAttribute f{.key_id = east_key, .region = "us-east-1"};
  const AV stored = fields->encrypt(f, at(user1), AV::S("x"));
  EXPECT_EQ(fields->decrypt(f, at(user1), stored), AV::S("x"));
  EXPECT_EQ(made, 1);
  EXPECT_EQ(east->calls("GenerateDataKey"), 1u);
  EXPECT_EQ(kms->total_calls(), 0u);
  // A key ARN names its region.
  EncryptedAttribute by_arn{.key_id = east->key_arn(east_key)};
  EXPECT_EQ(fields->decrypt(by_arn, at(user1), fields->encrypt(by_arn, at(user1), AV::S("y"))),
            AV::S("y"));
  EXPECT_EQ(made, 1);
  EXPECT_EQ(east->calls("GenerateDataKey"), 2u);
  EXPECT_EQ(kms->total_calls(), 0u);
  // The region of the default client needs no factory.
  EncryptedAttribute same_region{.key_id = "alias/app", .region = "eu-west-1"};
  (void)fields->encrypt(same_region, at(user1), AV::S("x"));
  EXPECT_EQ(made, 1);
}

TEST_F(FieldEncryptorTest, RejectsUnusableConfiguration) {
  EXPECT_THROW((void)FieldEncryptor::create({}), ConfigError);
  EXPECT_THROW((void)make({.max_concurrent_kms_calls = 0}), ConfigError);
  EXPECT_THROW((void)make({.encryption_cache = DataKeyCacheLimits{.max_uses = 0}}), ConfigError);
  const auto fields = make();
  EXPECT_THROW((void)fields->encrypt(EncryptedAttribute{}, at(user1), AV::S("x")), ConfigError);
  EncryptedAttribute empty_context_key{.key_id = "alias/app", .context = {{"", "v"}}};
  EXPECT_THROW((void)fields->encrypt(empty_context_key, at(user1), AV::S("x")), ConfigError);
}

TEST_F(FieldEncryptorTest, Utf8CheckFollowsRust) {
  const auto fields = make();
  const auto f = field(EncryptionMode::kReadWrite, FieldFormat::kPydynox);
  const std::string ascii(37, 'a');
  for (const std::string& good :
       {ascii, ascii + "\xc3\xa9", "\xf0\x9f\x94\x90" + ascii, ascii + "\xef\xbf\xbf",
        std::string("\xf4\x8f\xbf\xbf")}) {
    EXPECT_NO_THROW((void)fields->encrypt(f, at(user1), AV::S(good)));
  }
  for (const std::string& bad :
       {ascii + "\x80", ascii + "\xc0\xaf", "\xe0\x80\xaf" + ascii, ascii + "\xed\xa0\x80",
        std::string("\xf4\x90\x80\x80"), ascii + "\xc3", std::string("\xf8\x88\x80\x80\x80")}) {
    EXPECT_THROW((void)fields->encrypt(f, at(user1), AV::S(bad)), EncryptionError);
  }
}

TEST(FieldEncryptorStatic, RecognisesEncryptedValues) {
  EXPECT_TRUE(FieldEncryptor::is_encrypted(AV::S("ENC:")));
  EXPECT_TRUE(FieldEncryptor::is_encrypted(AV::S("ENC:AQ==")));
  EXPECT_FALSE(FieldEncryptor::is_encrypted(AV::S("enc:AQ==")));
  EXPECT_FALSE(FieldEncryptor::is_encrypted(AV::S("")));
  EXPECT_FALSE(FieldEncryptor::is_encrypted(AV::B(to_bytes("ENC:AQ=="))));
  EXPECT_FALSE(FieldEncryptor::is_encrypted(AV::Null()));
}

}  // namespace
}  // namespace ddbcrypt::model
