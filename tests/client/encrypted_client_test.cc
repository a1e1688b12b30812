// EncryptedClient over a scripted in-memory DynamoDbClient: what it sends (widened
// projections, guard conditions, batch sizes), how it re-drives unprocessed batch entries and
// what its errors say. The same behaviours against DynamoDB Local are in
// tests/integration/encrypted_client_*_test.cc.
#include "ddbcrypt/client/encrypted_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/expression.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "encryptor/encryptor_support.h"

namespace ddbcrypt {
namespace {

// One table "t" (pk S, sk N) kept in memory; items are stored as sent. Every request is
// recorded, and hooks can change the answers.
class ScriptedDynamoDb final : public aws::DynamoDbClient {
 public:
  aws::GetItemResult get_item(const aws::GetItemRequest& r) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    gets.push_back(r);
    aws::GetItemResult out;
    const auto it = items_.find(key_text(r.key));
    if (it != items_.end()) out.item = it->second;
    return out;
  }
  aws::PutItemResult put_item(const aws::PutItemRequest& r) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    puts.push_back(r);
    aws::PutItemResult out;
    const std::string k = key_text(r.item);
    // The one condition the tests need: safe_update_item's signature check.
    if (r.condition_expression) {
      EXPECT_EQ(*r.condition_expression, "#ddbcrypt_sig = :ddbcrypt_sig");
      const auto existing = items_.find(k);
      const bool same = existing != items_.end() &&
                        existing->second.count(std::string(kSignatureAttribute)) != 0 &&
                        existing->second.at(std::string(kSignatureAttribute)) ==
                            r.expression_attribute_values.at(":ddbcrypt_sig");
      if (!same) {
        throw DynamoDbError(AwsErrorInfo{.error_code = "ConditionalCheckFailedException",
                                         .message = "The conditional request failed",
                                         .http_status = 400});
      }
    }
    auto& slot = items_[k];
    if (r.return_values == aws::ReturnValue::kAllOld && !slot.empty()) out.attributes = slot;
    slot = r.item;
    return out;
  }
  aws::DeleteItemResult delete_item(const aws::DeleteItemRequest& r) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.erase(key_text(r.key));
    return {};
  }
  aws::UpdateItemResult update_item(const aws::UpdateItemRequest& r) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    updates.push_back(r);
    return {};
  }
  aws::QueryResult query(const aws::QueryRequest& r) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    queries.push_back(r);
    aws::QueryResult out;
    for (const auto& [key, item] : items_) out.items.push_back(item);
    out.count = static_cast<std::int64_t>(out.items.size());
    return out;
  }
  aws::ScanResult scan(const aws::ScanRequest&) const override { return {}; }
  aws::BatchGetItemResult batch_get_item(const aws::BatchGetItemRequest& r) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    batch_gets.push_back(r);
    aws::BatchGetItemResult out;
    for (const auto& [table, keys] : r.request_items) {
      std::size_t served = 0;
      for (const Item& key : keys.keys) {
        if (get_keep >= 0 && served >= static_cast<std::size_t>(get_keep)) {
          out.unprocessed_keys[table].keys.push_back(key);
          continue;
        }
        ++served;
        const auto it = items_.find(key_text(key));
        if (it != items_.end()) out.responses[table].push_back(it->second);
      }
    }
    return out;
  }
  aws::BatchWriteItemResult batch_write_item(const aws::BatchWriteItemRequest& r) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    batch_writes.push_back(r);
    if (on_batch_write) on_batch_write(batch_writes.size());
    aws::BatchWriteItemResult out;
    for (const auto& [table, writes] : r.request_items) {
      std::size_t applied = 0;
      for (const aws::WriteRequest& w : writes) {
        if (write_keep >= 0 && applied >= static_cast<std::size_t>(write_keep)) {
          out.unprocessed_items[table].push_back(w);
          continue;
        }
        ++applied;
        if (const auto* put = std::get_if<aws::PutRequest>(&w)) {
          ++landed_[key_text(put->item)];
          items_[key_text(put->item)] = put->item;
        } else {
          items_.erase(key_text(std::get<aws::DeleteRequest>(w).key));
        }
      }
    }
    return out;
  }
  aws::TransactGetItemsResult transact_get_items(const aws::TransactGetItemsRequest&) const override {
    return {};
  }
  aws::TransactWriteItemsResult transact_write_items(
      const aws::TransactWriteItemsRequest& r) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    transact_writes.push_back(r);
    return {};
  }
  aws::CreateTableResult create_table(const aws::CreateTableRequest&) const override { return {}; }
  aws::DescribeTableResult describe_table(const aws::DescribeTableRequest& r) const override {
    ++describe_calls;
    // Slow enough that concurrent first uses overlap.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (r.table_name != "t") {
      throw DynamoDbError(AwsErrorInfo{.error_code = "ResourceNotFoundException",
                                       .message = "Requested resource not found",
                                       .http_status = 400});
    }
    aws::DescribeTableResult out;
    out.table.table_name = "t";
    out.table.key_schema = {{"pk", aws::KeyType::kHash}, {"sk", aws::KeyType::kRange}};
    out.table.global_secondary_indexes.push_back(
        {.index_name = "keys-only",
         .key_schema = {{"g", aws::KeyType::kHash}},
         .projection = {.projection_type = aws::ProjectionType::kKeysOnly}});
    return out;
  }
  aws::DeleteTableResult delete_table(const aws::DeleteTableRequest&) const override { return {}; }
  aws::ListTablesResult list_tables(const aws::ListTablesRequest&) const override { return {}; }
  const std::string& region() const noexcept override { return region_; }

  Item stored(const Item& key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.at(key_text(key));
  }
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }
  int landed(const Item& key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = landed_.find(key_text(key));
    return it == landed_.end() ? 0 : it->second;
  }

  // Recorded requests and hooks (used under the client's calls; tests read them afterwards).
  mutable std::vector<aws::GetItemRequest> gets;
  mutable std::vector<aws::PutItemRequest> puts;
  mutable std::vector<aws::UpdateItemRequest> updates;
  mutable std::vector<aws::QueryRequest> queries;
  mutable std::vector<aws::BatchGetItemRequest> batch_gets;
  mutable std::vector<aws::BatchWriteItemRequest> batch_writes;
  mutable std::vector<aws::TransactWriteItemsRequest> transact_writes;
  mutable std::atomic<int> describe_calls{0};
  int write_keep = -1;  // writes applied per request (-1: all); the rest come back unprocessed
  int get_keep = -1;
  std::function<void(std::size_t)> on_batch_write;  // called with the request's number

 private:
  static std::string key_text(const Item& item) {
    return to_json(item.at("pk")) + "|" + to_json(item.at("sk"));
  }
  mutable std::mutex mutex_;
  mutable std::map<std::string, Item> items_;
  mutable std::map<std::string, int> landed_;
  std::string region_ = "us-east-1";
};

