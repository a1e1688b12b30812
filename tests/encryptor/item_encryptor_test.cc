#include "ddbcrypt/encryptor/item_encryptor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "encryptor/encryptor_support.h"
#include "legacy/format.h"
#include "legacy/material_description.h"
#include "legacy/string_to_sign.h"

namespace ddbcrypt {
namespace {

using testing::expect_exact_throw;
using testing::make_config;
namespace lf = internal::legacy;

constexpr std::string_view kSecret = "top secret value";

Item sample_item() {
  return Item{
      {"pk", AttributeValue::S("user#1")},
      {"sk", AttributeValue::N("7")},
      {"secret", AttributeValue::S(std::string(kSecret))},
      {"blob", AttributeValue::B(Bytes{0, 1, 2, 3, 0xff})},
      {"public", AttributeValue::S("visible")},
      {"count", AttributeValue::N("12.50")},
      {"tags", AttributeValue::SS({"b", "a"})},
      {"nested", AttributeValue::M({{"l", AttributeValue::L({AttributeValue::Bool(true),
                                                             AttributeValue::Null()})}})},
      {"ignored", AttributeValue::S("left alone")},
  };
}

AttributeActions sample_actions() {
  return AttributeActions::create(CryptoAction::kEncryptAndSign,
                                  {{"public", CryptoAction::kSignOnly},
                                   {"count", CryptoAction::kSignOnly},
                                   {"ignored", CryptoAction::kDoNothing}});
}

struct ProviderCase {
  std::string name;
  std::shared_ptr<const MaterialsProvider> (*make)();
};

std::vector<ProviderCase> provider_cases() {
  return {
      {"static", [] { return testing::vector_static_provider(); }},
      {"wrapped_aes",
       [] { return testing::wrapped_aes_provider(testing::vector_aes_key(), testing::vector_hmac_key()); }},
      {"wrapped_rsa",
       [] { return testing::wrapped_rsa_provider(testing::vector_rsa_key(), testing::vector_rsa_key()); }},
      {"wrapped_rsa_oaep_sha1_pkcs1_sig384",
       [] {
         return testing::wrapped_rsa_provider(
             testing::vector_rsa_key(), testing::other_rsa_key(),
             {{"amzn-ddb-wrap-alg", "RSA/ECB/OAEPWithSHA-1AndMGF1Padding"}},
             HashAlgorithm::kSha384);
       }},
      {"wrapped_rsa_pkcs1",
       [] {
         return testing::wrapped_rsa_provider(testing::vector_rsa_key(), testing::vector_rsa_key(),
                                              {{"amzn-ddb-wrap-alg", "RSA/ECB/PKCS1Padding"}});
       }},
      {"wrapped_aes128_content_key",
       [] {
         return testing::wrapped_aes_provider(testing::vector_aes_key(), testing::vector_hmac_key(),
                                              {{"amzn-ddb-env-alg", "AES/128"}});
       }},
      {"most_recent", [] { return testing::most_recent_provider(); }},
  };
}

class EncryptorRoundTrip : public ::testing::TestWithParam<ProviderCase> {
 protected:
  CryptoConfig config_ = make_config(GetParam().make(), sample_actions());
};

TEST_P(EncryptorRoundTrip, EncryptsSignsAndDecryptsBack) {
  const Item plain = sample_item();
  const Item stored = encrypt_item(plain, config_);
  // Encrypted attributes are B ciphertexts; signed and ignored ones are unchanged.
  for (const char* name : {"secret", "blob", "tags", "nested"}) {
    ASSERT_TRUE(stored.at(name).is(AttributeValue::Type::kB)) << name;
    EXPECT_NE(stored.at(name), plain.at(name));
  }
  for (const char* name : {"pk", "sk", "public", "count", "ignored"}) {
    EXPECT_EQ(stored.at(name), plain.at(name)) << name;
  }
  EXPECT_TRUE(stored.at(std::string(kSignatureAttribute)).is(AttributeValue::Type::kB));
  const MaterialDescription description = lf::parse_material_description(
      stored.at(std::string(kMaterialDescriptionAttribute)).as_b());
  EXPECT_EQ(description.at("amzn-ddb-map-sym-mode"), "/CBC/PKCS5Padding");
  EXPECT_FALSE(description.at("amzn-ddb-map-signingAlg").empty());
  EXPECT_EQ(to_json(stored).find(kSecret), std::string::npos);

  EXPECT_EQ(decrypt_item(stored, config_), plain);
  Item moved = stored;
  EXPECT_EQ(decrypt_item(std::move(moved), config_), plain);
  Item plain_copy = plain;
  EXPECT_EQ(decrypt_item(encrypt_item(std::move(plain_copy), config_), config_), plain);
}

TEST_P(EncryptorRoundTrip, FreshCiphertextEveryTime) {
  const Item a = encrypt_item(sample_item(), config_);
  const Item b = encrypt_item(sample_item(), config_);
  EXPECT_NE(a.at("secret"), b.at("secret"));
}

TEST_P(EncryptorRoundTrip, FlippedBitInAnyEncryptedValueIsASignatureError) {
  const Item stored = encrypt_item(sample_item(), config_);
  for (const char* name : {"secret", "blob"}) {
    const Bytes& ct = stored.at(name).as_b();
    for (std::size_t bit = 0; bit < ct.size() * 8; bit += 7) {
      Item tampered = stored;
      Bytes changed = ct;
      changed[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      tampered[name] = AttributeValue::B(changed);
      const std::string message =
          expect_exact_throw<SignatureError>([&] { (void)decrypt_item(tampered, config_); });
      EXPECT_EQ(message.find(kSecret), std::string::npos);
    }
  }
}

TEST_P(EncryptorRoundTrip, FlippedBitInAnySignedValueIsASignatureError) {
  Item plain = sample_item();
  plain["public_blob"] = AttributeValue::B(Bytes{0x00, 0x7f, 0x80, 0xff, 0x10});
  const CryptoConfig config = make_config(
      config_.provider,
      AttributeActions::create(CryptoAction::kEncryptAndSign,
                               {{"public", CryptoAction::kSignOnly},
                                {"public_blob", CryptoAction::kSignOnly},
                                {"count", CryptoAction::kSignOnly},
                                {"ignored", CryptoAction::kDoNothing}}));
  const Item stored = encrypt_item(plain, config);
  for (const char* name : {"public", "public_blob", "pk"}) {
    const AttributeValue& value = stored.at(name);
    const Bytes bytes = value.is(AttributeValue::Type::kB) ? value.as_b() : to_bytes(value.as_s());
    for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
      Bytes changed = bytes;
      changed[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      Item tampered = stored;
      tampered[name] = value.is(AttributeValue::Type::kB)
                           ? AttributeValue::B(changed)
                           : AttributeValue::S(std::string(changed.begin(), changed.end()));
      const std::string message =
          expect_exact_throw<SignatureError>([&] { (void)decrypt_item(tampered, config); });
      EXPECT_EQ(message.find(kSecret), std::string::npos);
    }
  }
}

TEST_P(EncryptorRoundTrip, FlippedBitInTheSignatureIsASignatureError) {
  const Item stored = encrypt_item(sample_item(), config_);
  const Bytes& sig = stored.at(std::string(kSignatureAttribute)).as_b();
  // Every HMAC bit position is tried at some step; RSA (slow: one unwrap per try) is sampled.
  const std::size_t step = sig.size() > 64 ? 17 : 3;
  for (std::size_t bit = 0; bit < sig.size() * 8; bit += step) {
    Item tampered = stored;
    Bytes changed = sig;
    changed[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    tampered[std::string(kSignatureAttribute)] = AttributeValue::B(changed);
    expect_exact_throw<SignatureError>([&] { (void)decrypt_item(tampered, config_); });
  }
}

TEST_P(EncryptorRoundTrip, ChangedSignedValueIsASignatureError) {
  const Item stored = encrypt_item(sample_item(), config_);
  const std::vector<std::pair<std::string, AttributeValue>> changes = {
      {"public", AttributeValue::S("visiblf")},
      {"public", AttributeValue::S("visible ")},
      {"count", AttributeValue::N("12.51")},
      {"pk", AttributeValue::S("user#2")},
      {"sk", AttributeValue::N("8")},
      // Same text, other type: the type tag is signed too.
      {"public", AttributeValue::B(to_bytes("visible"))},
  };
  for (const auto& [name, value] : changes) {
    Item tampered = stored;
    tampered[name] = value;
    expect_exact_throw<SignatureError>([&] { (void)decrypt_item(tampered, config_); });
  }
  // Numbers are signed in canonical form: another spelling of the same value verifies.
  Item respelled = stored;
  respelled["count"] = AttributeValue::N("1.25E1");
  EXPECT_EQ(decrypt_item(respelled, config_).at("count"), AttributeValue::N("1.25E1"));
}

TEST_P(EncryptorRoundTrip, RemovedOrAddedSignedAttributeIsASignatureError) {
  const Item stored = encrypt_item(sample_item(), config_);
  for (const char* name : {"secret", "public", "pk", "sk"}) {
    Item tampered = stored;
    tampered.erase(name);
    expect_exact_throw<SignatureError>([&] { (void)decrypt_item(tampered, config_); });
  }
  Item added = stored;
  added["extra"] = AttributeValue::S("x");  // default action: encrypt, hence signed
  expect_exact_throw<SignatureError>([&] { (void)decrypt_item(added, config_); });
  // DO_NOTHING attributes are outside the signature (reference behaviour, spec §3).
  Item ignored = stored;
  ignored["ignored"] = AttributeValue::S("changed");
  EXPECT_EQ(decrypt_item(ignored, config_).at("ignored"), AttributeValue::S("changed"));
}

TEST_P(EncryptorRoundTrip, SwappedEncryptedValuesAreASignatureError) {
  const Item stored = encrypt_item(sample_item(), config_);
  Item swapped = stored;
  std::swap(swapped["secret"], swapped["blob"]);
  expect_exact_throw<SignatureError>([&] { (void)decrypt_item(swapped, config_); });

  Item other_plain = sample_item();
  other_plain["secret"] = AttributeValue::S("another secret");
  const Item other = encrypt_item(other_plain, config_);
  Item moved = stored;
  moved["secret"] = other.at("secret");
  expect_exact_throw<SignatureError>([&] { (void)decrypt_item(moved, config_); });
}

TEST_P(EncryptorRoundTrip, ChangedActionIsASignatureError) {
  const Item stored = encrypt_item(sample_item(), config_);
  const CryptoConfig sign_public_encrypted = make_config(
      config_.provider, AttributeActions::create(CryptoAction::kEncryptAndSign,
                                                 {{"count", CryptoAction::kSignOnly},
                                                  {"ignored", CryptoAction::kDoNothing}}));
  expect_exact_throw<SignatureError>([&] { (void)decrypt_item(stored, sign_public_encrypted); });
}

TEST_P(EncryptorRoundTrip, OtherTableNameIsASignatureError) {
  const Item stored = encrypt_item(sample_item(), config_);
  CryptoConfig other = config_;
  other.context.table_name = "Other";
  expect_exact_throw<SignatureError>([&] { (void)decrypt_item(stored, other); });
}

TEST_P(EncryptorRoundTrip, MissingSignatureIsADecryptionError) {
  Item stored = encrypt_item(sample_item(), config_);
  stored.erase(std::string(kSignatureAttribute));
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(stored, config_); });
  stored[std::string(kSignatureAttribute)] = AttributeValue::S("not binary");
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(stored, config_); });
}

