// The DynamoDB client's operation layer over a scripted call function, plus pagers, waiters
// and error details.
#include "aws/dynamodb_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <regex>
#include <set>

#include "aws/dynamodb_json_codec.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::aws {
namespace {

using std::chrono::milliseconds;

AttributeValue S(std::string s) { return AttributeValue::S(std::move(s)); }

struct Sent {
  std::string operation;
  std::string body;
};

// Answers calls from a script: each entry is either a response body or an error to throw.
class ScriptedCalls {
 public:
  struct Reply {
    std::string body;
    std::optional<AwsErrorInfo> error;
  };
  void reply(std::string body) { replies_.push_back({std::move(body), std::nullopt}); }
  void fail(AwsErrorInfo info) { replies_.push_back({{}, std::move(info)}); }

  internal::DynamoDbCall call() {
    return [this](std::string_view operation, std::string body) -> std::string {
      std::lock_guard lock(mutex_);
      sent_.push_back({std::string(operation), std::move(body)});
      if (replies_.empty()) throw std::logic_error("script ran out of replies");
      Reply r = std::move(replies_.front());
      replies_.pop_front();
      if (r.error) throw DynamoDbError(*r.error);
      return r.body;
    };
  }
  const std::vector<Sent>& sent() const { return sent_; }
  bool finished() const { return replies_.empty(); }

 private:
  std::mutex mutex_;
  std::deque<Reply> replies_;
  std::vector<Sent> sent_;
};

AwsErrorInfo error_info(std::string code) {
  return AwsErrorInfo{.error_code = std::move(code), .message = "m", .http_status = 400};
}

TEST(DynamoDbClient, EachMethodSendsItsOperation) {
  ScriptedCalls script;
  for (int i = 0; i < 10; ++i) script.reply("{}");
  script.reply(R"j({"TableDescription":{"TableName":"t"}})j");
  script.reply(R"j({"Table":{"TableName":"t"}})j");
  script.reply(R"j({"TableDescription":{"TableName":"t"}})j");
  script.reply(R"j({"TableNames":[]})j");
  const auto client = internal::make_dynamodb_client_over(script.call(), "eu-west-1");
  EXPECT_EQ(client->region(), "eu-west-1");

  (void)client->get_item({.table_name = "t"});
  client->put_item({.table_name = "t"});
  client->delete_item({.table_name = "t"});
  client->update_item({.table_name = "t"});
  (void)client->query({.table_name = "t"});
  (void)client->scan({.table_name = "t"});
  (void)client->batch_get_item({});
  (void)client->batch_write_item({});
  (void)client->transact_get_items({});
  client->transact_write_items({.client_request_token = "x"});
  client->create_table({.table_name = "t"});
  (void)client->describe_table({.table_name = "t"});
  client->delete_table({.table_name = "t"});
  (void)client->list_tables({});

  std::vector<std::string> operations;
  for (const Sent& s : script.sent()) operations.push_back(s.operation);
  EXPECT_EQ(operations,
            (std::vector<std::string>{"GetItem", "PutItem", "DeleteItem", "UpdateItem", "Query",
                                      "Scan", "BatchGetItem", "BatchWriteItem",
                                      "TransactGetItems", "TransactWriteItems", "CreateTable",
                                      "DescribeTable", "DeleteTable", "ListTables"}));
  EXPECT_EQ(script.sent()[0].body, R"j({"TableName":"t","Key":{}})j");
  EXPECT_TRUE(script.finished());
}

TEST(DynamoDbClient, TransactWriteGetsAFreshUuidTokenUnlessGiven) {
  ScriptedCalls script;
  script.reply("{}");
  script.reply("{}");
  script.reply("{}");
  const auto client = internal::make_dynamodb_client_over(script.call(), "r");
  const TransactWriteItemsRequest request{
      .transact_items = {TransactDelete{.table_name = "t", .key = {{"pk", S("a")}}}}};
  client->transact_write_items(request);
  client->transact_write_items(request);
  TransactWriteItemsRequest with_token = request;
  with_token.client_request_token = "mine";
  client->transact_write_items(with_token);

  const std::regex uuid_v4(
      R"j(.*"ClientRequestToken":"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})"\}$)j");
  std::smatch first, second;
  ASSERT_TRUE(std::regex_match(script.sent()[0].body, first, uuid_v4)) << script.sent()[0].body;
  ASSERT_TRUE(std::regex_match(script.sent()[1].body, second, uuid_v4)) << script.sent()[1].body;
  EXPECT_NE(first[1].str(), second[1].str());
  EXPECT_EQ(script.sent()[2].body,
            R"j({"TransactItems":[{"Delete":{"Key":{"pk":{"S":"a"}},"TableName":"t"}}],)j"
            R"j("ClientRequestToken":"mine"})j");
}