Item key(int i) {
  return {{"pk", AttributeValue::S("p")}, {"sk", AttributeValue::N(i)}};
}
Item row(int i) {
  Item item = key(i);
  item["ssn"] = AttributeValue::S("123-45-" + std::to_string(1000 + i));
  item["email"] = AttributeValue::S("user" + std::to_string(i) + "@example.com");
  item["visits"] = AttributeValue::N(i);
  return item;
}

struct Fixture {
  explicit Fixture(EncryptedClientConfig config = {}) {
    if (!config.provider) config.provider = testing::vector_static_provider();
    if (config.actions == AttributeActions::create()) {
      config.actions = AttributeActions::create(CryptoAction::kEncryptAndSign,
                                                {{"email", CryptoAction::kSignOnly},
                                                 {"visits", CryptoAction::kDoNothing}});
    }
    config.batch_retry.base_delay = std::chrono::milliseconds(1);
    client = EncryptedClient::create(ddb, std::move(config));
  }
  std::shared_ptr<ScriptedDynamoDb> ddb = std::make_shared<ScriptedDynamoDb>();
  std::unique_ptr<EncryptedClient> client;
};

TEST(EncryptedClient, RefusesMissingPieces) {
  EXPECT_THROW((void)EncryptedClient::create(nullptr, {.provider = testing::vector_static_provider()}),
               ConfigError);
  EXPECT_THROW((void)EncryptedClient::create(std::make_shared<ScriptedDynamoDb>(), {}), ConfigError);
}

