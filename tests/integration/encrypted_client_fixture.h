// A DynamoDB Local table and an EncryptedClient over it, for each kind of materials provider,
// shared by tests/integration/encrypted_client_*_test.cc.
//
// The table has partition key pk (S) and sort key sk (N), a global index "by-g" on (g, sk)
// projecting ALL, a global index "by-g-keys" on g projecting KEYS_ONLY, and a local index
// "by-l" on (pk, l) projecting KEYS_ONLY. The actions encrypt by default and sign email, g and
// l; visits and note are left alone.
//
// Providers: static, wrapped AES, wrapped RSA, most-recent over an in-memory meta store, Direct
// KMS against moto's KMS, and most-recent over a DynamoDB meta table (in DynamoDB Local)
// whose items a Direct KMS provider protects.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/client/encrypted_client.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/materials/direct_kms_provider.h"
#include "ddbcrypt/materials/dynamodb_meta_store.h"
#include "ddbcrypt/materials/materials_provider.h"
#include "ddbcrypt/materials/meta_store.h"
#include "ddbcrypt/materials/most_recent_provider.h"
#include "testing/standins.h"

namespace ddbcrypt::testing {

enum class ProviderKind {
  kStatic,
  kWrappedAes,
  kWrappedRsa,
  kMostRecent,
  kDirectKms,
  kMostRecentDynamoDb
};

inline std::string provider_kind_name(const ::testing::TestParamInfo<ProviderKind>& info) {
  switch (info.param) {
    case ProviderKind::kStatic:
      return "Static";
    case ProviderKind::kWrappedAes:
      return "WrappedAes";
    case ProviderKind::kWrappedRsa:
      return "WrappedRsa";
    case ProviderKind::kMostRecent:
      return "MostRecent";
    case ProviderKind::kDirectKms:
      return "DirectKms";
    case ProviderKind::kMostRecentDynamoDb:
      return "MostRecentDynamoDb";
  }
  return "Unknown";
}

inline const std::vector<ProviderKind>& all_provider_kinds() {
  static const std::vector<ProviderKind> kinds{ProviderKind::kStatic, ProviderKind::kWrappedAes,
                                               ProviderKind::kWrappedRsa,
                                               ProviderKind::kMostRecent,
                                               ProviderKind::kDirectKms,
                                               ProviderKind::kMostRecentDynamoDb};
  return kinds;
}

inline const RsaPrivateKey& integration_rsa_key() {
  static const RsaPrivateKey key = RsaPrivateKey::generate(2048);
  return key;
}

inline std::shared_ptr<aws::KmsClient> moto_kms() {
  aws::ClientConfig config;
  config.endpoint_override = *kms_endpoint();
  return aws::make_kms_client(config);
}

// One KMS key in moto per test binary.
inline const std::string& moto_key_arn() {
  static const std::string arn =
      moto_kms()->create_key({.description = "ddbcrypt encrypted client tests"}).arn;
  return arn;
}

inline std::shared_ptr<const MaterialsProvider> direct_kms_provider() {
  return DirectKmsMaterialsProvider::create({.key_id = moto_key_arn(), .kms = moto_kms()});
}

// A provider and the meta table it uses, if any (the caller deletes it).
struct ProviderSetup {
  std::shared_ptr<const MaterialsProvider> provider;
  std::string meta_table;
};

// Fresh keys for each call (RSA: one key pair per test binary, since generating is slow).
inline ProviderSetup make_provider(ProviderKind kind, std::shared_ptr<aws::DynamoDbClient> ddb) {
  auto hmac = [] { return SigningKey::hmac(HmacKey::create(HashAlgorithm::kSha256,
                                                           SecretBytes::random(32))); };
  auto aes = [] { return AesKey::create(SecretBytes::random(32)); };
  switch (kind) {
    case ProviderKind::kStatic:
      return {StaticMaterialsProvider::create(
          {.encryption_key = std::make_shared<const AesKey>(aes()), .signing_key = hmac()})};
    case ProviderKind::kWrappedAes: {
      AesKey wrapping = aes();
      return {WrappedMaterialsProvider::create(
          {.wrapping_key = WrappingKey::aes(wrapping.clone()),
           .unwrapping_key = UnwrappingKey::aes(std::move(wrapping)),
           .signing_key = hmac()})};
    }
    case ProviderKind::kWrappedRsa: {
      const RsaPrivateKey& key = integration_rsa_key();
      return {WrappedMaterialsProvider::create(
          {.wrapping_key = WrappingKey::rsa(key.public_key()),
           .unwrapping_key = UnwrappingKey::rsa(key),
           .signing_key = SigningKey::rsa(HashAlgorithm::kSha256, key)})};
    }
    case ProviderKind::kMostRecent: {
      std::shared_ptr<const MetaStore> store = InMemoryMetaStore::create(
          "meta", StaticMaterialsProvider::create(
                      {.encryption_key = std::make_shared<const AesKey>(aes()),
                       .signing_key = hmac()}));
      return {MostRecentProvider::create(store, "material", std::chrono::minutes(5))};
    }
    case ProviderKind::kDirectKms:
      return {direct_kms_provider()};
    case ProviderKind::kMostRecentDynamoDb: {
      const std::string meta_table = unique_name("meta");
      (void)DynamoDbMetaStore::create_table(
          *ddb, meta_table, {.wait = aws::TableWaitOptions{.poll_interval =
                                                                std::chrono::milliseconds(100)}});
      std::shared_ptr<const MetaStore> store =
          DynamoDbMetaStore::create(ddb, meta_table, direct_kms_provider());
      return {MostRecentProvider::create(store, "material", std::chrono::minutes(5)), meta_table};
    }
  }
  throw ConfigError("unknown provider kind");
}

inline AttributeActions fixture_actions() {
  return AttributeActions::create(CryptoAction::kEncryptAndSign,
                                  {{"email", CryptoAction::kSignOnly},
                                   {"g", CryptoAction::kSignOnly},
                                   {"l", CryptoAction::kSignOnly},
                                   {"visits", CryptoAction::kDoNothing},
                                   {"note", CryptoAction::kDoNothing}});
}

inline aws::ClientConfig local_config(const std::string& endpoint) {
  aws::ClientConfig config;
  config.endpoint_override = endpoint;
  // Throttling answers from the fault proxy should not cost seconds each.
  config.retry.throttling_base_delay = std::chrono::milliseconds(5);
  config.retry.base_delay = std::chrono::milliseconds(5);
  return config;
}

inline void create_fixture_table(const aws::DynamoDbClient& ddb, const std::string& table) {
  (void)ddb.create_table({
      .table_name = table,
      .attribute_definitions = {{"pk", aws::ScalarAttributeType::kS},
                                {"sk", aws::ScalarAttributeType::kN},
                                {"g", aws::ScalarAttributeType::kS},
                                {"l", aws::ScalarAttributeType::kN}},
      .key_schema = {{"pk", aws::KeyType::kHash}, {"sk", aws::KeyType::kRange}},
      .billing_mode = aws::BillingMode::kPayPerRequest,
      .global_secondary_indexes =
          {{.index_name = "by-g",
            .key_schema = {{"g", aws::KeyType::kHash}, {"sk", aws::KeyType::kRange}},
            .projection = {.projection_type = aws::ProjectionType::kAll}},
           {.index_name = "by-g-keys",
            .key_schema = {{"g", aws::KeyType::kHash}},
            .projection = {.projection_type = aws::ProjectionType::kKeysOnly}}},
      .local_secondary_indexes = {{.index_name = "by-l",
                                   .key_schema = {{"pk", aws::KeyType::kHash},
                                                  {"l", aws::KeyType::kRange}},
                                   .projection = {.projection_type =
                                                      aws::ProjectionType::kKeysOnly}}},
  });
  aws::wait_until_table_active(ddb, table, {.poll_interval = std::chrono::milliseconds(100)});
}

// A plaintext row: ssn and profile are encrypted, email, g and l signed, visits and note left.
inline Item fixture_row(const std::string& pk, int sk) {
  return {{"pk", AttributeValue::S(pk)},
          {"sk", AttributeValue::N(sk)},
          {"g", AttributeValue::S(sk % 2 == 0 ? "even" : "odd")},
          {"l", AttributeValue::N(100 - sk)},
          {"ssn", AttributeValue::S("SSN-SECRET-" + pk + "-" + std::to_string(sk))},
          {"profile", AttributeValue::M({{"city", AttributeValue::S("CITY-SECRET-" + pk)},
                                         {"tags", AttributeValue::SS({"TAG-SECRET-a", "b"})}})},
          {"email", AttributeValue::S(pk + "." + std::to_string(sk) + "@example.com")},
          {"visits", AttributeValue::N(sk * 10)}};
}
inline Item fixture_key(const std::string& pk, int sk) {
  return {{"pk", AttributeValue::S(pk)}, {"sk", AttributeValue::N(sk)}};
}

// The plaintext that must not appear in stored items: the values of encrypted attributes.
inline bool contains_secret_text(const Item& stored) {
  const std::string json = to_json(stored);
  for (const char* marker : {"SSN-SECRET", "CITY-SECRET", "TAG-SECRET"}) {
    if (json.find(marker) != std::string::npos) return true;
    // Binary values are base64 in the JSON: look into the raw bytes as well.
    for (const auto& [name, value] : stored) {
      if (!value.is(AttributeValue::Type::kB)) continue;
      const Bytes& b = value.as_b();
      const std::string_view raw(reinterpret_cast<const char*>(b.data()), b.size());
      if (raw.find(marker) != std::string_view::npos) return true;
    }
  }
  return false;
}

class EncryptedTableTest : public ::testing::TestWithParam<ProviderKind> {
 protected:
  void SetUp() override {
    DDBCRYPT_REQUIRE_STANDINS();
    raw_ = aws::make_dynamodb_client(local_config(*dynamodb_endpoint()));
    table_ = unique_name("enc");
    create_fixture_table(*raw_, table_);
    ProviderSetup setup = make_provider(GetParam(), raw_);
    provider_ = std::move(setup.provider);
    meta_table_ = std::move(setup.meta_table);
    client_ = EncryptedClient::create(raw_, {.provider = provider_, .actions = fixture_actions()});
  }
  void TearDown() override {
    for (const std::string* name : {&table_, &meta_table_}) {
      if (!raw_ || name->empty()) continue;
      try {
        (void)raw_->delete_table({.table_name = *name});
      } catch (const DynamoDbError&) {
      }
    }
  }

  // The item as stored, read through the plain client.
  Item stored(const Item& key) const {
    auto got = raw_->get_item({.table_name = table_, .key = key, .consistent_read = true});
    EXPECT_TRUE(got.item.has_value());
    return got.item.value_or(Item{});
  }
  std::vector<Item> stored_items() const {
    std::vector<Item> out;
    aws::ScanPager pages(*raw_, {.table_name = table_, .consistent_read = true});
    while (auto page = pages.next_page()) {
      for (Item& item : page->items) out.push_back(std::move(item));
    }
    return out;
  }

  std::shared_ptr<aws::DynamoDbClient> raw_;
  std::string table_;
  std::string meta_table_;
  std::shared_ptr<const MaterialsProvider> provider_;
  std::unique_ptr<EncryptedClient> client_;
};

}  // namespace ddbcrypt::testing
