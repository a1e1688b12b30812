#include "ddbcrypt/materials/direct_kms_provider.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <set>
#include <thread>

#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "encryptor/encryptor_support.h"
#include "legacy/material_description.h"
#include "legacy/vector_files.h"
#include "materials/kms_data_key_cache.h"
#include "testing/fake_kms.h"
#include "testing/legacy_vector_items.h"
#include "testing/recording_kms.h"

namespace ddbcrypt {
namespace {

using testing::expect_exact_throw;
using testing::FakeKms;
using testing::RecordingKms;
using testing::VectorItem;

constexpr std::string_view kDesc = kMaterialDescriptionAttribute;

Item sample(std::string pk = "a", std::string sk = "007.50") {
  return Item{{"pk", AttributeValue::S(std::move(pk))},
              {"sk", AttributeValue::N(std::move(sk))},
              {"secret", AttributeValue::S("value")},
              {"blob", AttributeValue::B(Bytes{1, 2, 3})}};
}

MaterialDescription description_of(const Item& stored) {
  return internal::legacy::parse_material_description(stored.at(std::string(kDesc)).as_b());
}

Item with_description(Item stored, const MaterialDescription& d) {
  stored[std::string(kDesc)] =
      AttributeValue::B(internal::legacy::serialize_material_description(d));
  return stored;
}

struct Kms {
  std::shared_ptr<FakeKms> fake = std::make_shared<FakeKms>("us-east-1");
  std::shared_ptr<RecordingKms> recording = std::make_shared<RecordingKms>(fake);
  std::string key = fake->add_key("items");
};

std::shared_ptr<const DirectKmsMaterialsProvider> provider(const Kms& kms,
                                                          DirectKmsOptions o = {}) {
  if (o.key_id.empty()) o.key_id = kms.key;
  if (!o.kms) o.kms = kms.recording;
  return DirectKmsMaterialsProvider::create(std::move(o));
}

// HKDF-SHA256 (RFC 5869) from HMAC alone, so the test does not rely on the library's hkdf():
// PRK = HMAC(32 zero bytes, ikm); T(i) = HMAC(PRK, T(i-1) || info || i).
SecretBytes reference_hkdf(const SecretBytes& ikm, std::string_view info, std::size_t length) {
  const HmacKey salt = HmacKey::create(HashAlgorithm::kSha256, SecretBytes::copy_of(Bytes(32, 0)));
  const Bytes prk = hmac(salt, ikm.expose_secret());
  const HmacKey expand = HmacKey::create(HashAlgorithm::kSha256, SecretBytes::copy_of(prk));
  Bytes out;
  Bytes t;
  for (std::uint8_t i = 1; out.size() < length; ++i) {
    Bytes input = t;
    input.insert(input.end(), info.begin(), info.end());
    input.push_back(i);
    t = hmac(expand, input);
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(length);
  return SecretBytes::copy_of(out);
}

TEST(DirectKmsProvider, SendsTheReferenceContextAndWritesTheReferenceDescription) {
  const Kms kms;
  const CryptoConfig config = testing::make_config(provider(kms, {.grant_tokens = {"gt1"}}));
  const Item stored = encrypt_item(sample(), config);

  const auto generated = kms.recording->generate_requests();
  ASSERT_EQ(generated.size(), 1u);
  EXPECT_EQ(generated[0].key_id, kms.key);
  EXPECT_EQ(generated[0].number_of_bytes, 32);
  EXPECT_FALSE(generated[0].key_spec.has_value());
  EXPECT_EQ(generated[0].grant_tokens, std::vector<std::string>{"gt1"});
  // Spec §12.3; the N key value goes in exactly as stored ("007.50", not "7.5").
  const aws::KmsEncryptionContext expected{{"*amzn-ddb-env-alg*", "AES/256"},
                                           {"*amzn-ddb-sig-alg*", "HmacSHA256/256"},
                                           {"pk", "a"},
                                           {"sk", "007.50"},
                                           {"*aws-kms-table*", "Table"}};
  EXPECT_EQ(generated[0].encryption_context, expected);

  const MaterialDescription d = description_of(stored);
  const Bytes blob = base64_decode(d.at("amzn-ddb-env-key"));
  EXPECT_FALSE(blob.empty());
  EXPECT_EQ(d, (MaterialDescription{{"amzn-ddb-env-key", d.at("amzn-ddb-env-key")},
                                    {"amzn-ddb-env-alg", "AES/256"},
                                    {"amzn-ddb-sig-alg", "HmacSHA256/256"},
                                    {"amzn-ddb-wrap-alg", "kms"},
                                    {"aws-kms-ec-attr", "*keys*"},
                                    {"amzn-ddb-map-sym-mode", "/CBC/PKCS5Padding"},
                                    {"amzn-ddb-map-signingAlg", "HmacSHA256"}}));
  EXPECT_EQ(stored.at("*amzn-ddb-map-sig*").as_b().size(), 32u);

  EXPECT_EQ(decrypt_item(stored, config), sample());
  const auto decrypted = kms.recording->decrypt_requests();
  ASSERT_EQ(decrypted.size(), 1u);
  EXPECT_EQ(decrypted[0].ciphertext_blob, blob);
  EXPECT_EQ(decrypted[0].encryption_context, expected);
  EXPECT_EQ(decrypted[0].key_id, std::optional<std::string>(kms.key));  // pinned
  EXPECT_EQ(decrypted[0].grant_tokens, std::vector<std::string>{"gt1"});
}

TEST(DirectKmsProvider, DerivesKeysWithHkdfFromTheDataKey) {
  for (const auto& [enc, sig, enc_bytes, sig_bytes, hash] :
       {std::tuple{"AES/256", "HmacSHA256/256", 32u, 32u, HashAlgorithm::kSha256},
        std::tuple{"AES/128", "HmacSHA384/384", 16u, 48u, HashAlgorithm::kSha384},
        std::tuple{"AES", "HmacSHA512", 32u, 32u, HashAlgorithm::kSha512}}) {
    SCOPED_TRACE(std::string(enc) + " " + sig);
    const Kms kms;
    const CryptoConfig config = testing::make_config(
        provider(kms, {.description = {{"amzn-ddb-env-alg", enc}, {"amzn-ddb-sig-alg", sig}}}));
    const Item stored = encrypt_item(sample(), config);
    EXPECT_EQ(description_of(stored).at("amzn-ddb-env-alg"), enc);
    EXPECT_EQ(description_of(stored).at("amzn-ddb-sig-alg"), sig);
    EXPECT_EQ(kms.recording->generate_requests().at(0).encryption_context.at("*amzn-ddb-env-alg*"),
              enc);

    // Keys recomputed from the data key KMS handed out open the item without KMS.
    const auto data_keys = kms.recording->generated_keys();
    ASSERT_EQ(data_keys.size(), 1u);
    const CryptoConfig independent = testing::make_config(testing::static_provider(
        AesKey::create(reference_hkdf(data_keys[0], "Encryption", enc_bytes)),
        HmacKey::create(hash, reference_hkdf(data_keys[0], "Signing", sig_bytes))));
    EXPECT_EQ(decrypt_item(stored, independent), sample());
    EXPECT_EQ(decrypt_item(stored, config), sample());
  }
}

TEST(DirectKmsProvider, CopiesBaseAndContextDescriptionEntries) {
  const Kms kms;
  CryptoConfig config = testing::make_config(
      provider(kms, {.description = {{"app", "orders"}, {"amzn-ddb-wrap-alg", "ignored"}}}));
  config.context.material_description = {{"from-context", "1"}};
  const MaterialDescription d = description_of(encrypt_item(sample(), config));
  EXPECT_EQ(d.at("app"), "orders");
  EXPECT_EQ(d.at("from-context"), "1");
  EXPECT_EQ(d.at("amzn-ddb-wrap-alg"), "kms");  // the provider's own entries win
}

TEST(DirectKmsProvider, KeyValuesOfEachTypeGoIntoTheContext) {
  const Kms kms;
  const auto p = provider(kms);
  CryptoConfig config = testing::make_config(p);
  Item item = sample();
  item["pk"] = AttributeValue::B(Bytes{0xff, 0x00, 0x10});
  item["sk"] = AttributeValue::S("x");
  EXPECT_EQ(decrypt_item(encrypt_item(item, config), config), item);
  EXPECT_EQ(kms.recording->generate_requests().at(0).encryption_context.at("pk"), "/wAQ");

  config.context.sort_key_name.reset();
  item.erase("sk");
  (void)encrypt_item(item, config);
  EXPECT_EQ(kms.recording->generate_requests().at(1).encryption_context,
            (aws::KmsEncryptionContext{{"*amzn-ddb-env-alg*", "AES/256"},
                                       {"*amzn-ddb-sig-alg*", "HmacSHA256/256"},
                                       {"pk", "/wAQ"},
                                       {"*aws-kms-table*", "Table"}}));
}

TEST(DirectKmsProvider, RefusesKeyAttributesItCannotBind) {
  const Kms kms;
  const CryptoConfig config = testing::make_config(provider(kms));
  Item item = sample();
  item["pk"] = AttributeValue::Bool(true);
  const std::string message =
      expect_exact_throw<EncryptionError>([&] { (void)encrypt_item(item, config); });
  EXPECT_NE(message.find("\"pk\""), std::string::npos) << message;
  EXPECT_NE(message.find("BOOL"), std::string::npos) << message;
  item = sample();
  item.erase("sk");
  expect_exact_throw<EncryptionError>([&] { (void)encrypt_item(item, config); });
  EXPECT_EQ(kms.fake->calls("GenerateDataKey"), 0u);

  // The same on the way back: a stored item whose key was replaced by another type.
  Item stored = encrypt_item(sample(), config);
  stored["sk"] = AttributeValue::L({});
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(stored, config); });
}

TEST(DirectKmsProvider, WrongKeyIdFailsWithKmsErrors) {
  const Kms kms;
  const std::string missing = "00000000-0000-4000-8000-999999999999";
  const auto unknown = provider(kms, {.key_id = missing});
  const std::string message = expect_exact_throw<KmsError>(
      [&] { (void)encrypt_item(sample(), testing::make_config(unknown)); });
  EXPECT_NE(message.find(missing), std::string::npos) << message;
  EXPECT_NE(message.find("GenerateDataKey"), std::string::npos) << message;
  EXPECT_EQ(unknown->metrics().failed_calls, 1u);

  // Pinned to another key: KMS refuses the item's data key.
  const std::string other = kms.fake->add_key("other");
  const Item stored = encrypt_item(sample(), testing::make_config(provider(kms)));
  const auto pinned_other = testing::make_config(provider(kms, {.key_id = other}));
  try {
    (void)decrypt_item(stored, pinned_other);
    ADD_FAILURE() << "decrypted under another key";
  } catch (const KmsError& e) {
    EXPECT_EQ(e.error_code(), "IncorrectKeyException");
    EXPECT_NE(std::string(e.what()).find(other), std::string::npos) << e.what();
    EXPECT_FALSE(e.request_id().empty());
  }
  // Not pinned (as the reference libraries do): KMS decrypts with the key that made it.
  const auto unpinned = testing::make_config(
      provider(kms, {.key_id = other, .pinning = KmsKeyPinning::kNone}));
  EXPECT_EQ(decrypt_item(stored, unpinned), sample());
  EXPECT_FALSE(kms.recording->decrypt_requests().back().key_id.has_value());
  // A disabled key is KMS's refusal too.
  kms.fake->set_enabled(kms.key, false);
  try {
    (void)decrypt_item(stored, testing::make_config(provider(kms)));
    ADD_FAILURE() << "decrypted under a disabled key";
  } catch (const KmsError& e) {
    EXPECT_EQ(e.error_code(), "DisabledException");
  }
}

void expect_invalid_ciphertext(const Item& stored, const CryptoConfig& config) {
  try {
    (void)decrypt_item(stored, config);
    ADD_FAILURE() << "decrypted with the wrong encryption context";
  } catch (const KmsError& e) {
    EXPECT_EQ(e.error_code(), "InvalidCiphertextException") << e.what();
    EXPECT_NE(std::string(e.what()).find("table \"" + config.context.table_name + "\""),
              std::string::npos)
        << e.what();
  }
}

TEST(DirectKmsProvider, WrongEncryptionContextIsRefusedByKms) {
  const Kms kms;
  const auto p = provider(kms);
  const CryptoConfig config = testing::make_config(p);
  const Item stored = encrypt_item(sample(), config);

  // Another table.
  expect_invalid_ciphertext(stored, testing::make_config(p, AttributeActions::create(), "Other"));
  // Moved to another primary key (the signature would catch it too, but KMS refuses first).
  Item moved = stored;
  moved["pk"] = AttributeValue::S("b");
  expect_invalid_ciphertext(moved, config);
  moved = stored;
  moved["sk"] = AttributeValue::N("7.5");  // numerically equal, spelled differently
  expect_invalid_ciphertext(moved, config);
  // Another key description in the (unsigned) material description.
  MaterialDescription d = description_of(stored);
  d["amzn-ddb-env-alg"] = "AES/128";
  expect_invalid_ciphertext(with_description(stored, d), config);
  d = description_of(stored);
  d["amzn-ddb-sig-alg"] = "HmacSHA512/512";
  expect_invalid_ciphertext(with_description(stored, d), config);
  // Another item's data key.
  d = description_of(stored);
  d["amzn-ddb-env-key"] = description_of(encrypt_item(sample("b"), config)).at("amzn-ddb-env-key");
  expect_invalid_ciphertext(with_description(stored, d), config);
  // A reader configured with other extra context entries than the writer.
  const CryptoConfig extra =
      testing::make_config(provider(kms, {.extra_encryption_context = {{"app", "orders"}}}));
  const Item with_extra = encrypt_item(sample(), extra);
  EXPECT_EQ(kms.recording->generate_requests().back().encryption_context.at("app"), "orders");
  EXPECT_EQ(decrypt_item(with_extra, extra), sample());
  expect_invalid_ciphertext(with_extra, config);
  expect_invalid_ciphertext(stored, extra);
}

TEST(DirectKmsProvider, ItemsNotWrittenByItAreDecryptionErrors) {
  const Kms kms;
  const CryptoConfig config = testing::make_config(provider(kms));
  const Item stored = encrypt_item(sample(), config);
  const MaterialDescription good = description_of(stored);
  for (const char* key : {"amzn-ddb-env-key", "amzn-ddb-env-alg", "amzn-ddb-sig-alg"}) {
    MaterialDescription d = good;
    d.erase(key);
    expect_exact_throw<DecryptionError>(
        [&] { (void)decrypt_item(with_description(stored, d), config); });
  }
  for (const auto& [key, value] :
       {std::pair{"amzn-ddb-wrap-alg", "AESWrap"}, std::pair{"amzn-ddb-env-alg", "DES/56"},
        std::pair{"amzn-ddb-env-alg", "AES/100"}, std::pair{"amzn-ddb-sig-alg", "SHA256withRSA"},
        std::pair{"amzn-ddb-sig-alg", "HmacSHA256/7"}, std::pair{"amzn-ddb-env-key", "***"}}) {
    SCOPED_TRACE(std::string(key) + "=" + value);
    MaterialDescription d = good;
    d[key] = value;
    expect_exact_throw<DecryptionError>(
        [&] { (void)decrypt_item(with_description(stored, d), config); });
  }
  EXPECT_EQ(kms.fake->calls("Decrypt"), 0u);  // refused before asking KMS
  // A wrapped provider's item.
  const Item wrapped = encrypt_item(
      sample(), testing::make_config(testing::wrapped_aes_provider(testing::vector_aes_key(),
                                                                   testing::vector_hmac_key())));
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(wrapped, config); });
  // A flipped bit in an attribute passes KMS but not the signature.
  Item tampered = stored;
  Bytes secret = tampered.at("secret").as_b();
  secret[20] ^= 0x01;
  tampered["secret"] = AttributeValue::B(secret);
  expect_exact_throw<SignatureError>([&] { (void)decrypt_item(tampered, config); });
}