TEST(EncryptedClient, DescribesEachTableOnceEvenConcurrently) {
  Fixture f;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&f, t] { f.client->put_item({.table_name = "t", .item = row(t)}); });
  }
  for (auto& t : threads) t.join();
  (void)f.client->get_item({.table_name = "t", .key = key(1)});
  EXPECT_EQ(f.ddb->describe_calls.load(), 1);
  EXPECT_EQ(f.ddb->size(), 8u);

  // A failed lookup is not cached.
  EXPECT_THROW(f.client->put_item({.table_name = "missing", .item = row(1)}), DynamoDbError);
  EXPECT_THROW(f.client->put_item({.table_name = "missing", .item = row(1)}), DynamoDbError);
  EXPECT_EQ(f.ddb->describe_calls.load(), 3);
}

TEST(EncryptedClient, StoresCiphertextAndReadsPlaintext) {
  Fixture f;
  f.client->put_item({.table_name = "t", .item = row(7)});
  const Item stored = f.ddb->stored(key(7));
  EXPECT_TRUE(stored.at("ssn").is(AttributeValue::Type::kB));
  EXPECT_EQ(stored.at("email"), row(7).at("email"));
  EXPECT_EQ(stored.at("pk"), AttributeValue::S("p"));  // key signed, not encrypted
  EXPECT_EQ(stored.count(std::string(kSignatureAttribute)), 1u);
  const auto got = f.client->get_item({.table_name = "t", .key = key(7)});
  ASSERT_TRUE(got.item);
  EXPECT_EQ(*got.item, row(7));
  // The signed name is the described table's.
  EXPECT_EQ(f.client->crypto_config("t").context.table_name, "t");
  EXPECT_EQ(f.client->crypto_config("t").context.sort_key_name, std::optional<std::string>("sk"));
}

TEST(EncryptedClient, ProjectionIsWidenedThenCut) {
  EncryptedClientConfig config;
  config.actions = AttributeActions::create(
      CryptoAction::kDoNothing,
      {{"ssn", CryptoAction::kEncryptAndSign}, {"email", CryptoAction::kSignOnly}});
  Fixture f(std::move(config));
  f.client->put_item({.table_name = "t", .item = row(3)});
  const auto got = f.client->get_item({.table_name = "t",
                                       .key = key(3),
                                       .projection_expression = "#s, visits",
                                       .expression_attribute_names = {{"#s", "ssn"}}});
  ASSERT_TRUE(got.item);
  EXPECT_EQ(*got.item, (Item{{"ssn", row(3).at("ssn")}, {"visits", row(3).at("visits")}}));
  ASSERT_EQ(f.ddb->gets.size(), 1u);
  const aws::GetItemRequest& sent = f.ddb->gets[0];
  ASSERT_TRUE(sent.projection_expression);
  std::set<std::string> names;
  for (const auto& ref : internal::parse_projection_expression(*sent.projection_expression,
                                                               sent.expression_attribute_names, "P")
                             .paths) {
    names.insert(ref.path.attribute());
  }
  EXPECT_EQ(names, (std::set<std::string>{"visits", "ssn", "email", "pk", "sk",
                                          "*amzn-ddb-map-desc*", "*amzn-ddb-map-sig*"}));
}