TEST_P(EncryptorRoundTrip, MissingOrCorruptDescriptionIsADecryptionError) {
  const Item stored = encrypt_item(sample_item(), config_);
  const std::string desc(kMaterialDescriptionAttribute);
  const Bytes& good = stored.at(desc).as_b();
  std::vector<AttributeValue> bad_values = {
      AttributeValue::S("not binary"),
      AttributeValue::B(Bytes(good.begin(), good.end() - 1)),       // truncated pair
      AttributeValue::B(Bytes(good.begin(), good.begin() + 3)),     // truncated version
  };
  Bytes version1 = good;
  version1[3] = 1;  // unknown description version
  bad_values.push_back(AttributeValue::B(version1));
  for (const auto& bad : bad_values) {
    Item tampered = stored;
    tampered[desc] = bad;
    expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(tampered, config_); });
  }
  Item missing = stored;
  missing.erase(desc);
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(missing, config_); });
}

TEST_P(EncryptorRoundTrip, WrongSymModeIsADecryptionError) {
  const Item stored = encrypt_item(sample_item(), config_);
  const std::string desc(kMaterialDescriptionAttribute);
  MaterialDescription description = lf::parse_material_description(stored.at(desc).as_b());
  for (const char* mode : {"/CTR/NoPadding", "/ECB/PKCS5Padding", "", "/cbc/pkcs5padding"}) {
    description["amzn-ddb-map-sym-mode"] = mode;
    Item tampered = stored;
    tampered[desc] = AttributeValue::B(lf::serialize_material_description(description));
    expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(tampered, config_); });
  }
  description.erase("amzn-ddb-map-sym-mode");
  Item tampered = stored;
  tampered[desc] = AttributeValue::B(lf::serialize_material_description(description));
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(tampered, config_); });
}