TEST(DynamoDbClient, RandomUuidsAreDistinctVersion4) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = internal::random_uuid();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(DynamoDbClient, UnreadableSuccessBodyIsInvalidResponse) {
  ScriptedCalls script;
  script.reply(R"j({"Item":{"pk":{"X":"secret-value"}}})j");
  const auto client = internal::make_dynamodb_client_over(script.call(), "r");
  try {
    (void)client->get_item({.table_name = "t", .key = {{"pk", S("a")}}});
    FAIL() << "expected DynamoDbError";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "InvalidResponse");
    EXPECT_EQ(e.http_status(), 200);
    EXPECT_FALSE(e.retryable());
    EXPECT_EQ(std::string(e.what()).find("secret-value"), std::string::npos) << e.what();
  }
}

TEST(DynamoDbClient, ServiceErrorsPassThroughWithDetails) {
  ScriptedCalls script;
  script.fail(error_info("ConditionalCheckFailedException"));
  const auto client = internal::make_dynamodb_client_over(script.call(), "r");
  try {
    client->put_item({.table_name = "t", .item = {{"pk", S("a")}}});
    FAIL() << "expected DynamoDbError";
  } catch (const DynamoDbError& e) {
    EXPECT_TRUE(e.is_conditional_check_failed());
    EXPECT_EQ(e.details(), nullptr);
    EXPECT_TRUE(cancellation_reasons(e).empty());
    EXPECT_FALSE(condition_check_item(e).has_value());
  }
}

TEST(DynamoDbErrorDetails, AccessorsReadTheDetails) {
  auto details = std::make_shared<DynamoDbErrorDetails>();
  details->cancellation_reasons = {{.code = "None"},
                                   {.code = "ConditionalCheckFailed", .message = "failed"}};
  details->item = Item{{"pk", S("a")}};
  const DynamoDbError error(error_info("TransactionCanceledException"), details);
  ASSERT_NE(error.details(), nullptr);
  EXPECT_EQ(cancellation_reasons(error).size(), 2u);
  EXPECT_EQ(cancellation_reasons(error)[1].code, "ConditionalCheckFailed");
  EXPECT_EQ(condition_check_item(error), (Item{{"pk", S("a")}}));
  // Copies share the immutable details.
  const DynamoDbError copy = error;
  EXPECT_EQ(copy.details(), error.details());
}

// ----- Pagers ---------------------------------------------------------------------------------

TEST(QueryPager, FollowsLastEvaluatedKeyThroughEmptyPages) {
  ScriptedCalls script;
  script.reply(R"j({"Items":[{"pk":{"S":"a"},"sk":{"N":"1"}}],"Count":1,"ScannedCount":1,)j"
               R"j("LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"N":"1"}}})j");
  // A page whose items were all filtered out still continues.
  script.reply(R"j({"Items":[],"Count":0,"ScannedCount":1,)j"
               R"j("LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"N":"2"}}})j");
  script.reply(R"j({"Items":[{"pk":{"S":"a"},"sk":{"N":"3"}}],"Count":1,"ScannedCount":1})j");
  const auto client = internal::make_dynamodb_client_over(script.call(), "r");

  QueryPager pages(*client, {.table_name = "t",
                             .key_condition_expression = "pk = :pk",
                             .expression_attribute_values = {{":pk", S("a")}},
                             .limit = 1});
  EXPECT_FALSE(pages.exclusive_start_key().has_value());
  std::vector<std::string> sort_keys;
  int page_count = 0;
  while (auto page = pages.next_page()) {
    ++page_count;
    for (const Item& item : page->items) sort_keys.push_back(item.at("sk").as_n());
  }
  EXPECT_EQ(page_count, 3);
  EXPECT_EQ(sort_keys, (std::vector<std::string>{"1", "3"}));
  EXPECT_TRUE(pages.done());
  EXPECT_FALSE(pages.next_page().has_value());
  ASSERT_EQ(script.sent().size(), 3u);
  EXPECT_EQ(script.sent()[0].body.find("ExclusiveStartKey"), std::string::npos);
  EXPECT_NE(script.sent()[1].body.find(R"j("Limit":1)j"), std::string::npos);
  EXPECT_NE(script.sent()[1].body.find(R"j("ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"1"}})j"),
            std::string::npos);
  EXPECT_NE(script.sent()[2].body.find(R"j("ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"2"}})j"),
            std::string::npos);
}

