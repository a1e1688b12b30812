// The KMS-backed materials over the real clients and the local stand-ins
// (tests/standins/standins.py): the Direct KMS provider against moto's KMS, the DynamoDB meta
// store against DynamoDB Local, the most-recent provider over both, and an unreachable or
// throttling meta table through the fault proxy.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/materials/direct_kms_provider.h"
#include "ddbcrypt/materials/dynamodb_meta_store.h"
#include "ddbcrypt/materials/most_recent_provider.h"
#include "legacy/material_description.h"
#include "testing/standins.h"

namespace ddbcrypt {
namespace {

using std::chrono::milliseconds;

Item sample(std::string pk = "user#1") {
  return Item{{"pk", AttributeValue::S(std::move(pk))},
              {"sk", AttributeValue::N("42")},
              {"email", AttributeValue::S("someone@example.com")},
              {"tags", AttributeValue::SS({"a", "b"})}};
}

CryptoConfig config_for(std::shared_ptr<const MaterialsProvider> provider,
                        std::string table = "Orders") {
  return CryptoConfig{.provider = std::move(provider),
                      .context = {.table_name = std::move(table),
                                  .partition_key_name = "pk",
                                  .sort_key_name = std::string("sk")},
                      .actions = AttributeActions::create()};
}

std::string meta_id_of(const Item& stored) {
  return internal::legacy::parse_material_description(
             stored.at(std::string(kMaterialDescriptionAttribute)).as_b())
      .at("amzn-ddb-meta-id");
}

std::shared_ptr<aws::KmsClient> moto_kms() {
  aws::ClientConfig config;
  config.endpoint_override = *testing::kms_endpoint();
  return aws::make_kms_client(config);
}

std::shared_ptr<aws::DynamoDbClient> dynamodb(const std::string& endpoint,
                                              aws::RetryOptions retry = {}) {
  aws::ClientConfig config;
  config.endpoint_override = endpoint;
  config.request_timeout = milliseconds(3000);
  if (!retry.base_delay) retry.base_delay = milliseconds(1);
  retry.throttling_base_delay = milliseconds(2);
  config.retry = retry;
  return aws::make_dynamodb_client(config);
}

KmsError expect_kms_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const KmsError& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected KmsError, got " << e.what();
    return KmsError(AwsErrorInfo{});
  }
  ADD_FAILURE() << "no KmsError thrown";
  return KmsError(AwsErrorInfo{});
}

class KmsMaterials : public ::testing::Test {
 protected:
  void SetUp() override {
    DDBCRYPT_REQUIRE_STANDINS();
    kms_ = moto_kms();
    key_ = kms_->create_key({.description = "ddbcrypt materials integration test"});
    alias_ = "alias/" + testing::unique_name("mat");
    kms_->create_alias(alias_, key_.key_id);
  }
  std::shared_ptr<const DirectKmsMaterialsProvider> provider(DirectKmsOptions o = {}) const {
    if (o.key_id.empty()) o.key_id = key_.arn;
    if (!o.kms && !o.kms_for_region) o.kms = kms_;
    return DirectKmsMaterialsProvider::create(std::move(o));
  }
  std::shared_ptr<aws::KmsClient> kms_;
  aws::KeyMetadata key_;
  std::string alias_;
};

TEST_F(KmsMaterials, DirectKmsRoundTripsWithEveryKeyIdForm) {
  const std::string alias_arn = key_.arn.substr(0, key_.arn.find(":key/")) + ":" + alias_;
  const Item stored = encrypt_item(sample(), config_for(provider()));
  for (const std::string& id : {key_.key_id, key_.arn, alias_, alias_arn}) {
    SCOPED_TRACE(id);
    const auto p = provider({.key_id = id});
    EXPECT_TRUE(equivalent(decrypt_item(stored, config_for(p)), sample()));
    EXPECT_TRUE(equivalent(decrypt_item(encrypt_item(sample(), config_for(p)), config_for(p)),
                           sample()));
  }
  // An ARN's region picks the client through the factory.
  std::vector<std::string> asked;
  const auto by_region = provider(
      {.key_id = key_.arn, .kms_for_region = [&](const std::string& region) {
         asked.push_back(region);
         aws::ClientConfig config;
         config.region = region;
         config.endpoint_override = *testing::kms_endpoint();
         return aws::make_kms_client(config);
       }});
  EXPECT_EQ(asked, std::vector<std::string>{"us-east-1"});
  EXPECT_TRUE(equivalent(decrypt_item(stored, config_for(by_region)), sample()));
}