INSTANTIATE_TEST_SUITE_P(Providers, EncryptorRoundTrip, ::testing::ValuesIn(provider_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(ItemEncryptor, WrongHmacKeyIsASignatureError) {
  const Item stored = encrypt_item(sample_item(), make_config(testing::vector_static_provider(),
                                                              sample_actions()));
  const auto other = testing::static_provider(
      testing::vector_aes_key(),
      HmacKey::create(HashAlgorithm::kSha256, SecretBytes::copy_of(Bytes(8, 9))));
  expect_exact_throw<SignatureError>(
      [&] { (void)decrypt_item(stored, make_config(other, sample_actions())); });
}

TEST(ItemEncryptor, WrongAesKeyIsADecryptionErrorWithoutPlaintext) {
  const Item stored = encrypt_item(sample_item(), make_config(testing::vector_static_provider(),
                                                              sample_actions()));
  for (std::uint8_t fill = 0; fill < 8; ++fill) {
    const auto other = testing::static_provider(
        AesKey::create(SecretBytes::copy_of(Bytes(16, fill))), testing::vector_hmac_key());
    const std::string message = expect_exact_throw<DecryptionError>(
        [&] { (void)decrypt_item(stored, make_config(other, sample_actions())); });
    EXPECT_EQ(message.find(kSecret), std::string::npos);
  }
}

TEST(ItemEncryptor, WrongUnwrappingKeyIsADecryptionError) {
  const Item aes_item = encrypt_item(
      sample_item(), make_config(testing::wrapped_aes_provider(testing::vector_aes_key(),
                                                               testing::vector_hmac_key()),
                                 sample_actions()));
  const auto other_aes = testing::wrapped_aes_provider(
      AesKey::create(SecretBytes::copy_of(Bytes(16, 1))), testing::vector_hmac_key());
  expect_exact_throw<DecryptionError>(
      [&] { (void)decrypt_item(aes_item, make_config(other_aes, sample_actions())); });

  const Item rsa_item = encrypt_item(
      sample_item(), make_config(testing::wrapped_rsa_provider(testing::vector_rsa_key(),
                                                               testing::vector_rsa_key()),
                                 sample_actions()));
  const auto other_rsa =
      testing::wrapped_rsa_provider(testing::other_rsa_key(), testing::vector_rsa_key());
  expect_exact_throw<DecryptionError>(
      [&] { (void)decrypt_item(rsa_item, make_config(other_rsa, sample_actions())); });
}

TEST(ItemEncryptor, WrongRsaVerificationKeyIsASignatureError) {
  const Item stored = encrypt_item(
      sample_item(), make_config(testing::wrapped_rsa_provider(testing::vector_rsa_key(),
                                                               testing::vector_rsa_key()),
                                 sample_actions()));
  const auto other =
      testing::wrapped_rsa_provider(testing::vector_rsa_key(), testing::other_rsa_key());
  expect_exact_throw<SignatureError>(
      [&] { (void)decrypt_item(stored, make_config(other, sample_actions())); });
}

TEST(ItemEncryptor, TamperedWrappedKeyIsADecryptionError) {
  const auto provider =
      testing::wrapped_aes_provider(testing::vector_aes_key(), testing::vector_hmac_key());
  const CryptoConfig config = make_config(provider, sample_actions());
  const Item stored = encrypt_item(sample_item(), config);
  const std::string desc(kMaterialDescriptionAttribute);
  const MaterialDescription good = lf::parse_material_description(stored.at(desc).as_b());
  auto with = [&](MaterialDescription d) {
    Item tampered = stored;
    tampered[desc] = AttributeValue::B(lf::serialize_material_description(d));
    return tampered;
  };
  MaterialDescription d = good;
  Bytes wrapped = base64_decode(good.at("amzn-ddb-env-key"));
  wrapped[3] ^= 1;
  d["amzn-ddb-env-key"] = base64_encode(wrapped);
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(with(d), config); });
  d = good;
  d.erase("amzn-ddb-env-key");
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(with(d), config); });
  d = good;
  d["amzn-ddb-wrap-alg"] = "AES/ECB/NoPadding";
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(with(d), config); });
  d = good;
  d["amzn-ddb-wrap-alg"] = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding";  // wrong key kind
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(with(d), config); });
  d = good;
  d.erase("amzn-ddb-wrap-alg");  // AES needs it (spec §12.2)
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(with(d), config); });
  d = good;
  d["amzn-ddb-env-alg"] = "DESede";
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(with(d), config); });
  // Java writes "AES" for the content key; both spellings read.
  d = good;
  d["amzn-ddb-env-alg"] = "AES";
  EXPECT_EQ(decrypt_item(with(d), config), sample_item());
}