TEST(DirectKmsProvider, PicksTheClientOfTheKeysRegion) {
  const auto east = std::make_shared<FakeKms>("us-east-1");
  const auto west = std::make_shared<FakeKms>("eu-west-1");
  const std::string west_key = west->add_key();
  std::vector<std::string> asked;
  const KmsClientFactory factory =
      [&](const std::string& region) -> std::shared_ptr<aws::KmsClient> {
        asked.push_back(region);
        return region == "eu-west-1" ? west : nullptr;
      };
  const std::shared_ptr<const DirectKmsMaterialsProvider> p = DirectKmsMaterialsProvider::create(
      {.key_id = west->key_arn(west_key), .kms = east, .kms_for_region = factory});
  EXPECT_EQ(asked, std::vector<std::string>{"eu-west-1"});
  EXPECT_EQ(p->region(), "eu-west-1");
  const CryptoConfig config = testing::make_config(p);
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), config), config), sample());
  EXPECT_EQ(west->calls("GenerateDataKey"), 1u);
  EXPECT_EQ(east->total_calls(), 0u);

  // Alias ARN too; an alias name or bare id uses the default client.
  west->add_alias("alias/orders", west_key);
  asked.clear();
  (void)DirectKmsMaterialsProvider::create(
      {.key_id = "arn:aws:kms:eu-west-1:111122223333:alias/orders", .kms = east,
       .kms_for_region = factory});
  EXPECT_EQ(asked, std::vector<std::string>{"eu-west-1"});
  asked.clear();
  EXPECT_EQ(DirectKmsMaterialsProvider::create(
                {.key_id = "alias/orders", .kms = east, .kms_for_region = factory})
                ->region(),
            "us-east-1");
  EXPECT_TRUE(asked.empty());
  // The default client of the ARN's region is used without asking the factory.
  EXPECT_EQ(DirectKmsMaterialsProvider::create({.key_id = west->key_arn(west_key), .kms = west})
                ->region(),
            "eu-west-1");

  // The reference vector's key ARN (keys.json) names us-west-2.
  simdjson::dom::parser parser;
  const std::string keys_text =
      testing::read_text_file(testing::legacy_vector_path("encrypted_item/keys.json"));
  const std::string vector_arn(
      parser.parse(keys_text)["awsKmsUsWest2"]["keyId"].get_string().value());
  asked.clear();
  const auto vector_factory = [&](const std::string& region) -> std::shared_ptr<aws::KmsClient> {
    asked.push_back(region);
    return std::make_shared<FakeKms>(region);
  };
  EXPECT_EQ(DirectKmsMaterialsProvider::create(
                {.key_id = vector_arn, .kms_for_region = vector_factory})
                ->region(),
            "us-west-2");
  EXPECT_EQ(asked, std::vector<std::string>{"us-west-2"});
}