TEST_F(KmsMaterials, DirectKmsRefusesWrongKeysAndContexts) {
  const auto p = provider();
  const Item stored = encrypt_item(sample(), config_for(p));
  // Another table, another key value: KMS refuses the data key.
  EXPECT_EQ(expect_kms_error([&] { (void)decrypt_item(stored, config_for(p, "Other")); })
                .error_code(),
            "InvalidCiphertextException");
  Item moved = stored;
  moved["pk"] = AttributeValue::S("user#2");
  EXPECT_EQ(expect_kms_error([&] { (void)decrypt_item(moved, config_for(p)); }).error_code(),
            "InvalidCiphertextException");
  // Pinned to another key: real KMS answers IncorrectKeyException, moto AccessDeniedException.
  const aws::KeyMetadata other = kms_->create_key({.description = "other"});
  const auto pinned_other = provider({.key_id = other.arn});
  const std::string code =
      expect_kms_error([&] { (void)decrypt_item(stored, config_for(pinned_other)); }).error_code();
  EXPECT_TRUE(code == "IncorrectKeyException" || code == "AccessDeniedException") << code;
  // Unknown key on encrypt.
  const auto unknown = provider({.key_id = "alias/does-not-exist"});
  EXPECT_EQ(expect_kms_error([&] { (void)encrypt_item(sample(), config_for(unknown)); })
                .error_code(),
            "NotFoundException");
}

TEST_F(KmsMaterials, DecryptCacheStopsRepeatedKmsCalls) {
  const auto p = provider({.decryption_cache = KmsDataKeyCacheLimits{}});
  std::vector<Item> stored;
  for (int i = 0; i < 20; ++i) {
    stored.push_back(encrypt_item(sample(std::to_string(i)), config_for(p)));
  }
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(equivalent(decrypt_item(stored[i], config_for(p)), sample(std::to_string(i))));
    }
  }
  const KmsProviderMetrics m = p->metrics();
  EXPECT_EQ(m.generate_data_key_calls, 20u);
  EXPECT_EQ(m.decrypt_calls, 20u);
  EXPECT_EQ(m.cache_hits, 40u);
  EXPECT_EQ(m.failed_calls, 0u);
}

class MetaTable : public KmsMaterials {
 protected:
  void SetUp() override {
    KmsMaterials::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ddb_ = dynamodb(*testing::dynamodb_endpoint());
    table_ = testing::unique_name("meta");
    (void)DynamoDbMetaStore::create_table(*ddb_, table_,
                                          {.wait = aws::TableWaitOptions{
                                               .poll_interval = milliseconds(100)}});
  }
  void TearDown() override {
    if (ddb_) {
      try {
        (void)ddb_->delete_table({.table_name = table_});
      } catch (const DynamoDbError&) {
      }
    }
  }
  std::shared_ptr<const DynamoDbMetaStore> store(
      std::shared_ptr<const aws::DynamoDbClient> client = nullptr) const {
    return DynamoDbMetaStore::create(client ? client : ddb_, table_, provider());
  }
  std::shared_ptr<aws::DynamoDbClient> ddb_;
  std::string table_;
};

TEST_F(MetaTable, VersionsAreOrderedNumericallyAndNeverOverwritten) {
  const auto s = store();
  EXPECT_EQ(s->max_version("m"), std::nullopt);
  for (std::uint64_t v : {0, 2, 10, 9}) (void)s->create_version("m", v);
  EXPECT_EQ(s->max_version("m"), 10u);
  const auto described = ddb_->describe_table({.table_name = table_}).table;
  EXPECT_EQ(described.key_schema, (std::vector<aws::KeySchemaElement>{
                                      {"N", aws::KeyType::kHash}, {"V", aws::KeyType::kRange}}));

  // Racing creators of one version, each with its own store: one item, the same keys.
  std::vector<std::shared_ptr<const MaterialsProvider>> winners(6);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < winners.size(); ++i) {
    threads.emplace_back([&, i] { winners[i] = store()->create_version("race", 0); });
  }
  for (auto& t : threads) t.join();
  const Item stored = encrypt_item(sample(), config_for(winners[0]));
  for (const auto& w : winners) {
    EXPECT_TRUE(equivalent(decrypt_item(stored, config_for(w)), sample()));
  }
  const aws::QueryResult race = ddb_->query(
      {.table_name = table_,
       .key_condition_expression = "#n = :n",
       .expression_attribute_names = {{"#n", "N"}},
       .expression_attribute_values = {{":n", AttributeValue::S("race")}}});
  EXPECT_EQ(race.count, 1);
}