// Early Java data has no amzn-ddb-wrap-alg: an RSA unwrapping key then means PKCS#1 v1.5
// (spec §12.2, D4).
TEST(ItemEncryptor, MissingWrapAlgorithmFallsBackToRsaPkcs1) {
  const auto provider = testing::wrapped_rsa_provider(
      testing::vector_rsa_key(), testing::vector_rsa_key(), {{"amzn-ddb-wrap-alg", "RSA"}});
  const CryptoConfig config = make_config(provider, sample_actions());
  const Item stored = encrypt_item(sample_item(), config);
  const std::string desc(kMaterialDescriptionAttribute);
  MaterialDescription d = lf::parse_material_description(stored.at(desc).as_b());
  EXPECT_EQ(d.at("amzn-ddb-wrap-alg"), "RSA/ECB/PKCS1Padding");
  d.erase("amzn-ddb-wrap-alg");
  Item legacy = stored;
  legacy[desc] = AttributeValue::B(lf::serialize_material_description(d));
  EXPECT_EQ(decrypt_item(legacy, config), sample_item());
}

TEST(ItemEncryptor, ReservedAttributeInPlaintextIsAConfigError) {
  const CryptoConfig config = make_config(testing::vector_static_provider(), sample_actions());
  for (std::string_view reserved : {kSignatureAttribute, kMaterialDescriptionAttribute}) {
    Item item = sample_item();
    item[std::string(reserved)] = AttributeValue::B({1});
    expect_exact_throw<ConfigError>([&] { (void)encrypt_item(item, config); });
  }
}