TEST(DirectKmsProvider, RejectsUnusableConfiguration) {
  const Kms kms;
  const auto east = std::make_shared<FakeKms>("us-east-1");
  const std::string arn = "arn:aws:kms:eu-west-1:111122223333:key/x";
  expect_exact_throw<ConfigError>([&] { (void)DirectKmsMaterialsProvider::create({.kms = east}); });
  expect_exact_throw<ConfigError>(
      [&] { (void)DirectKmsMaterialsProvider::create({.key_id = "alias/x"}); });
  expect_exact_throw<ConfigError>(
      [&] { (void)DirectKmsMaterialsProvider::create({.key_id = arn, .kms = east}); });
  expect_exact_throw<ConfigError>([&] {
    (void)DirectKmsMaterialsProvider::create(
        {.key_id = arn, .kms_for_region = [](const std::string&) { return nullptr; }});
  });
  expect_exact_throw<ConfigError>([&] {
    (void)DirectKmsMaterialsProvider::create(
        {.key_id = arn, .kms_for_region = [&](const std::string&) { return east; }});
  });
  for (const auto& [key, value] :
       {std::pair{"amzn-ddb-env-alg", "AES/64"}, std::pair{"amzn-ddb-env-alg", "RSA"},
        std::pair{"amzn-ddb-sig-alg", "SHA256withRSA"},
        std::pair{"amzn-ddb-sig-alg", "HmacSHA1/160"},
        std::pair{"amzn-ddb-sig-alg", "HmacSHA256/12"}}) {
    SCOPED_TRACE(std::string(key) + "=" + value);
    expect_exact_throw<ConfigError>([&] { (void)provider(kms, {.description = {{key, value}}}); });
  }
  for (const char* reserved : {"*amzn-ddb-env-alg*", "*amzn-ddb-sig-alg*", "*aws-kms-table*"}) {
    expect_exact_throw<ConfigError>(
        [&] { (void)provider(kms, {.extra_encryption_context = {{reserved, "x"}}}); });
  }
  // A key attribute name is only known per item.
  const CryptoConfig clash =
      testing::make_config(provider(kms, {.extra_encryption_context = {{"pk", "x"}}}));
  expect_exact_throw<ConfigError>([&] { (void)encrypt_item(sample(), clash); });
  expect_exact_throw<ConfigError>(
      [&] { (void)provider(kms, {.decryption_cache = KmsDataKeyCacheLimits{.max_entries = 0}}); });
  expect_exact_throw<ConfigError>([&] {
    (void)provider(kms, {.decryption_cache =
                             KmsDataKeyCacheLimits{.max_age = std::chrono::seconds(0)}});
  });
}

