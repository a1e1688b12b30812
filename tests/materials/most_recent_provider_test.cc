#include "ddbcrypt/materials/most_recent_provider.h"

#include <gtest/gtest.h>

#include "ddbcrypt/item/dynamodb_json.h"
#include "encryptor/encryptor_support.h"
#include "legacy/material_description.h"
#include "legacy/vector_files.h"

namespace ddbcrypt {
namespace {

using testing::expect_exact_throw;

Item sample() {
  return Item{{"pk", AttributeValue::S("a")}, {"sk", AttributeValue::N("1")},
              {"secret", AttributeValue::S("value")}};
}

std::string meta_id_of(const Item& stored) {
  return internal::legacy::parse_material_description(
             stored.at(std::string(kMaterialDescriptionAttribute)).as_b())
      .at("amzn-ddb-meta-id");
}

TEST(MetaId, FormatsAndParses) {
  EXPECT_EQ(format_meta_id("name", 12), "name#12");
  EXPECT_EQ(parse_meta_id("my material name#5"), (std::pair<std::string, std::uint64_t>{"my material name", 5}));
  for (const char* bad : {"", "name", "#5", "name#", "name#5#6", "a#b#1", "name#x", "name#-1",
                          "name#99999999999999999999999"}) {
    expect_exact_throw<DecryptionError>([&] { (void)parse_meta_id(bad); });
  }
}

TEST(InMemoryMetaStore, CreatesVersionsOnceAndReportsMax) {
  const auto store = InMemoryMetaStore::create("meta", testing::vector_static_provider());
  EXPECT_EQ(store->max_version("m"), std::nullopt);
  const auto v0 = store->create_version("m", 0);
  const auto again = store->create_version("m", 0);  // existing version wins, not overwritten
  (void)store->create_version("m", 3);
  (void)store->create_version("other", 7);
  EXPECT_EQ(store->max_version("m"), 3u);
  EXPECT_EQ(store->max_version("other"), 7u);
  EXPECT_EQ(store->max_version("n"), std::nullopt);
  expect_exact_throw<DecryptionError>([&] { (void)store->load_version("m", 1); });

  // Items written with version 0's first creation decrypt with the reloaded version 0.
  const CryptoConfig with_v0 = testing::make_config(v0);
  const CryptoConfig with_again = testing::make_config(store->load_version("m", 0));
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), with_v0), with_again), sample());
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), testing::make_config(again)), with_v0), sample());
}

TEST(InMemoryMetaStore, MetaItemsAreEncryptedUnderTheMetaProvider) {
  const auto meta_provider = testing::vector_static_provider();
  const CryptoConfig meta = meta_store_crypto_config("meta", meta_provider);
  const Item stored = make_meta_item("m", 2, meta);
  EXPECT_EQ(stored.at("N"), AttributeValue::S("m"));
  EXPECT_EQ(stored.at("V"), AttributeValue::N("2"));
  for (const char* name : {"t", "enc", "encAlg", "int", "intAlg"}) {
    EXPECT_TRUE(stored.at(name).is(AttributeValue::Type::kB)) << name;
  }
  const Item plain = decrypt_item(stored, meta);
  EXPECT_EQ(plain.at("t"), AttributeValue::S("0"));
  EXPECT_EQ(plain.at("encAlg"), AttributeValue::S("AES"));
  EXPECT_EQ(plain.at("intAlg"), AttributeValue::S("HmacSHA256"));
  EXPECT_EQ(plain.at("enc").as_b().size(), 32u);
  // Under another meta key the item does not verify.
  const CryptoConfig wrong = meta_store_crypto_config(
      "meta", testing::static_provider(testing::vector_aes_key(),
                                       HmacKey::create(HashAlgorithm::kSha256,
                                                       SecretBytes::copy_of(Bytes(16, 1)))));
  expect_exact_throw<SignatureError>([&] { (void)provider_from_meta_item(stored, wrong); });
  // Nor does a meta item whose type version was changed.
  Item bad_type = plain;
  bad_type["t"] = AttributeValue::S("1");
  expect_exact_throw<DecryptionError>(
      [&] { (void)provider_from_meta_item(encrypt_item(bad_type, meta), meta); });
}

TEST(InMemoryMetaStore, LoadsVectorTableDump) {
  const auto store = InMemoryMetaStore::create("metastore", testing::vector_static_provider());
  store->load_json(testing::read_text_file(testing::legacy_vector_path(
      "encrypted_item/ciphertext/python/metastore-aes-hmac-2.json")));
  const auto max = store->max_version("materialName");
  ASSERT_TRUE(max.has_value());
  EXPECT_NO_THROW((void)store->load_version("materialName", *max));
  expect_exact_throw<FormatError>([&] { store->load_json("{bad"); });
  expect_exact_throw<FormatError>([&] { store->load_json(R"({"metastore": [{"x": {"S": "y"}}]})"); });
}