TEST(ItemEncryptor, PrimaryKeysAreSignedNotEncrypted) {
  const CryptoConfig config =
      make_config(testing::vector_static_provider(), AttributeActions::create());
  const Item stored = encrypt_item(sample_item(), config);
  EXPECT_EQ(stored.at("pk"), AttributeValue::S("user#1"));
  EXPECT_EQ(stored.at("sk"), AttributeValue::N("7"));
  Item tampered = stored;
  tampered["pk"] = AttributeValue::S("user#2");
  expect_exact_throw<SignatureError>([&] { (void)decrypt_item(tampered, config); });

  const CryptoConfig explicit_encrypt = make_config(
      testing::vector_static_provider(),
      AttributeActions::create(CryptoAction::kSignOnly, {{"sk", CryptoAction::kEncryptAndSign}}));
  expect_exact_throw<ConfigError>([&] { (void)encrypt_item(sample_item(), explicit_encrypt); });
  expect_exact_throw<ConfigError>([&] { (void)decrypt_item(stored, explicit_encrypt); });
}

TEST(ItemEncryptor, NoopConfigurationPassesItemsThrough) {
  const CryptoConfig config = make_config(testing::vector_static_provider(),
                                          AttributeActions::create(CryptoAction::kDoNothing));
  EXPECT_EQ(encrypt_item(sample_item(), config), sample_item());
  EXPECT_EQ(decrypt_item(sample_item(), config), sample_item());
}

