// The real DynamoDbClient against DynamoDB Local (AWS's own emulator), started by
// tests/standins/standins.py: every operation of the client, pagination over several pages,
// batches, transactions with a cancellation, and the errors callers act on.
#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/error.h"
#include "testing/standins.h"

namespace ddbcrypt::aws {
namespace {

using testing::unique_name;

std::shared_ptr<DynamoDbClient> local_client() {
  ClientConfig config;
  config.endpoint_override = *testing::dynamodb_endpoint();
  return make_dynamodb_client(config);
}

// A table with partition key pk (S) and sort key sk (N), plus a GSI on (g, sk); deleted when
// the test ends.
class DynamoDbLocal : public ::testing::Test {
 protected:
  void SetUp() override {
    DDBCRYPT_REQUIRE_STANDINS();
    client_ = local_client();
    table_ = unique_name("ddb");
    const CreateTableResult created = client_->create_table({
        .table_name = table_,
        .attribute_definitions = {{"pk", ScalarAttributeType::kS},
                                  {"sk", ScalarAttributeType::kN},
                                  {"g", ScalarAttributeType::kS}},
        .key_schema = {{"pk", KeyType::kHash}, {"sk", KeyType::kRange}},
        .billing_mode = BillingMode::kPayPerRequest,
        .global_secondary_indexes = {{.index_name = "by-g",
                                      .key_schema = {{"g", KeyType::kHash},
                                                     {"sk", KeyType::kRange}},
                                      .projection = {.projection_type = ProjectionType::kAll}}},
    });
    EXPECT_EQ(created.table_description.table_name, table_);
    wait_until_table_active(*client_, table_, {.poll_interval = std::chrono::milliseconds(100)});
  }
  void TearDown() override {
    if (client_ && !table_.empty()) {
      try {
        (void)client_->delete_table({.table_name = table_});
      } catch (const DynamoDbError&) {
      }
    }
  }

  static Item row(const std::string& pk, int sk, const std::string& g = "x") {
    return {{"pk", AttributeValue::S(pk)},
            {"sk", AttributeValue::N(std::int64_t{sk})},
            {"g", AttributeValue::S(g)},
            {"payload", AttributeValue::B(Bytes(64, static_cast<std::uint8_t>(sk)))}};
  }
  static Item key(const std::string& pk, int sk) {
    return {{"pk", AttributeValue::S(pk)}, {"sk", AttributeValue::N(std::int64_t{sk})}};
  }