// ----- Decryption cache ----------------------------------------------------------------------

struct ManualClock {
  std::shared_ptr<std::atomic<std::int64_t>> ms = std::make_shared<std::atomic<std::int64_t>>(0);
  MaterialsClock fn() const {
    return [ms = ms] {
      return std::chrono::steady_clock::time_point(std::chrono::milliseconds(*ms));
    };
  }
  void advance(std::chrono::milliseconds d) const { *ms += d.count(); }
};

TEST(DirectKmsProvider, WithoutTheCacheEveryDecryptionCallsKms) {
  const Kms kms;
  const auto p = provider(kms);
  const CryptoConfig config = testing::make_config(p);
  const Item stored = encrypt_item(sample(), config);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(decrypt_item(stored, config), sample());
  EXPECT_EQ(p->metrics(), (KmsProviderMetrics{.generate_data_key_calls = 1, .decrypt_calls = 3}));
  EXPECT_EQ(kms.fake->calls("Decrypt"), 3u);
}

TEST(DirectKmsProvider, CacheStopsRepeatedDecryptsFromCallingKms) {
  const Kms kms;
  const ManualClock clock;
  const auto p = provider(kms, {.decryption_cache = KmsDataKeyCacheLimits{
                                    .max_entries = 100, .max_age = std::chrono::seconds(60)},
                                .clock = clock.fn()});
  const CryptoConfig config = testing::make_config(p);
  std::vector<Item> stored;
  for (int i = 0; i < 10; ++i) stored.push_back(encrypt_item(sample(std::to_string(i)), config));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(decrypt_item(stored[i], config), sample(std::to_string(i)));
    }
  }
  EXPECT_EQ(p->metrics(), (KmsProviderMetrics{.generate_data_key_calls = 10,
                                              .decrypt_calls = 10,
                                              .cache_hits = 20,
                                              .cache_misses = 10}));
  EXPECT_EQ(kms.fake->calls("Decrypt"), 10u);
  // Entries expire max_age after KMS answered.
  clock.advance(std::chrono::seconds(59));
  (void)decrypt_item(stored[0], config);
  EXPECT_EQ(kms.fake->calls("Decrypt"), 10u);
  clock.advance(std::chrono::seconds(1));
  (void)decrypt_item(stored[0], config);
  EXPECT_EQ(kms.fake->calls("Decrypt"), 11u);
  // clear_cache() forgets everything.
  p->clear_cache();
  (void)decrypt_item(stored[1], config);
  EXPECT_EQ(kms.fake->calls("Decrypt"), 12u);
}