TEST(ItemEncryptor, SignOnlyWithHmacOnlyMaterials) {
  const std::shared_ptr<const MaterialsProvider> provider = StaticMaterialsProvider::create(
      {.signing_key = SigningKey::hmac(testing::vector_hmac_key())});
  const CryptoConfig sign_only =
      make_config(provider, AttributeActions::create(CryptoAction::kSignOnly));
  const Item stored = encrypt_item(sample_item(), sign_only);
  const MaterialDescription d = lf::parse_material_description(
      stored.at(std::string(kMaterialDescriptionAttribute)).as_b());
  EXPECT_EQ(d.count("amzn-ddb-map-sym-mode"), 0u);  // no encryption key, no mode
  EXPECT_EQ(decrypt_item(stored, sign_only), sample_item());
  // A sign-only item without any description still verifies (Java omits an empty one).
  Item no_description = stored;
  no_description.erase(std::string(kMaterialDescriptionAttribute));
  EXPECT_EQ(decrypt_item(no_description, sign_only), sample_item());

  const CryptoConfig encrypting = make_config(provider, sample_actions());
  expect_exact_throw<ConfigError>([&] { (void)encrypt_item(sample_item(), encrypting); });
  // An item with encrypted attributes verifies with the HMAC key alone, then cannot be
  // decrypted.
  const Item encrypted = encrypt_item(
      sample_item(), make_config(testing::vector_static_provider(), sample_actions()));
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(encrypted, encrypting); });
}

TEST(ItemEncryptor, VerifyOnlyKeyCannotEncrypt) {
  const std::shared_ptr<const MaterialsProvider> provider = StaticMaterialsProvider::create(
      {.encryption_key = std::make_shared<const AesKey>(testing::vector_aes_key()),
       .signing_key = SigningKey::rsa_verify_only(HashAlgorithm::kSha256,
                                                  testing::vector_rsa_key().public_key())});
  expect_exact_throw<ConfigError>(
      [&] { (void)encrypt_item(sample_item(), make_config(provider, sample_actions())); });
}

