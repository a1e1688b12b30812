#include "ddbcrypt/materials/dynamodb_meta_store.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <thread>

#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/materials/direct_kms_provider.h"
#include "ddbcrypt/materials/most_recent_provider.h"
#include "encryptor/encryptor_support.h"
#include "legacy/material_description.h"
#include "legacy/vector_files.h"
#include "testing/fake_dynamodb.h"
#include "testing/fake_kms.h"
#include "testing/legacy_vector_items.h"

namespace ddbcrypt {
namespace {

using testing::expect_exact_throw;
using testing::FakeDynamoDb;

Item sample() {
  return Item{{"pk", AttributeValue::S("a")}, {"sk", AttributeValue::N("1")},
              {"secret", AttributeValue::S("value")}};
}

struct Table {
  std::shared_ptr<FakeDynamoDb> ddb = std::make_shared<FakeDynamoDb>();
  std::string name = "meta";
  Table() { (void)DynamoDbMetaStore::create_table(*ddb, name); }
  std::shared_ptr<const DynamoDbMetaStore> store(
      std::shared_ptr<const MaterialsProvider> meta = testing::vector_static_provider()) const {
    return DynamoDbMetaStore::create(ddb, name, std::move(meta));
  }
};

TEST(DynamoDbMetaStore, CreatesTheReferenceTableSchema) {
  const auto ddb = std::make_shared<FakeDynamoDb>();
  const aws::TableDescription t = DynamoDbMetaStore::create_table(*ddb, "meta");
  EXPECT_EQ(t.table_status, "ACTIVE");
  EXPECT_EQ(t.key_schema, (std::vector<aws::KeySchemaElement>{{"N", aws::KeyType::kHash},
                                                               {"V", aws::KeyType::kRange}}));
  EXPECT_EQ(t.attribute_definitions,
            (std::vector<aws::AttributeDefinition>{{"N", aws::ScalarAttributeType::kS},
                                                   {"V", aws::ScalarAttributeType::kN}}));
  EXPECT_EQ(t.billing_mode_summary->billing_mode, aws::BillingMode::kPayPerRequest);
  EXPECT_EQ(ddb->calls("DescribeTable"), 1u);  // waited for ACTIVE

  const aws::TableDescription provisioned = DynamoDbMetaStore::create_table(
      *ddb, "meta2",
      {.provisioned_throughput = aws::ProvisionedThroughput{.read_capacity_units = 5,
                                                             .write_capacity_units = 3},
       .wait = std::nullopt});
  EXPECT_EQ(provisioned.provisioned_throughput->read_capacity_units, 5);
  EXPECT_EQ(ddb->calls("DescribeTable"), 1u);
  try {
    (void)DynamoDbMetaStore::create_table(*ddb, "meta");
    ADD_FAILURE() << "created a table twice";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "ResourceInUseException");
  }
}

TEST(DynamoDbMetaStore, CreatesLoadsAndFindsTheNewestVersion) {
  const Table table;
  const auto store = table.store();
  EXPECT_EQ(store->max_version("m"), std::nullopt);
  const auto v0 = store->create_version("m", 0);
  (void)store->create_version("m", 2);
  (void)store->create_version("m", 10);  // numerically newest, though "10" < "2" as text
  (void)store->create_version("other", 99);
  EXPECT_EQ(store->max_version("m"), 10u);
  EXPECT_EQ(store->max_version("other"), 99u);
  EXPECT_EQ(store->max_version("n"), std::nullopt);

  const auto queries = table.ddb->query_requests();
  ASSERT_FALSE(queries.empty());
  for (const aws::QueryRequest& q : queries) {
    EXPECT_EQ(q.consistent_read, true);
    EXPECT_EQ(q.scan_index_forward, false);
    EXPECT_EQ(q.limit, 1);
  }
  // Items made with the created version decrypt with the version loaded again.
  const Item stored = encrypt_item(sample(), testing::make_config(v0));
  EXPECT_EQ(decrypt_item(stored, testing::make_config(store->load_version("m", 0))), sample());
  const auto gets = table.ddb->get_item_requests();
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].consistent_read, true);
  EXPECT_EQ(gets[0].key, (Item{{"N", AttributeValue::S("m")}, {"V", AttributeValue::N("0")}}));

  // The stored items are the reference's layout: N and V in clear, the rest encrypted.
  for (const Item& item : table.ddb->items("meta")) {
    EXPECT_TRUE(item.at("N").is(AttributeValue::Type::kS));
    EXPECT_TRUE(item.at("V").is(AttributeValue::Type::kN));
    for (const char* name : {"t", "enc", "encAlg", "int", "intAlg"}) {
      EXPECT_TRUE(item.at(name).is(AttributeValue::Type::kB)) << name;
    }
  }
}

