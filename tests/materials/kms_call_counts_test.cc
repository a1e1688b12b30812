// KMS (and meta-table) calls per 1,000 items for the KMS-backed providers, measured against
// FakeKms and FakeDynamoDb, which count every request. The numbers are asserted exactly and
// printed as "[calls] ..." lines.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>

#include "ddbcrypt/materials/direct_kms_provider.h"
#include "ddbcrypt/materials/dynamodb_meta_store.h"
#include "ddbcrypt/materials/most_recent_provider.h"
#include "encryptor/encryptor_support.h"
#include "testing/fake_dynamodb.h"
#include "testing/fake_kms.h"

namespace ddbcrypt {
namespace {

constexpr int kItems = 1000;

Item item(int i) {
  return Item{{"pk", AttributeValue::S("customer#" + std::to_string(i % 97))},
              {"sk", AttributeValue::N(std::to_string(i))},
              {"name", AttributeValue::S("name " + std::to_string(i))},
              {"balance", AttributeValue::N("12.50")}};
}

struct Counts {
  std::size_t generate_data_key = 0;
  std::size_t decrypt = 0;
  std::size_t query = 0;
  std::size_t get_item = 0;
  std::size_t put_item = 0;
};

Counts snapshot(const testing::FakeKms& kms, const testing::FakeDynamoDb* ddb = nullptr) {
  return Counts{kms.calls("GenerateDataKey"), kms.calls("Decrypt"),
                ddb ? ddb->calls("Query") : 0, ddb ? ddb->calls("GetItem") : 0,
                ddb ? ddb->calls("PutItem") : 0};
}

Counts since(const Counts& before, const Counts& after) {
  return Counts{after.generate_data_key - before.generate_data_key,
                after.decrypt - before.decrypt, after.query - before.query,
                after.get_item - before.get_item, after.put_item - before.put_item};
}

void report(const std::string& what, const Counts& c) {
  std::cout << "[calls] " << what << ": KMS GenerateDataKey " << c.generate_data_key
            << ", KMS Decrypt " << c.decrypt << ", DynamoDB Query " << c.query << ", GetItem "
            << c.get_item << ", PutItem " << c.put_item << '\n';
}

std::vector<Item> encrypt_all(const CryptoConfig& config) {
  std::vector<Item> out;
  for (int i = 0; i < kItems; ++i) out.push_back(encrypt_item(item(i), config));
  return out;
}

void decrypt_all(const std::vector<Item>& stored, const CryptoConfig& config,
                 const std::function<void()>& between = {}) {
  for (int i = 0; i < kItems; ++i) {
    ASSERT_TRUE(equivalent(decrypt_item(stored[i], config), item(i)));
    if (between) between();
  }
}

TEST(KmsCallsPer1000Items, DirectKmsWithoutCache) {
  const auto kms = std::make_shared<testing::FakeKms>();
  const CryptoConfig config = testing::make_config(
      DirectKmsMaterialsProvider::create({.key_id = kms->add_key(), .kms = kms}));

  Counts start = snapshot(*kms);
  const std::vector<Item> stored = encrypt_all(config);
  Counts c = since(start, snapshot(*kms));
  report("direct KMS, no cache, encrypt 1000", c);
  EXPECT_EQ(c.generate_data_key, 1000u);
  EXPECT_EQ(c.decrypt, 0u);

  for (int pass = 1; pass <= 2; ++pass) {
    start = snapshot(*kms);
    decrypt_all(stored, config);
    c = since(start, snapshot(*kms));
    report("direct KMS, no cache, decrypt 1000 (pass " + std::to_string(pass) + ")", c);
    EXPECT_EQ(c.decrypt, 1000u);
    EXPECT_EQ(c.generate_data_key, 0u);
  }
}

TEST(KmsCallsPer1000Items, DirectKmsWithCache) {
  const auto kms = std::make_shared<testing::FakeKms>();
  const std::shared_ptr<const DirectKmsMaterialsProvider> p = DirectKmsMaterialsProvider::create(
      {.key_id = kms->add_key(),
       .kms = kms,
       .decryption_cache = KmsDataKeyCacheLimits{.max_entries = 1000}});
  const CryptoConfig config = testing::make_config(p);

  Counts start = snapshot(*kms);
  const std::vector<Item> stored = encrypt_all(config);
  Counts c = since(start, snapshot(*kms));
  report("direct KMS, cache, encrypt 1000", c);
  EXPECT_EQ(c.generate_data_key, 1000u);  // a data key per item, as the reference

  start = snapshot(*kms);
  decrypt_all(stored, config);
  c = since(start, snapshot(*kms));
  report("direct KMS, cache, decrypt 1000 (first read)", c);
  EXPECT_EQ(c.decrypt, 1000u);

  start = snapshot(*kms);
  decrypt_all(stored, config);
  c = since(start, snapshot(*kms));
  report("direct KMS, cache, decrypt 1000 (re-read)", c);
  EXPECT_EQ(c.decrypt, 0u);
  EXPECT_EQ(p->metrics().cache_hits, 1000u);
  EXPECT_EQ(p->metrics().cache_misses, 1000u);
}

TEST(KmsCallsPer1000Items, MostRecentWithKmsMetaMaterials) {
  const auto kms = std::make_shared<testing::FakeKms>();
  const auto ddb = std::make_shared<testing::FakeDynamoDb>();
  (void)DynamoDbMetaStore::create_table(*ddb, "meta");
  const std::string key = kms->add_key();
  const auto meta_provider = [&] {
    return std::shared_ptr<const MaterialsProvider>(
        DirectKmsMaterialsProvider::create({.key_id = key, .kms = kms}));
  };
  auto clock_ms = std::make_shared<std::atomic<std::int64_t>>(0);
  const MaterialsClock clock = [clock_ms] {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(clock_ms->load()));
  };
  const auto provider = [&](std::chrono::seconds ttl) {
    return std::shared_ptr<const MaterialsProvider>(MostRecentProvider::create(
        DynamoDbMetaStore::create(ddb, "meta", meta_provider()), "orders",
        {.version_ttl = ttl, .clock = clock}));
  };