TEST(DirectKmsProvider, CacheIsBoundedByEntries) {
  const Kms kms;
  const auto p = provider(kms, {.decryption_cache = KmsDataKeyCacheLimits{.max_entries = 2}});
  const CryptoConfig config = testing::make_config(p);
  const Item a = encrypt_item(sample("a"), config);
  const Item b = encrypt_item(sample("b"), config);
  const Item c = encrypt_item(sample("c"), config);
  for (const Item* item : {&a, &b, &c, &a}) (void)decrypt_item(*item, config);
  EXPECT_EQ(kms.fake->calls("Decrypt"), 4u);  // c evicted a (least recently used)
  (void)decrypt_item(c, config);              // c is still there
  EXPECT_EQ(kms.fake->calls("Decrypt"), 4u);
  (void)decrypt_item(b, config);              // b was evicted by a
  EXPECT_EQ(kms.fake->calls("Decrypt"), 5u);
}

TEST(DirectKmsProvider, CacheNeverAnswersForAnotherCiphertextOrContext) {
  const Kms kms;
  const auto p = provider(kms, {.decryption_cache = KmsDataKeyCacheLimits{}});
  const CryptoConfig config = testing::make_config(p);
  const Item a = encrypt_item(sample("a"), config);
  const Item b = encrypt_item(sample("b"), config);
  EXPECT_EQ(decrypt_item(a, config), sample("a"));
  EXPECT_EQ(decrypt_item(b, config), sample("b"));
  ASSERT_EQ(kms.fake->calls("Decrypt"), 2u);

  // Item b carrying a's (cached) data key: the context is b's, so the cache has no entry for
  // it, KMS is asked and refuses.
  MaterialDescription d = description_of(b);
  d["amzn-ddb-env-key"] = description_of(a).at("amzn-ddb-env-key");
  expect_invalid_ciphertext(with_description(b, d), config);
  // Item a read as another table, and with other (unsigned) key descriptions: not cached.
  expect_invalid_ciphertext(a, testing::make_config(p, AttributeActions::create(), "Other"));
  d = description_of(a);
  d["amzn-ddb-env-alg"] = "AES/128";
  expect_invalid_ciphertext(with_description(a, d), config);
  // Same blob, key value spelled differently.
  Item respelled = a;
  respelled["sk"] = AttributeValue::N("7.50");
  expect_invalid_ciphertext(respelled, config);
  EXPECT_EQ(kms.fake->calls("Decrypt"), 6u);
  EXPECT_EQ(p->metrics().cache_hits, 0u);
  EXPECT_EQ(p->metrics().cache_misses, 6u);
  // The originals still hit.
  EXPECT_EQ(decrypt_item(a, config), sample("a"));
  EXPECT_EQ(kms.fake->calls("Decrypt"), 6u);
}