TEST_F(MetaTable, MissingAndTamperedVersionsAreRefused) {
  const auto s = store();
  (void)s->create_version("m", 0);
  const std::string message = [&] {
    try {
      (void)s->load_version("m", 3);
    } catch (const DecryptionError& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_NE(message.find("version 3"), std::string::npos) << message;
  EXPECT_NE(message.find("\"m\""), std::string::npos) << message;

  const Item key{{"N", AttributeValue::S("m")}, {"V", AttributeValue::N("0")}};
  Item item =
      *ddb_->get_item({.table_name = table_, .key = key, .consistent_read = true}).item;
  Bytes enc = item.at("enc").as_b();
  enc[enc.size() - 1] ^= 0x01;
  item["enc"] = AttributeValue::B(enc);
  (void)ddb_->put_item({.table_name = table_, .item = item});
  EXPECT_THROW((void)s->load_version("m", 0), SignatureError);
}

TEST_F(MetaTable, MostRecentWithKmsMetaMaterials) {
  const auto s = store();
  const std::shared_ptr<const MostRecentProvider> writer =
      MostRecentProvider::create(s, "orders", std::chrono::minutes(5));
  const Item first = encrypt_item(sample(), config_for(writer));
  EXPECT_EQ(meta_id_of(first), "orders#0");
  EXPECT_EQ(writer->rotate(), 1u);
  const Item second = encrypt_item(sample(), config_for(writer));
  EXPECT_EQ(meta_id_of(second), "orders#1");
  // A separate reader (another process, in effect) decrypts both.
  const std::shared_ptr<const MaterialsProvider> reader =
      MostRecentProvider::create(store(), "orders", std::chrono::minutes(5));
  EXPECT_TRUE(equivalent(decrypt_item(first, config_for(reader)), sample()));
  EXPECT_TRUE(equivalent(decrypt_item(second, config_for(reader)), sample()));
}

TEST_F(MetaTable, UnreachableOrThrottlingMetaTable) {
  testing::FaultProxy proxy = testing::FaultProxy::from_env();
  const auto faulty = dynamodb(proxy.endpoint(), {.max_attempts = 2});
  auto clock_ms = std::make_shared<std::atomic<std::int64_t>>(0);
  const std::shared_ptr<const MaterialsProvider> p = MostRecentProvider::create(
      store(faulty), "m",
      {.version_ttl = milliseconds(10'000), .clock = [clock_ms] {
         return std::chrono::steady_clock::time_point(milliseconds(clock_ms->load()));
       }});
  const Item stored = encrypt_item(sample(), config_for(p));

  // Every request on the table fails from now on; within the TTL nothing needs the table.
  const int rule = proxy.add_rule(R"({"table":")" + table_ +
                                  R"(","fault":"unavailable","times":-1})");
  *clock_ms += 9'000;
  EXPECT_TRUE(equivalent(decrypt_item(encrypt_item(sample(), config_for(p)), config_for(p)),
                         sample()));
  EXPECT_EQ(proxy.fired(rule), 0);
  // Past TTL + grace the refresh fails with the table's error.
  *clock_ms += 1'600;
  try {
    (void)encrypt_item(sample(), config_for(p));
    ADD_FAILURE() << "encrypted although the meta table is unreachable";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.http_status(), 503);
    EXPECT_EQ(e.attempts(), 2);
  }
  EXPECT_THROW((void)decrypt_item(stored, config_for(p)), DynamoDbError);
  EXPECT_GE(proxy.fired(rule), 2);
  // Back again: everything works without a new provider.
  proxy.remove_rule(rule);
  EXPECT_TRUE(equivalent(decrypt_item(stored, config_for(p)), sample()));
  EXPECT_EQ(meta_id_of(encrypt_item(sample(), config_for(p))), "m#0");
}

}  // namespace
}  // namespace ddbcrypt