TEST(MostRecentProvider, EncryptsWithNewestAndDecryptsAnyVersion) {
  std::shared_ptr<const MetaStore> store =
      InMemoryMetaStore::create("meta", testing::vector_static_provider());
  const std::shared_ptr<const MaterialsProvider> provider =
      MostRecentProvider::create(store, "keys", std::chrono::hours(1));
  const CryptoConfig config = testing::make_config(provider);

  const Item first = encrypt_item(sample(), config);  // creates version 0
  EXPECT_EQ(meta_id_of(first), "keys#0");
  EXPECT_EQ(store->max_version("keys"), 0u);

  const auto& most_recent = static_cast<const MostRecentProvider&>(*provider);
  EXPECT_EQ(most_recent.rotate(), 1u);
  const Item second = encrypt_item(sample(), config);
  EXPECT_EQ(meta_id_of(second), "keys#1");
  EXPECT_EQ(decrypt_item(first, config), sample());
  EXPECT_EQ(decrypt_item(second, config), sample());

  // Version 0's keys cannot stand in for version 1's: a swapped meta-id fails.
  Item swapped = second;
  MaterialDescription d = internal::legacy::parse_material_description(
      second.at(std::string(kMaterialDescriptionAttribute)).as_b());
  d["amzn-ddb-meta-id"] = "keys#0";
  swapped[std::string(kMaterialDescriptionAttribute)] =
      AttributeValue::B(internal::legacy::serialize_material_description(d));
  EXPECT_THROW((void)decrypt_item(swapped, config), DecryptionError);
  d["amzn-ddb-meta-id"] = "keys#9";
  swapped[std::string(kMaterialDescriptionAttribute)] =
      AttributeValue::B(internal::legacy::serialize_material_description(d));
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(swapped, config); });
  d.erase("amzn-ddb-meta-id");
  swapped[std::string(kMaterialDescriptionAttribute)] =
      AttributeValue::B(internal::legacy::serialize_material_description(d));
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(swapped, config); });
}

TEST(MostRecentProvider, RereadsNewestVersionAfterTtl) {
  const std::shared_ptr<const InMemoryMetaStore> store =
      InMemoryMetaStore::create("meta", testing::vector_static_provider());
  (void)store->create_version("keys", 0);
  const CryptoConfig cached =
      testing::make_config(MostRecentProvider::create(store, "keys", std::chrono::hours(1)));
  const CryptoConfig uncached =
      testing::make_config(MostRecentProvider::create(store, "keys", std::chrono::seconds(0)));
  EXPECT_EQ(meta_id_of(encrypt_item(sample(), cached)), "keys#0");
  EXPECT_EQ(meta_id_of(encrypt_item(sample(), uncached)), "keys#0");
  (void)store->create_version("keys", 1);  // another writer rotates
  EXPECT_EQ(meta_id_of(encrypt_item(sample(), cached)), "keys#0");
  EXPECT_EQ(meta_id_of(encrypt_item(sample(), uncached)), "keys#1");
}

TEST(MostRecentProvider, LooksUpTheConfiguredNameNotTheItemsName) {
  std::shared_ptr<const MetaStore> store =
      InMemoryMetaStore::create("meta", testing::vector_static_provider());
  const CryptoConfig a =
      testing::make_config(MostRecentProvider::create(store, "a", std::chrono::hours(1)));
  const CryptoConfig b =
      testing::make_config(MostRecentProvider::create(store, "b", std::chrono::hours(1)));
  const Item stored = encrypt_item(sample(), a);
  (void)encrypt_item(sample(), b);  // creates b#0 with different keys
  EXPECT_THROW((void)decrypt_item(stored, b), DecryptionError);
}

TEST(MostRecentProvider, RejectsBadConfiguration) {
  expect_exact_throw<ConfigError>(
      [] { (void)MostRecentProvider::create(nullptr, "x", std::chrono::seconds(1)); });
  std::shared_ptr<const MetaStore> store =
      InMemoryMetaStore::create("meta", testing::vector_static_provider());
  expect_exact_throw<ConfigError>(
      [&] { (void)MostRecentProvider::create(store, "", std::chrono::seconds(1)); });
  expect_exact_throw<ConfigError>(
      [&] { (void)MostRecentProvider::create(store, "a#b", std::chrono::seconds(1)); });
}

}  // namespace
}  // namespace ddbcrypt