TEST(EncryptedClient, RefusesIndexReadsThatCannotVerify) {
  // An encrypted index key cannot be queried at all.
  {
    Fixture encrypted_key;
    try {
      (void)encrypted_key.client->query(
          {.table_name = "t",
           .index_name = "keys-only",
           .key_condition_expression = "g = :g",
           .expression_attribute_values = {{":g", AttributeValue::S("x")}}});
      FAIL();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("KeyConditionExpression uses attribute \"g\""),
                std::string::npos)
          << e.what();
    }
  }
  EncryptedClientConfig config;
  config.actions = AttributeActions::create(CryptoAction::kEncryptAndSign,
                                            {{"g", CryptoAction::kSignOnly}});
  Fixture f(std::move(config));
  try {
    (void)f.client->query({.table_name = "t",
                           .index_name = "keys-only",
                           .key_condition_expression = "g = :g",
                           .expression_attribute_values = {{":g", AttributeValue::S("x")}}});
    FAIL() << "query on a KEYS_ONLY global index passed";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("global secondary index \"keys-only\""), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)f.client->query({.table_name = "t", .index_name = "nope"}), ConfigError);
  EXPECT_TRUE(f.ddb->queries.empty());
}

TEST(EncryptedClient, FilterOnEncryptedAttributeNeverReachesDynamoDb) {
  Fixture f;
  EXPECT_THROW((void)f.client->query({.table_name = "t",
                                      .key_condition_expression = "pk = :p",
                                      .filter_expression = "ssn = :s",
                                      .expression_attribute_values =
                                          {{":p", AttributeValue::S("p")},
                                           {":s", AttributeValue::S("x")}}}),
               ConfigError);
  EXPECT_TRUE(f.ddb->queries.empty());
  f.client->put_item({.table_name = "t", .item = row(1)});
  const aws::QueryResult r = f.client->query({.table_name = "t",
                                              .key_condition_expression = "pk = :p",
                                              .filter_expression = "email = :e",
                                              .expression_attribute_values =
                                                  {{":p", AttributeValue::S("p")},
                                                   {":e", row(1).at("email")}}});
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0], row(1));
}

TEST(EncryptedClient, UpdatesRefusedOrGuarded) {
  Fixture f;
  EXPECT_THROW(f.client->update_item({.table_name = "t",
                                      .key = key(1),
                                      .update_expression = "SET email = :e",
                                      .expression_attribute_values = {{":e", AttributeValue::S("x")}}}),
               ConfigError);
  EXPECT_TRUE(f.ddb->updates.empty());
  f.client->update_item({.table_name = "t",
                         .key = key(1),
                         .update_expression = "ADD visits :one",
                         .expression_attribute_values = {{":one", AttributeValue::N(1)}}});
  ASSERT_EQ(f.ddb->updates.size(), 1u);
  const aws::UpdateItemRequest& sent = f.ddb->updates[0];
  EXPECT_EQ(sent.update_expression, std::optional<std::string>("ADD visits :one"));
  ASSERT_TRUE(sent.condition_expression);
  EXPECT_EQ(*sent.condition_expression, "attribute_exists(#ddbcrypt_sig0)");
  EXPECT_EQ(sent.expression_attribute_names.at("#ddbcrypt_sig0"), "*amzn-ddb-map-sig*");
}

aws::BatchWriteItemRequest puts_of(int n) {
  aws::BatchWriteItemRequest request;
  for (int i = 0; i < n; ++i) request.request_items["t"].push_back(aws::PutRequest{row(i)});
  return request;
}