TEST(DynamoDbMetaStore, CreateVersionNeverOverwrites) {
  const Table table;
  const auto first = table.store()->create_version("m", 0);
  const auto second = table.store()->create_version("m", 0);  // loses the conditional put
  EXPECT_EQ(table.ddb->items("meta").size(), 1u);
  EXPECT_EQ(table.ddb->calls("PutItem"), 2u);
  EXPECT_EQ(table.ddb->calls("GetItem"), 1u);  // the winner's item, read back
  for (const aws::PutItemRequest& put : table.ddb->put_item_requests()) {
    EXPECT_EQ(put.condition_expression,
              std::optional<std::string>("attribute_not_exists(#n) AND attribute_not_exists(#v)"));
  }
  // Both hold the winner's keys.
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), testing::make_config(second)),
                         testing::make_config(first)),
            sample());

  // Racing writers in separate stores end up with one version and the same keys.
  const Table race;
  std::vector<std::shared_ptr<const MaterialsProvider>> providers(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < providers.size(); ++i) {
    threads.emplace_back([&, i] { providers[i] = race.store()->create_version("m", 0); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(race.ddb->items("meta").size(), 1u);
  const Item stored = encrypt_item(sample(), testing::make_config(providers[0]));
  for (const auto& p : providers) {
    EXPECT_EQ(decrypt_item(stored, testing::make_config(p)), sample());
  }
}

TEST(DynamoDbMetaStore, MissingVersionIsADecryptionErrorNamingIt) {
  const Table table;
  const auto store = table.store();
  (void)store->create_version("orders", 0);
  const std::string message =
      expect_exact_throw<DecryptionError>([&] { (void)store->load_version("orders", 4); });
  EXPECT_NE(message.find("\"orders\""), std::string::npos) << message;
  EXPECT_NE(message.find("version 4"), std::string::npos) << message;
  EXPECT_NE(message.find("\"meta\""), std::string::npos) << message;
  // Through the most-recent provider: an item naming a version that is not there.
  const CryptoConfig config =
      testing::make_config(MostRecentProvider::create(store, "orders", std::chrono::hours(1)));
  Item stored = encrypt_item(sample(), config);
  MaterialDescription d = internal::legacy::parse_material_description(
      stored.at(std::string(kMaterialDescriptionAttribute)).as_b());
  d["amzn-ddb-meta-id"] = "orders#4";
  stored[std::string(kMaterialDescriptionAttribute)] =
      AttributeValue::B(internal::legacy::serialize_material_description(d));
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(stored, config); });
  EXPECT_EQ(table.ddb->calls("PutItem"), 1u);  // decryption never creates versions
}

TEST(DynamoDbMetaStore, TamperedMetaItemsAreRefused) {
  const Table table;
  const auto store = table.store();
  (void)store->create_version("m", 0);
  (void)store->create_version("m", 1);
  const auto original = table.ddb->items("meta");
  const auto restore = [&] {
    for (const Item& item : original) table.ddb->overwrite("meta", item);
  };
  const auto find = [&](const char* v) {
    for (const Item& item : original) {
      if (item.at("V").as_n() == v) return item;
    }
    throw std::runtime_error("no such version");
  };

  // A flipped bit in the encrypted wrapping key.
  Item flipped = find("0");
  Bytes enc = flipped.at("enc").as_b();
  enc[enc.size() - 1] ^= 0x01;
  flipped["enc"] = AttributeValue::B(enc);
  table.ddb->overwrite("meta", flipped);
  expect_exact_throw<SignatureError>([&] { (void)store->load_version("m", 0); });
  restore();
  // Version 1's keys copied under version 0 (V is signed).
  Item moved = find("1");
  moved["V"] = AttributeValue::N("0");
  table.ddb->overwrite("meta", moved);
  expect_exact_throw<SignatureError>([&] { (void)store->load_version("m", 0); });
  restore();
  // Encrypted attributes swapped between versions.
  Item swapped = find("0");
  swapped["int"] = find("1").at("int");
  table.ddb->overwrite("meta", swapped);
  expect_exact_throw<SignatureError>([&] { (void)store->load_version("m", 0); });
  restore();
  // No signature at all.
  Item unsigned_item = find("0");
  unsigned_item.erase(std::string(kSignatureAttribute));
  table.ddb->overwrite("meta", unsigned_item);
  expect_exact_throw<DecryptionError>([&] { (void)store->load_version("m", 0); });
  restore();
  // A meta item written under other meta keys.
  const auto other_meta = testing::static_provider(
      testing::vector_aes_key(),
      HmacKey::create(HashAlgorithm::kSha256, SecretBytes::copy_of(Bytes(16, 7))));
  expect_exact_throw<SignatureError>(
      [&] { (void)table.store(other_meta)->load_version("m", 0); });
  // Restored, it loads again.
  EXPECT_NO_THROW((void)store->load_version("m", 0));
}