TEST(ItemEncryptor, RequiresTableNameAndProvider) {
  CryptoConfig config = make_config(testing::vector_static_provider(), sample_actions(), "");
  expect_exact_throw<ConfigError>([&] { (void)encrypt_item(sample_item(), config); });
  expect_exact_throw<ConfigError>([&] { (void)decrypt_item(sample_item(), config); });
  config = make_config(nullptr, sample_actions());
  expect_exact_throw<ConfigError>([&] { (void)encrypt_item(sample_item(), config); });
}

// D5: numbers the two reference libraries sign differently.
TEST(ItemEncryptor, RefusesToSignDialectSensitiveNumbers) {
  const CryptoConfig config = make_config(
      testing::vector_static_provider(),
      AttributeActions::create(CryptoAction::kEncryptAndSign, {{"n", CryptoAction::kSignOnly}}));
  for (const char* n : {"-0", "-0.00", "12345678901234567890123456789"}) {
    Item item = sample_item();
    item["n"] = AttributeValue::N(n);
    expect_exact_throw<EncryptionError>([&] { (void)encrypt_item(item, config); });
    item["n"] = AttributeValue::M({{"inner", AttributeValue::NS({"1", n})}});
    expect_exact_throw<EncryptionError>([&] { (void)encrypt_item(item, config); });
    // Encrypted, they are fine: the ciphertext is what gets signed.
    item["secret"] = AttributeValue::N(n);
    item.erase("n");
    EXPECT_TRUE(equivalent(decrypt_item(encrypt_item(item, config), config).at("secret"),
                           AttributeValue::N(n)));
  }
}

// Written by dynamodb-encryption-sdk 3.3.0 (Python) with the vectors' static keys, all
// attributes SIGN_ONLY: Python signs "-0" and a 28-digit rounding of the long numbers.
TEST(ItemEncryptor, VerifiesPythonSignedDialectSensitiveNumbers) {
  const Item stored = parse_item_json(
      R"({"pk": {"S": "d5"}, "negzero": {"N": "-0"}, "long": {"N": "1234567890123456789012345678.95"}, )"
      R"("set": {"NS": ["12345678901234567890123456789", "1"]}, )"
      R"("*amzn-ddb-map-sig*": {"B": "+zY+G+AVe/5eGcjdPy7Pkk7YbhP6Fe/nOgcg5vAmRIY="}, )"
      R"("*amzn-ddb-map-desc*": {"B": "AAAAAAAAABdhbXpuLWRkYi1tYXAtc2lnbmluZ0FsZwAAAApIbWFjU0hBMjU2AAAAFWFtem4tZGRiLW1hcC1zeW0tbW9kZQAAABEvQ0JDL1BLQ1M1UGFkZGluZw=="}})");
  CryptoConfig config = make_config(testing::vector_static_provider(),
                                    AttributeActions::create(CryptoAction::kSignOnly), "Numbers");
  config.context.sort_key_name.reset();
  const Item plain = decrypt_item(stored, config);
  EXPECT_EQ(plain.at("negzero"), AttributeValue::N("-0"));
  EXPECT_EQ(plain.size(), 4u);
  Item tampered = stored;
  tampered["long"] = AttributeValue::N("1234567890123456789012345678.96");
  // Still rounds to the same 28 digits in Python's form: Python would accept it too.
  EXPECT_NO_THROW((void)decrypt_item(tampered, config));
  tampered["long"] = AttributeValue::N("1234567890123456789012345677.95");
  expect_exact_throw<SignatureError>([&] { (void)decrypt_item(tampered, config); });
}