  std::shared_ptr<DynamoDbClient> client_;
  std::string table_;
};

TEST_F(DynamoDbLocal, DescribeAndListTables) {
  const TableDescription t = client_->describe_table({.table_name = table_}).table;
  EXPECT_EQ(t.table_status, "ACTIVE");
  ASSERT_EQ(t.key_schema.size(), 2u);
  EXPECT_EQ(t.key_schema[0].attribute_name, "pk");
  EXPECT_EQ(t.key_schema[1].key_type, KeyType::kRange);
  ASSERT_EQ(t.global_secondary_indexes.size(), 1u);
  EXPECT_EQ(t.global_secondary_indexes[0].index_name, "by-g");

  // ListTables, one name per page, until our table shows up.
  std::optional<std::string> start;
  bool found = false;
  int pages = 0;
  do {
    const ListTablesResult page =
        client_->list_tables({.exclusive_start_table_name = start, .limit = 1});
    EXPECT_LE(page.table_names.size(), 1u);
    found = found || std::find(page.table_names.begin(), page.table_names.end(), table_) !=
                         page.table_names.end();
    start = page.last_evaluated_table_name;
    ++pages;
  } while (start && pages < 10000);
  EXPECT_TRUE(found);

  try {
    (void)client_->describe_table({.table_name = unique_name("missing")});
    FAIL() << "DescribeTable of a missing table succeeded";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "ResourceNotFoundException");
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_FALSE(e.retryable());
  }
}

TEST_F(DynamoDbLocal, PutGetUpdateDeleteWithConditionsAndReturnValues) {
  (void)client_->put_item({.table_name = table_, .item = row("a", 1)});
  const GetItemResult got = client_->get_item({.table_name = table_, .key = key("a", 1),
                                               .consistent_read = true});
  ASSERT_TRUE(got.item.has_value());
  EXPECT_TRUE(equivalent(*got.item, row("a", 1)));
  EXPECT_FALSE(client_->get_item({.table_name = table_, .key = key("a", 2)}).item.has_value());

  // Projection with a placeholder name.
  const GetItemResult projected = client_->get_item({.table_name = table_, .key = key("a", 1),
                                                     .projection_expression = "#p, sk",
                                                     .expression_attribute_names = {{"#p", "pk"}}});
  ASSERT_TRUE(projected.item);
  EXPECT_EQ(projected.item->size(), 2u);

  // A conditional put that fails returns the item that was there.
  try {
    (void)client_->put_item({.table_name = table_,
                             .item = row("a", 1, "y"),
                             .condition_expression = "attribute_not_exists(pk)",
                             .return_values_on_condition_check_failure =
                                 ReturnValuesOnConditionCheckFailure::kAllOld});
    FAIL() << "conditional put succeeded";
  } catch (const DynamoDbError& e) {
    EXPECT_TRUE(e.is_conditional_check_failed()) << e.what();
    const auto& old = condition_check_item(e);
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(old->at("g").as_s(), "x");
  }

  // PutItem with ALL_OLD returns the replaced item.
  const PutItemResult replaced = client_->put_item(
      {.table_name = table_, .item = row("a", 1, "z"), .return_values = ReturnValue::kAllOld});
  ASSERT_TRUE(replaced.attributes);
  EXPECT_EQ(replaced.attributes->at("g").as_s(), "x");

  // UpdateItem: counter arithmetic and UPDATED_NEW.
  const UpdateItemResult updated = client_->update_item({
      .table_name = table_,
      .key = key("a", 1),
      .update_expression = "SET #c = if_not_exists(#c, :zero) + :one",
      .condition_expression = "attribute_exists(pk)",
      .expression_attribute_names = {{"#c", "count"}},
      .expression_attribute_values = {{":zero", AttributeValue::N(std::int64_t{0})},
                                      {":one", AttributeValue::N(std::int64_t{1})}},
      .return_values = ReturnValue::kUpdatedNew,
  });
  ASSERT_TRUE(updated.attributes);
  EXPECT_EQ(updated.attributes->at("count").as_n(), "1");

  const DeleteItemResult deleted = client_->delete_item(
      {.table_name = table_, .key = key("a", 1), .return_values = ReturnValue::kAllOld});
  ASSERT_TRUE(deleted.attributes);
  EXPECT_EQ(deleted.attributes->at("count").as_n(), "1");
  EXPECT_FALSE(client_->get_item({.table_name = table_, .key = key("a", 1)}).item);

  // A validation error is reported as such and not retried.
  try {
    (void)client_->put_item({.table_name = table_, .item = {{"pk", AttributeValue::S("only")}}});
    FAIL() << "put without the sort key succeeded";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "ValidationException");
    EXPECT_EQ(e.attempts(), 1);
  }
}