TEST(EncryptedClient, BatchWriteSplitsAndRedrivesUntilEverythingLanded) {
  Fixture f;
  f.ddb->write_keep = 7;  // DynamoDB takes 7 writes of each request
  const aws::BatchWriteItemResult result = f.client->batch_write_item(puts_of(60));
  EXPECT_TRUE(result.unprocessed_items.empty());
  EXPECT_EQ(f.ddb->size(), 60u);
  for (const auto& r : f.ddb->batch_writes) {
    EXPECT_LE(r.request_items.at("t").size(), 25u);
  }
  EXPECT_GE(f.ddb->batch_writes.size(), 60u / 7);
  for (int i = 0; i < 60; ++i) {
    EXPECT_EQ(f.ddb->landed(key(i)), 1) << i;
    EXPECT_TRUE(f.ddb->stored(key(i)).at("ssn").is(AttributeValue::Type::kB));
  }
}

TEST(EncryptedClient, BatchWriteGivesUpWithTheListOfWhatDidNotLand) {
  EncryptedClientConfig config;
  config.batch_retry.max_rounds_without_progress = 3;
  Fixture f(std::move(config));
  f.ddb->on_batch_write = [&](std::size_t n) {
    if (n >= 2) f.ddb->write_keep = 0;  // the first request lands, then nothing more
  };
  try {
    (void)f.client->batch_write_item(puts_of(30));
    FAIL() << "batch write reported success";
  } catch (const DynamoDbError& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.error_code(), "IncompleteBatch");
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(message.find("5 of 30 writes did not land"), std::string::npos) << message;
    EXPECT_NE(message.find("(25 did)"), std::string::npos) << message;
    EXPECT_NE(message.find("table \"t\" positions 25 (PutRequest), 26 (PutRequest)"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("123-45"), std::string::npos) << "plaintext in: " << message;
  }
  EXPECT_EQ(f.ddb->size(), 25u);
}

TEST(EncryptedClient, BatchWriteRetriesThrottlingAndReportsHardErrorsWithProgress) {
  Fixture f;
  int calls = 0;
  f.ddb->on_batch_write = [&](std::size_t n) {
    ++calls;
    if (n == 2 || n == 3) {
      throw DynamoDbError(AwsErrorInfo{.error_code = "ThrottlingException",
                                       .http_status = 400, .retryable = true, .attempts = 4});
    }
    if (n == 5) {
      throw DynamoDbError(AwsErrorInfo{.error_code = "ValidationException",
                                       .message = "Item size has exceeded the maximum allowed size",
                                       .http_status = 400});
    }
  };
  try {
    (void)f.client->batch_write_item(puts_of(100));
    FAIL();
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "ValidationException");
    EXPECT_FALSE(e.retryable());
    const std::string message = e.what();
    EXPECT_NE(message.find("50 of 100 writes did not land"), std::string::npos) << message;
    EXPECT_NE(message.find("positions 50 (PutRequest)"), std::string::npos) << message;
  }
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(f.ddb->size(), 50u);
}

TEST(EncryptedClient, BatchGetSplitsRedrivesAndDecrypts) {
  Fixture f;
  (void)f.client->batch_write_item(puts_of(150));
  f.ddb->get_keep = 30;
  aws::BatchGetItemRequest request;
  for (int i = 0; i < 150; ++i) request.request_items["t"].keys.push_back(key(i));
  request.request_items["t"].projection_expression = "ssn";
  const aws::BatchGetItemResult result = f.client->batch_get_item(request);
  EXPECT_TRUE(result.unprocessed_keys.empty());
  ASSERT_EQ(result.responses.at("t").size(), 150u);
  std::set<std::string> ssns;
  for (const Item& item : result.responses.at("t")) {
    EXPECT_EQ(item.size(), 1u);
    ssns.insert(item.at("ssn").as_s());
  }
  EXPECT_EQ(ssns.size(), 150u);
  for (const auto& r : f.ddb->batch_gets) EXPECT_LE(r.request_items.at("t").keys.size(), 100u);
}