TEST(KmsDataKeyCache, IdentityCoversEveryPartOfTheRequest) {
  using internal::KmsDataKeyCache;
  using internal::KmsDecryptIdentity;
  const aws::KmsEncryptionContext ctx{{"a", "b|c"}};
  const aws::KmsEncryptionContext shifted{{"a|b", "c"}};
  const aws::KmsEncryptionContext empty;
  const Bytes blob{1, 2, 3};
  const Bytes other_blob{1, 2, 4};
  const Bytes longer{1, 2, 3, 0};
  std::set<std::string> ids;
  for (const KmsDecryptIdentity& id :
       {KmsDecryptIdentity{"r", "k", ctx, blob}, KmsDecryptIdentity{"r", "k", shifted, blob},
        KmsDecryptIdentity{"r", "k", empty, blob}, KmsDecryptIdentity{"r", "", ctx, blob},
        KmsDecryptIdentity{"r2", "k", ctx, blob}, KmsDecryptIdentity{"", "rk", ctx, blob},
        KmsDecryptIdentity{"r", "k", ctx, other_blob}, KmsDecryptIdentity{"r", "k", ctx, longer}}) {
    EXPECT_TRUE(ids.insert(KmsDataKeyCache::canonical(id)).second);
  }

  KmsDataKeyCache cache(KmsDataKeyCacheLimits{}, {});
  cache.insert({"r", "k", ctx, blob}, std::make_shared<const SecretBytes>(SecretBytes::random(32)));
  EXPECT_NE(cache.find({"r", "k", ctx, blob}), nullptr);
  EXPECT_EQ(cache.find({"r", "k", shifted, blob}), nullptr);
  EXPECT_EQ(cache.find({"r", "k", ctx, other_blob}), nullptr);
  EXPECT_EQ(cache.find({"r", "", ctx, blob}), nullptr);
  EXPECT_EQ(cache.find({"r2", "k", ctx, blob}), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(DirectKmsProvider, ConcurrentDecryptionsWithTheCacheAreCorrect) {
  const Kms kms;
  const auto p = provider(kms, {.decryption_cache = KmsDataKeyCacheLimits{}});
  const CryptoConfig config = testing::make_config(p);
  std::vector<Item> stored;
  for (int i = 0; i < 16; ++i) stored.push_back(encrypt_item(sample(std::to_string(i)), config));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        const int i = (t + round) % 16;
        if (decrypt_item(stored[i], config) != sample(std::to_string(i))) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const KmsProviderMetrics m = p->metrics();
  EXPECT_EQ(m.cache_hits + m.cache_misses, 160u);
  EXPECT_EQ(m.decrypt_calls, m.cache_misses);
  EXPECT_GE(m.decrypt_calls, 16u);
  EXPECT_LE(m.decrypt_calls, 16u * 8u);  // at most one per item and thread racing on it
}

// ----- The reference's Direct KMS vector (python/aws-kms-direct-1) ---------------------------

// The KMS encryption context spec §12.3 prescribes for a stored item, from its own values.
aws::KmsEncryptionContext spec_context(const VectorItem& v) {
  const MaterialDescription d = description_of(v.stored);
  aws::KmsEncryptionContext ec{{"*amzn-ddb-env-alg*", d.at("amzn-ddb-env-alg")},
                               {"*amzn-ddb-sig-alg*", d.at("amzn-ddb-sig-alg")},
                               {"*aws-kms-table*", v.table}};
  for (const std::optional<std::string>& name : {std::optional<std::string>(v.pk), v.sk}) {
    if (!name) continue;
    const AttributeValue& value = v.stored.at(*name);
    ec[*name] = value.is(AttributeValue::Type::kS) ? value.as_s() : value.as_n();
  }
  return ec;
}

CryptoConfig vector_config(const VectorItem& v, std::shared_ptr<const MaterialsProvider> p) {
  return CryptoConfig{.provider = std::move(p),
                      .context = {.table_name = v.table, .partition_key_name = v.pk,
                                  .sort_key_name = v.sk},
                      .actions = v.actions};
}

TEST(DirectKmsVector, WritesTheReferenceDescriptionAndAttributeLayout) {
  const std::vector<VectorItem> items =
      testing::legacy_vector_items("ciphertext/python/aws-kms-direct-1.json");
  ASSERT_EQ(items.size(), 15u);  // 16 per data file, minus the one "nothing" item
  const Kms kms;
  const auto p = provider(kms);
  std::size_t checked = 0;
  for (const VectorItem& v : items) {
    SCOPED_TRACE(v.table + " " + to_json(v.stored.at(v.pk)));
    const Item ours = encrypt_item(v.plaintext, vector_config(v, p));
    const MaterialDescription theirs_d = description_of(v.stored);
    MaterialDescription ours_d = description_of(ours);
    // Python adds signingAlg for every signing key; this vector came from Java, which does not
    // (spec §14 D2, §15.5). Every other entry is the same, value for value, except the KMS
    // ciphertext blob itself.
    EXPECT_EQ(ours_d.at("amzn-ddb-map-signingAlg"), "HmacSHA256");
    ours_d.erase("amzn-ddb-map-signingAlg");
    ASSERT_EQ(ours_d.size(), theirs_d.size());
    for (const auto& [key, value] : theirs_d) {
      ASSERT_TRUE(ours_d.count(key)) << key;
      if (key == "amzn-ddb-env-key") {
        EXPECT_FALSE(base64_decode(value).empty());
        EXPECT_FALSE(base64_decode(ours_d.at(key)).empty());
      } else {
        EXPECT_EQ(ours_d.at(key), value) << key;
      }
    }
    // The same attributes with the same types; signed values equal; encrypted values of the
    // same length (AES-CBC of the same serialization); an HMAC-SHA256 signature.
    ASSERT_EQ(ours.size(), v.stored.size());
    for (const auto& [name, theirs] : v.stored) {
      ASSERT_TRUE(ours.count(name)) << name;
      const AttributeValue& mine = ours.at(name);
      EXPECT_EQ(mine.type(), theirs.type()) << name;
      if (name == kDesc) continue;
      const bool encrypted = v.actions.with_primary_keys(v.pk, v.sk).action(name) ==
                             CryptoAction::kEncryptAndSign;
      if (encrypted || name == kSignatureAttribute) {
        EXPECT_EQ(mine.as_b().size(), theirs.as_b().size()) << name;
      } else {
        EXPECT_TRUE(equivalent(mine, theirs)) << name;
      }
    }
    // The context sent to KMS is the one spec §12.3 derives from the reference's item.
    EXPECT_EQ(kms.recording->generate_requests().back().encryption_context, spec_context(v));
    EXPECT_TRUE(equivalent(decrypt_item(ours, vector_config(v, p)), v.plaintext));
    ++checked;
  }
  EXPECT_EQ(checked, 15u);
  // The spec's worked example for TableName item 5/7 (spec §15.5).
  for (const VectorItem& v : items) {
    if (v.table == "TableName" && v.stored.at("hashKey").as_n() == "5" &&
        v.stored.at("rangeKey").as_n() == "7") {
      EXPECT_EQ(spec_context(v),
                (aws::KmsEncryptionContext{{"*amzn-ddb-env-alg*", "AES/256"},
                                           {"*amzn-ddb-sig-alg*", "HmacSHA256/256"},
                                           {"hashKey", "5"},
                                           {"rangeKey", "7"},
                                           {"*aws-kms-table*", "TableName"}}));
    }
  }
}

TEST(DirectKmsVector, DecryptsReferenceItemsWithTheSpecContext) {
  // The reference's data keys need AWS's own KMS key. Registering each item's ciphertext blob
  // with FakeKms under exactly the context spec §12.3 derives from the item shows that the
  // provider sends that context and that blob: KMS answers (with a stand-in data key), and
  // the item then fails only its signature check, as it must with a key that is not the real
  // one. A context that differed in any entry would make KMS refuse instead.
  const std::vector<VectorItem> items =
      testing::legacy_vector_items("ciphertext/python/aws-kms-direct-1.json");
  ASSERT_FALSE(items.empty());
  const Kms kms;
  const auto p = provider(kms);
  for (const VectorItem& v : items) {
    SCOPED_TRACE(v.table + " " + to_json(v.stored.at(v.pk)));
    const Bytes blob = base64_decode_lenient(description_of(v.stored).at("amzn-ddb-env-key"));
    kms.fake->register_blob(blob, SecretBytes::random(32), kms.key, spec_context(v));
    expect_exact_throw<SignatureError>([&] { (void)decrypt_item(v.stored, vector_config(v, p)); });
    const aws::KmsDecryptRequest sent = kms.recording->decrypt_requests().back();
    EXPECT_EQ(sent.ciphertext_blob, blob);
    EXPECT_EQ(sent.encryption_context, spec_context(v));
  }
  EXPECT_EQ(p->metrics().decrypt_calls, items.size());
  EXPECT_EQ(p->metrics().failed_calls, 0u);
}

}  // namespace
}  // namespace ddbcrypt