TEST(ScanPager, ErrorLeavesThePageToBeAskedAgain) {
  ScriptedCalls script;
  script.reply(R"j({"Items":[{"pk":{"S":"a"}}],"Count":1,"ScannedCount":1,)j"
               R"j("LastEvaluatedKey":{"pk":{"S":"a"}}})j");
  script.fail(error_info("ProvisionedThroughputExceededException"));
  script.reply(R"j({"Items":[{"pk":{"S":"b"}}],"Count":1,"ScannedCount":1})j");
  const auto client = internal::make_dynamodb_client_over(script.call(), "r");

  ScanPager pages(*client, {.table_name = "t", .segment = 0, .total_segments = 2});
  ASSERT_TRUE(pages.next_page().has_value());
  EXPECT_THROW((void)pages.next_page(), DynamoDbError);
  EXPECT_FALSE(pages.done());
  EXPECT_EQ(pages.exclusive_start_key(), (Item{{"pk", S("a")}}));
  const auto last = pages.next_page();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->items[0].at("pk"), S("b"));
  EXPECT_TRUE(pages.done());
  EXPECT_EQ(script.sent()[1].body, script.sent()[2].body);
  EXPECT_NE(script.sent()[2].body.find(R"j("TotalSegments":2,"Segment":0)j"), std::string::npos);
}

// ----- Waiters --------------------------------------------------------------------------------

TEST(TableWaiter, WaitsForTableAndIndexes) {
  ScriptedCalls script;
  script.fail(error_info("ResourceNotFoundException"));
  script.reply(R"j({"Table":{"TableName":"t","TableStatus":"CREATING"}})j");
  script.reply(R"j({"Table":{"TableName":"t","TableStatus":"ACTIVE",)j"
               R"j("GlobalSecondaryIndexes":[{"IndexName":"g","IndexStatus":"CREATING"}]}})j");
  script.reply(R"j({"Table":{"TableName":"t","TableStatus":"ACTIVE",)j"
               R"j("GlobalSecondaryIndexes":[{"IndexName":"g","IndexStatus":"ACTIVE"}]}})j");
  const auto client = internal::make_dynamodb_client_over(script.call(), "r");
  const TableDescription table = wait_until_table_active(
      *client, "t", {.timeout = std::chrono::seconds(10), .poll_interval = milliseconds(1)});
  EXPECT_EQ(table.table_status, "ACTIVE");
  EXPECT_EQ(script.sent().size(), 4u);
}

TEST(TableWaiter, TimesOutWithWaiterTimeout) {
  ScriptedCalls script;
  for (int i = 0; i < 100; ++i) script.reply(R"j({"Table":{"TableName":"t","TableStatus":"CREATING"}})j");
  const auto client = internal::make_dynamodb_client_over(script.call(), "r");
  try {
    (void)wait_until_table_active(*client, "t",
                                  {.timeout = milliseconds(30), .poll_interval = milliseconds(5)});
    FAIL() << "expected DynamoDbError";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "WaiterTimeout");
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("CREATING"), std::string::npos) << e.what();
  }
  EXPECT_LT(script.sent().size(), 10u);
}

TEST(TableWaiter, OtherErrorsPropagate) {
  ScriptedCalls script;
  script.fail(error_info("AccessDeniedException"));
  const auto client = internal::make_dynamodb_client_over(script.call(), "r");
  EXPECT_THROW((void)wait_until_table_active(*client, "t"), DynamoDbError);
}

TEST(TableWaiter, DeletedWhenNotFound) {
  ScriptedCalls script;
  script.reply(R"j({"Table":{"TableName":"t","TableStatus":"DELETING"}})j");
  script.fail(error_info("ResourceNotFoundException"));
  const auto client = internal::make_dynamodb_client_over(script.call(), "r");
  wait_until_table_deleted(*client, "t", {.poll_interval = milliseconds(1)});
  EXPECT_TRUE(script.finished());
}

}  // namespace
}  // namespace ddbcrypt::aws