TEST(EncryptedClient, TransactionsAreEncryptedAndGuarded) {
  Fixture f;
  (void)f.client->transact_write_items({.transact_items = {
      aws::TransactPut{.table_name = "t", .item = row(1)},
      aws::TransactUpdate{.table_name = "t", .key = key(2), .update_expression = "ADD visits :n",
                          .expression_attribute_values = {{":n", AttributeValue::N(1)}}},
      aws::TransactDelete{.table_name = "t", .key = key(3)},
  }});
  ASSERT_EQ(f.ddb->transact_writes.size(), 1u);
  const auto& sent = f.ddb->transact_writes[0].transact_items;
  ASSERT_EQ(sent.size(), 3u);
  const auto& put = std::get<aws::TransactPut>(sent[0]);
  EXPECT_TRUE(put.item.at("ssn").is(AttributeValue::Type::kB));
  EXPECT_EQ(put.item.count(std::string(kSignatureAttribute)), 1u);
  EXPECT_EQ(decrypt_item(put.item, f.client->crypto_config("t")), row(1));
  const auto& update = std::get<aws::TransactUpdate>(sent[1]);
  EXPECT_EQ(update.condition_expression,
            std::optional<std::string>("attribute_exists(#ddbcrypt_sig0)"));
  EXPECT_EQ(std::get<aws::TransactDelete>(sent[2]).key, key(3));

  for (const aws::TransactWriteItem& refused : std::vector<aws::TransactWriteItem>{
           aws::TransactUpdate{.table_name = "t", .key = key(2), .update_expression = "SET ssn = :v"},
           aws::TransactConditionCheck{.table_name = "t", .key = key(2),
                                       .condition_expression = "ssn = :v"},
           aws::TransactPut{.table_name = "t", .item = row(4),
                            .condition_expression = "begins_with(ssn, :v)"}}) {
    EXPECT_THROW((void)f.client->transact_write_items({.transact_items = {refused}}), ConfigError);
  }
  EXPECT_EQ(f.ddb->transact_writes.size(), 1u);
}

TEST(EncryptedClient, SafeUpdateDetectsAConcurrentWriter) {
  Fixture f;
  f.client->put_item({.table_name = "t", .item = row(1)});
  // Another writer replaces the item between the first read and its write.
  int rounds = 0;
  auto change = [&](Item& item) {
    ++rounds;
    item["ssn"] = AttributeValue::S("999-99-9999");
    if (rounds == 1) {
      Item other = row(1);
      other["email"] = AttributeValue::S("other@example.com");
      f.client->put_item({.table_name = "t", .item = other});
    }
  };
  try {
    (void)f.client->safe_update_item("t", key(1), change);
    FAIL() << "the concurrent writer was not detected";
  } catch (const DynamoDbError& e) {
    EXPECT_TRUE(e.is_conditional_check_failed());
    EXPECT_NE(std::string(e.what()).find("another writer changed or deleted the item"),
              std::string::npos)
        << e.what();
  }
  // The other writer's item is intact.
  auto got = f.client->get_item({.table_name = "t", .key = key(1)});
  EXPECT_EQ(got.item->at("email").as_s(), "other@example.com");
  EXPECT_EQ(got.item->at("ssn"), row(1).at("ssn"));

  // With a second attempt the change is applied to the other writer's version.
  rounds = 0;
  const auto written =
      f.client->safe_update_item("t", key(1), change, {.max_attempts = 2, .retry_delay = {}});
  ASSERT_TRUE(written);
  EXPECT_EQ(rounds, 2);
  got = f.client->get_item({.table_name = "t", .key = key(1)});
  EXPECT_EQ(got.item->at("ssn").as_s(), "999-99-9999");
  EXPECT_EQ(*got.item, *written);

  // Changing the key is refused; a missing item is not written.
  EXPECT_THROW((void)f.client->safe_update_item(
                   "t", key(1), [](Item& item) { item["sk"] = AttributeValue::N(99); }),
               ConfigError);
  int called = 0;
  EXPECT_FALSE(f.client->safe_update_item("t", key(42), [&](Item&) { ++called; }));
  EXPECT_EQ(called, 0);
}

}  // namespace
}  // namespace ddbcrypt