// Java signs the exact forms (any zero as "0").
TEST(ItemEncryptor, VerifiesJavaSignedDialectSensitiveNumbers) {
  Item item{{"pk", AttributeValue::S("d5")},
            {"negzero", AttributeValue::N("-0")},
            {"long", AttributeValue::N("1234567890123456789012345678.95")}};
  lf::StringToSign sts("Numbers", lf::NumberDialect::kExact);
  for (const auto& [name, value] : item) sts.add(name, value, false);
  const Bytes signature = hmac(testing::vector_hmac_key(), sts.bytes());
  EXPECT_EQ(lf::normalize_number("-0"), "0");
  item[std::string(kSignatureAttribute)] = AttributeValue::B(signature);
  CryptoConfig config = make_config(testing::vector_static_provider(),
                                    AttributeActions::create(CryptoAction::kSignOnly), "Numbers");
  config.context.sort_key_name.reset();
  EXPECT_EQ(decrypt_item(item, config).at("long"),
            AttributeValue::N("1234567890123456789012345678.95"));
}

// Java writes the description in hash-map order and without signingAlg for HMAC, and an RSA
// verifier follows a described RSA hash (spec §8.2, D1, D2).
TEST(ItemEncryptor, ReadsJavaShapedDescriptions) {
  const CryptoConfig config = make_config(testing::vector_static_provider(), sample_actions());
  Item stored = encrypt_item(sample_item(), config);
  const std::string unsorted_hex =
      "00000000"
      "00000015" + hex_encode(as_bytes("amzn-ddb-map-sym-mode")) + "00000011" +
      hex_encode(as_bytes("/CBC/PKCS5Padding")) + "00000003" + hex_encode(as_bytes("zzz")) +
      "00000001" + hex_encode(as_bytes("1")) + "00000003" + hex_encode(as_bytes("aaa")) +
      "00000001" + hex_encode(as_bytes("2"));
  stored[std::string(kMaterialDescriptionAttribute)] = AttributeValue::B(hex_decode(unsorted_hex));
  EXPECT_EQ(decrypt_item(stored, config), sample_item());
}

TEST(ItemEncryptor, RsaVerifierFollowsDescribedRsaHash) {
  const auto signer = testing::wrapped_rsa_provider(testing::vector_rsa_key(),
                                                    testing::vector_rsa_key(), {},
                                                    HashAlgorithm::kSha512);
  const Item stored = encrypt_item(sample_item(), make_config(signer, sample_actions()));
  // Configured for SHA-256, reads SHA512withRSA from the description like Java does.
  const auto reader = testing::wrapped_rsa_provider(testing::vector_rsa_key(),
                                                    testing::vector_rsa_key());
  EXPECT_EQ(decrypt_item(stored, make_config(reader, sample_actions())), sample_item());
  // Without the description entry the configured hash is used, and it does not match.
  const std::string desc(kMaterialDescriptionAttribute);
  MaterialDescription d = lf::parse_material_description(stored.at(desc).as_b());
  d.erase("amzn-ddb-map-signingAlg");
  Item tampered = stored;
  tampered[desc] = AttributeValue::B(lf::serialize_material_description(d));
  expect_exact_throw<SignatureError>(
      [&] { (void)decrypt_item(tampered, make_config(reader, sample_actions())); });
  // An HMAC name in the description cannot switch an RSA key to another scheme.
  d["amzn-ddb-map-signingAlg"] = "HmacSHA256";
  tampered[desc] = AttributeValue::B(lf::serialize_material_description(d));
  expect_exact_throw<SignatureError>(
      [&] { (void)decrypt_item(tampered, make_config(reader, sample_actions())); });
}

TEST(ItemEncryptor, JsonVariantsRoundTrip) {
  const CryptoConfig config = make_config(testing::vector_static_provider(), sample_actions());
  const std::string json = to_json(sample_item());
  const std::string stored = encrypt_item_json(json, config);
  EXPECT_EQ(stored.find(kSecret), std::string::npos);
  EXPECT_EQ(parse_item_json(decrypt_item_json(stored, config)), sample_item());
  expect_exact_throw<FormatError>([&] { (void)encrypt_item_json("{not json", config); });
  expect_exact_throw<FormatError>([&] { (void)decrypt_item_json("[]", config); });
}

}  // namespace
}  // namespace ddbcrypt