  // All within one TTL (5 minutes).
  const CryptoConfig writer = testing::make_config(provider(std::chrono::minutes(5)));
  Counts start = snapshot(*kms, ddb.get());
  const std::vector<Item> stored = encrypt_all(writer);
  Counts c = since(start, snapshot(*kms, ddb.get()));
  report("most-recent (KMS meta), encrypt 1000, first use creates version 0", c);
  EXPECT_EQ(c.generate_data_key, 1u);  // the meta item of version 0
  EXPECT_EQ(c.decrypt, 0u);
  EXPECT_EQ(c.query, 1u);
  EXPECT_EQ(c.put_item, 1u);

  const CryptoConfig reader = testing::make_config(provider(std::chrono::minutes(5)));
  start = snapshot(*kms, ddb.get());
  decrypt_all(stored, reader);
  c = since(start, snapshot(*kms, ddb.get()));
  report("most-recent (KMS meta), decrypt 1000, fresh reader", c);
  EXPECT_EQ(c.decrypt, 1u);  // version 0's meta item, once
  EXPECT_EQ(c.get_item, 1u);

  // One item per second with a 60 s TTL: the newest version is re-read once a minute (a Query;
  // unchanged, so no KMS call) and a reader reloads version 0 once a minute (GetItem + KMS
  // Decrypt of its meta item).
  const CryptoConfig slow_writer = testing::make_config(provider(std::chrono::seconds(60)));
  start = snapshot(*kms, ddb.get());
  for (int i = 0; i < kItems; ++i) {
    (void)encrypt_item(item(i), slow_writer);
    *clock_ms += 1000;
  }
  c = since(start, snapshot(*kms, ddb.get()));
  report("most-recent (KMS meta, TTL 60 s), encrypt 1000 at 1 item/s", c);
  EXPECT_EQ(c.query, 17u);            // at t = 0, 60, ..., 960 s
  EXPECT_EQ(c.get_item, 1u);          // version 0 loaded once; unchanged afterwards
  EXPECT_EQ(c.decrypt, 1u);
  EXPECT_EQ(c.generate_data_key, 0u);

  const CryptoConfig slow_reader = testing::make_config(provider(std::chrono::seconds(60)));
  start = snapshot(*kms, ddb.get());
  decrypt_all(stored, slow_reader, [&] { *clock_ms += 1000; });
  c = since(start, snapshot(*kms, ddb.get()));
  report("most-recent (KMS meta, TTL 60 s), decrypt 1000 at 1 item/s", c);
  EXPECT_EQ(c.get_item, 17u);
  EXPECT_EQ(c.decrypt, 17u);
}

}  // namespace
}  // namespace ddbcrypt