TEST_F(DynamoDbLocal, QueryAndScanFollowPages) {
  for (int i = 0; i < 25; ++i) (void)client_->put_item({.table_name = table_, .item = row("q", i, i % 2 ? "odd" : "even")});
  (void)client_->put_item({.table_name = table_, .item = row("other", 0)});

  QueryPager pages(*client_, {.table_name = table_,
                              .key_condition_expression = "pk = :pk",
                              .expression_attribute_values = {{":pk", AttributeValue::S("q")}},
                              .limit = 10,
                              .consistent_read = true});
  std::vector<std::int64_t> seen;
  int page_count = 0;
  while (auto page = pages.next_page()) {
    ++page_count;
    for (const Item& item : page->items) seen.push_back(item.at("sk").as_int64());
  }
  EXPECT_GE(page_count, 3);
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

  // Descending with a filter: Count is after the filter, ScannedCount before.
  const QueryResult filtered = client_->query({
      .table_name = table_,
      .key_condition_expression = "pk = :pk AND sk >= :low",
      .filter_expression = "g = :g",
      .expression_attribute_values = {{":pk", AttributeValue::S("q")},
                                      {":low", AttributeValue::N(std::int64_t{20})},
                                      {":g", AttributeValue::S("odd")}},
      .scan_index_forward = false,
  });
  EXPECT_EQ(filtered.scanned_count, 5);
  EXPECT_EQ(filtered.count, 2);
  ASSERT_EQ(filtered.items.size(), 2u);
  EXPECT_EQ(filtered.items[0].at("sk").as_int64(), 23);

  // The GSI, with Select COUNT.
  const QueryResult counted = client_->query({
      .table_name = table_,
      .index_name = "by-g",
      .key_condition_expression = "g = :g",
      .expression_attribute_values = {{":g", AttributeValue::S("even")}},
      .select = Select::kCount,
  });
  EXPECT_EQ(counted.count, 13);
  EXPECT_TRUE(counted.items.empty());

  // A parallel scan in 3 segments, 4 items a page, covers every item exactly once.
  std::multiset<std::string> scanned;
  int scan_pages = 0;
  for (int segment = 0; segment < 3; ++segment) {
    ScanPager scan(*client_, {.table_name = table_, .limit = 4, .segment = segment,
                              .total_segments = 3});
    while (auto page = scan.next_page()) {
      ++scan_pages;
      for (const Item& item : page->items) {
        scanned.insert(item.at("pk").as_s() + "/" + item.at("sk").as_n());
      }
    }
  }
  EXPECT_EQ(scanned.size(), 26u);
  EXPECT_EQ(std::set<std::string>(scanned.begin(), scanned.end()).size(), 26u);
  EXPECT_GE(scan_pages, 7);
}

TEST_F(DynamoDbLocal, BatchWriteAndBatchGet) {
  BatchWriteItemRequest write;
  for (int i = 0; i < 25; ++i) write.request_items[table_].push_back(PutRequest{row("b", i)});
  const BatchWriteItemResult written = client_->batch_write_item(write);
  EXPECT_TRUE(written.unprocessed_items.empty());

  BatchGetItemRequest get;
  for (int i = 0; i < 30; ++i) get.request_items[table_].keys.push_back(key("b", i));
  get.request_items[table_].consistent_read = true;
  const BatchGetItemResult got = client_->batch_get_item(get);
  EXPECT_TRUE(got.unprocessed_keys.empty());
  ASSERT_EQ(got.responses.count(table_), 1u);
  EXPECT_EQ(got.responses.at(table_).size(), 25u);  // the 5 missing keys are not listed

  // Deletes in a batch; DynamoDB Local enforces the 25-request limit.
  BatchWriteItemRequest remove;
  for (int i = 0; i < 10; ++i) remove.request_items[table_].push_back(DeleteRequest{key("b", i)});
  EXPECT_TRUE(client_->batch_write_item(remove).unprocessed_items.empty());
  BatchWriteItemRequest too_many;
  for (int i = 0; i < 26; ++i) too_many.request_items[table_].push_back(PutRequest{row("c", i)});
  try {
    (void)client_->batch_write_item(too_many);
    FAIL() << "26 writes accepted";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "ValidationException");
  }
}