TEST(DynamoDbMetaStore, StoreErrorsPropagate) {
  const Table table;
  const auto store = table.store();
  table.ddb->fail_next("Query", "ProvisionedThroughputExceededException");
  try {
    (void)store->max_version("m");
    ADD_FAILURE() << "no error";
  } catch (const DynamoDbError& e) {
    EXPECT_TRUE(e.retryable());
    EXPECT_TRUE(e.is_throttling());
  }
  table.ddb->fail_next("PutItem", "InternalServerError");
  expect_exact_throw<DynamoDbError>([&] { (void)store->create_version("m", 0); });
  EXPECT_TRUE(table.ddb->items("meta").empty());
  const auto missing = DynamoDbMetaStore::create(table.ddb, "no-such-table",
                                                 testing::vector_static_provider());
  for (const auto& call : std::vector<std::function<void()>>{
           [&] { (void)missing->max_version("m"); },
           [&] { (void)missing->load_version("m", 0); },
           [&] { (void)missing->create_version("m", 0); }}) {
    try {
      call();
      ADD_FAILURE() << "no error";
    } catch (const DynamoDbError& e) {
      EXPECT_EQ(e.error_code(), "ResourceNotFoundException");
    }
  }
}

TEST(DynamoDbMetaStore, RejectsBadConfiguration) {
  const Table table;
  expect_exact_throw<ConfigError>(
      [&] { (void)DynamoDbMetaStore::create(nullptr, "meta", testing::vector_static_provider()); });
  expect_exact_throw<ConfigError>(
      [&] { (void)DynamoDbMetaStore::create(table.ddb, "meta", nullptr); });
  expect_exact_throw<ConfigError>(
      [&] { (void)DynamoDbMetaStore::create(table.ddb, "", testing::vector_static_provider()); });
  expect_exact_throw<ConfigError>([&] { (void)DynamoDbMetaStore::create_table(*table.ddb, ""); });
}

TEST(DynamoDbMetaStore, ReadsTheReferencesMetaTableAndDataItems) {
  // python/metastore-aes-hmac-2 is the reference's meta table "metastore" (static meta
  // provider); python/metastore-data-tables-2 its data items (material "materialName").
  const auto ddb = std::make_shared<FakeDynamoDb>();
  (void)DynamoDbMetaStore::create_table(*ddb, "metastore");
  simdjson::dom::parser parser;
  const std::string dump = testing::read_text_file(
      testing::legacy_vector_path("encrypted_item/ciphertext/python/metastore-aes-hmac-2.json"));
  std::size_t meta_items = 0;
  for (simdjson::dom::element item : parser.parse(dump)["metastore"].get_array()) {
    (void)ddb->put_item(
        {.table_name = "metastore", .item = parse_item_json(simdjson::minify(item))});
    ++meta_items;
  }
  const std::shared_ptr<const MetaStore> store =
      DynamoDbMetaStore::create(ddb, "metastore", testing::vector_static_provider());
  const std::shared_ptr<const MaterialsProvider> provider =
      MostRecentProvider::create(store, "materialName", std::chrono::minutes(5));
  const auto items = testing::legacy_vector_items("ciphertext/python/metastore-data-tables-2.json");
  ASSERT_EQ(items.size(), 15u);
  for (const testing::VectorItem& v : items) {
    const CryptoConfig config{.provider = provider,
                              .context = {.table_name = v.table, .partition_key_name = v.pk,
                                          .sort_key_name = v.sk},
                              .actions = v.actions};
    EXPECT_TRUE(equivalent(decrypt_item(v.stored, config), v.plaintext)) << to_json(v.stored);
  }
  // Encrypting uses the reference's newest version, which the reference then reads.
  const auto newest = store->max_version("materialName");
  ASSERT_TRUE(newest.has_value());
  const testing::VectorItem& v = items.front();
  const CryptoConfig config{.provider = provider,
                            .context = {.table_name = v.table, .partition_key_name = v.pk,
                                        .sort_key_name = v.sk},
                            .actions = v.actions};
  const Item ours = encrypt_item(v.plaintext, config);
  EXPECT_EQ(internal::legacy::parse_material_description(
                ours.at(std::string(kMaterialDescriptionAttribute)).as_b())
                .at("amzn-ddb-meta-id"),
            "materialName#" + std::to_string(*newest));
  EXPECT_EQ(ddb->calls("PutItem"), meta_items);  // no version was created
}

TEST(DynamoDbMetaStore, KmsMetaProviderCallsKmsOncePerVersion) {
  const Table table;
  const auto kms = std::make_shared<testing::FakeKms>();
  const std::string key = kms->add_key();
  const std::shared_ptr<const MaterialsProvider> meta =
      DirectKmsMaterialsProvider::create({.key_id = key, .kms = kms});
  (void)table.store(meta)->create_version("m", 0);
  EXPECT_EQ(kms->calls("GenerateDataKey"), 1u);
  EXPECT_EQ(kms->calls("Decrypt"), 0u);  // the new version's keys were not read back
  (void)table.store(meta)->load_version("m", 0);
  EXPECT_EQ(kms->calls("Decrypt"), 1u);
  // The meta item's KMS context names the meta table and its keys.
  const auto calls = kms->recorded_calls();
  EXPECT_EQ(calls.front().encryption_context,
            (aws::KmsEncryptionContext{{"*amzn-ddb-env-alg*", "AES/256"},
                                       {"*amzn-ddb-sig-alg*", "HmacSHA256/256"},
                                       {"N", "m"},
                                       {"V", "0"},
                                       {"*aws-kms-table*", "meta"}}));
}

}  // namespace
}  // namespace ddbcrypt