TEST_F(DynamoDbLocal, TransactionsCommitOrCancelWithReasons) {
  (void)client_->transact_write_items({.transact_items = {
      TransactPut{.table_name = table_, .item = row("t", 1)},
      TransactPut{.table_name = table_, .item = row("t", 2)},
  }});
  const TransactGetItemsResult got = client_->transact_get_items({.transact_items = {
      {.table_name = table_, .key = key("t", 1)},
      {.table_name = table_, .key = key("t", 3)},
      {.table_name = table_, .key = key("t", 2), .projection_expression = "sk"},
  }});
  ASSERT_EQ(got.responses.size(), 3u);
  EXPECT_TRUE(got.responses[0].has_value());
  EXPECT_FALSE(got.responses[1].has_value());  // aligned with the request: {} for a miss
  ASSERT_TRUE(got.responses[2].has_value());
  EXPECT_EQ(got.responses[2]->size(), 1u);

  try {
    (void)client_->transact_write_items({.transact_items = {
        TransactUpdate{.table_name = table_, .key = key("t", 2),
                       .update_expression = "SET g = :g",
                       .expression_attribute_values = {{":g", AttributeValue::S("changed")}}},
        TransactConditionCheck{.table_name = table_, .key = key("t", 1),
                               .condition_expression = "attribute_not_exists(pk)",
                               .return_values_on_condition_check_failure =
                                   ReturnValuesOnConditionCheckFailure::kAllOld},
        TransactDelete{.table_name = table_, .key = key("t", 9)},
    }});
    FAIL() << "the transaction was not cancelled";
  } catch (const DynamoDbError& e) {
    EXPECT_TRUE(e.is_transaction_canceled()) << e.what();
    const auto& reasons = cancellation_reasons(e);
    ASSERT_EQ(reasons.size(), 3u);
    EXPECT_EQ(reasons[0].code, "None");
    EXPECT_EQ(reasons[1].code, "ConditionalCheckFailed");
    ASSERT_TRUE(reasons[1].item.has_value());
    EXPECT_EQ(reasons[1].item->at("sk").as_n(), "1");
    EXPECT_EQ(reasons[2].code, "None");
  }
  // Nothing of the cancelled transaction was applied.
  EXPECT_EQ(client_->get_item({.table_name = table_, .key = key("t", 2)}).item->at("g").as_s(), "x");
}

TEST_F(DynamoDbLocal, OneClientServesManyThreads) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        (void)client_->put_item({.table_name = table_, .item = row("mt" + std::to_string(t), i)});
      }
    });
  }
  for (auto& t : threads) t.join();
  const QueryResult all = client_->query({.table_name = table_,
                                          .key_condition_expression = "pk = :pk",
                                          .expression_attribute_values = {{":pk", AttributeValue::S("mt3")}},
                                          .consistent_read = true});
  EXPECT_EQ(all.count, 20);
}

TEST(DynamoDbLocalLifecycle, CreateExistingAndDeleteMissing) {
  DDBCRYPT_REQUIRE_STANDINS();
  auto client = local_client();
  const std::string name = unique_name("life");
  const CreateTableRequest request{
      .table_name = name,
      .attribute_definitions = {{"id", ScalarAttributeType::kB}},
      .key_schema = {{"id", KeyType::kHash}},
      .billing_mode = BillingMode::kProvisioned,
      .provisioned_throughput = ProvisionedThroughput{.read_capacity_units = 5, .write_capacity_units = 5},
  };
  (void)client->create_table(request);
  wait_until_table_active(*client, name, {.poll_interval = std::chrono::milliseconds(100)});
  try {
    (void)client->create_table(request);
    FAIL() << "created the same table twice";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "ResourceInUseException");
  }
  const DeleteTableResult deleted = client->delete_table({.table_name = name});
  EXPECT_EQ(deleted.table_description.table_name, name);
  wait_until_table_deleted(*client, name, {.poll_interval = std::chrono::milliseconds(100)});
  EXPECT_THROW((void)client->delete_table({.table_name = name}), DynamoDbError);
}

}  // namespace
}  // namespace ddbcrypt::aws
