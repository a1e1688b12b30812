// Retries of the real DynamoDbClient through the fault-injecting proxy in front of DynamoDB
// Local (tests/standins/faultproxy.py): throttling, 5xx, dropped connections, lost answers,
// damaged checksums and a timeout are survived when the retry policy allows, reported clearly
// when it does not, and the retry quota stops a retry storm.
#include <string>

#include <gtest/gtest.h>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/error.h"
#include "testing/standins.h"

namespace ddbcrypt::aws {
namespace {

using std::chrono::milliseconds;

class FaultyDynamoDb : public ::testing::Test {
 protected:
  void SetUp() override {
    DDBCRYPT_REQUIRE_STANDINS();
    proxy_.emplace(testing::FaultProxy::from_env());
    direct_ = client_for(*testing::dynamodb_endpoint(), {});
    table_ = testing::unique_name("retry");
    (void)direct_->create_table({.table_name = table_,
                                 .attribute_definitions = {{"pk", ScalarAttributeType::kS}},
                                 .key_schema = {{"pk", KeyType::kHash}},
                                 .billing_mode = BillingMode::kPayPerRequest});
    wait_until_table_active(*direct_, table_, {.poll_interval = milliseconds(100)});
  }
  void TearDown() override {
    for (int id : rules_) {
      try {
        proxy_->remove_rule(id);
      } catch (const std::exception&) {
      }
    }
    if (direct_) {
      try {
        (void)direct_->delete_table({.table_name = table_});
      } catch (const DynamoDbError&) {
      }
    }
  }

  static std::shared_ptr<DynamoDbClient> client_for(const std::string& endpoint,
                                                    RetryOptions retry) {
    ClientConfig config;
    config.endpoint_override = endpoint;
    config.request_timeout = milliseconds(2000);
    // Short delays keep the suite fast; the backoff arithmetic is unit-tested.
    if (!retry.base_delay) retry.base_delay = milliseconds(1);
    retry.throttling_base_delay = milliseconds(2);
    config.retry = retry;
    return make_dynamodb_client(config);
  }
  std::shared_ptr<DynamoDbClient> faulty(RetryOptions retry = {}) {
    return client_for(proxy_->endpoint(), retry);
  }
  int rule(const std::string& operation, const std::string& fault, int times,
           const std::string& extra = "") {
    const int id = proxy_->add_rule(R"({"operation":")" + operation + R"(","table":")" + table_ +
                                    R"(","fault":")" + fault + R"(","times":)" +
                                    std::to_string(times) + extra + "}");
    rules_.push_back(id);
    return id;
  }
  Item item(const std::string& pk) const {
    return {{"pk", AttributeValue::S(pk)}, {"v", AttributeValue::S("value of " + pk)}};
  }
  bool exists(const std::string& pk) const {
    return direct_->get_item({.table_name = table_, .key = {{"pk", AttributeValue::S(pk)}},
                              .consistent_read = true})
        .item.has_value();
  }

  std::optional<testing::FaultProxy> proxy_;
  std::shared_ptr<DynamoDbClient> direct_;
  std::string table_;
  std::vector<int> rules_;
};

TEST_F(FaultyDynamoDb, SurvivesThrottlingAndServerErrors) {
  const int throttled = rule("PutItem", "throttling", 1);
  const int throughput = rule("PutItem", "throughput", 1);
  const int internal = rule("PutItem", "internal", 1);
  auto client = faulty({.max_attempts = 4});
  (void)client->put_item({.table_name = table_, .item = item("a")});
  EXPECT_EQ(proxy_->fired(throttled), 1);
  EXPECT_EQ(proxy_->fired(throughput), 1);
  EXPECT_EQ(proxy_->fired(internal), 1);
  EXPECT_TRUE(exists("a"));
}

TEST_F(FaultyDynamoDb, SurvivesDroppedConnectionsAndLostAnswers) {
  const int dropped = rule("GetItem", "drop", 1);
  const int unavailable = rule("GetItem", "unavailable", 1);
  (void)direct_->put_item({.table_name = table_, .item = item("b")});
  auto client = faulty();
  const GetItemResult got =
      client->get_item({.table_name = table_, .key = {{"pk", AttributeValue::S("b")}}});
  EXPECT_TRUE(got.item.has_value());
  EXPECT_EQ(proxy_->fired(dropped), 1);
  EXPECT_EQ(proxy_->fired(unavailable), 1);

  // The put took effect but its answer was lost: the retry puts the same item again.
  const int lost = rule("PutItem", "drop_after", 1);
  (void)client->put_item({.table_name = table_, .item = item("c")});
  EXPECT_EQ(proxy_->fired(lost), 1);
  EXPECT_TRUE(exists("c"));
}

TEST_F(FaultyDynamoDb, DamagedChecksumIsRetried) {
  const int bad = rule("GetItem", "bad_crc", 2);
  (void)direct_->put_item({.table_name = table_, .item = item("d")});
  const GetItemResult got =
      faulty()->get_item({.table_name = table_, .key = {{"pk", AttributeValue::S("d")}}});
  ASSERT_TRUE(got.item.has_value());
  EXPECT_EQ(got.item->at("v").as_s(), "value of d");
  EXPECT_EQ(proxy_->fired(bad), 2);

  rule("GetItem", "bad_crc", -1);
  try {
    (void)faulty()->get_item({.table_name = table_, .key = {{"pk", AttributeValue::S("d")}}});
    FAIL() << "a response with a wrong checksum was accepted";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "CRC32CheckFailed");
    EXPECT_EQ(e.attempts(), 4);
  }
}

TEST_F(FaultyDynamoDb, TimeoutIsRetried) {
  const int slow = rule("GetItem", "delay", 1, R"(,"delay_ms":3000)");
  (void)direct_->put_item({.table_name = table_, .item = item("e")});
  const GetItemResult got =
      faulty()->get_item({.table_name = table_, .key = {{"pk", AttributeValue::S("e")}}});
  EXPECT_TRUE(got.item.has_value());
  EXPECT_EQ(proxy_->fired(slow), 1);
}

TEST_F(FaultyDynamoDb, GivesUpWithAClearErrorWhenAttemptsRunOut) {
  const int always = rule("PutItem", "internal", -1);
  try {
    (void)faulty({.max_attempts = 3})->put_item({.table_name = table_, .item = item("f")});
    FAIL() << "the put succeeded";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "InternalServerError");
    EXPECT_EQ(e.http_status(), 500);
    EXPECT_EQ(e.attempts(), 3);
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("after 3 attempts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(proxy_->fired(always), 3);
  EXPECT_FALSE(exists("f"));

  // Errors that retrying cannot fix are returned after one attempt.
  rule("DeleteItem", "error", -1, R"(,"code":"ValidationException","message":"nope")");
  try {
    (void)faulty()->delete_item({.table_name = table_, .key = {{"pk", AttributeValue::S("f")}}});
    FAIL();
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "ValidationException");
    EXPECT_EQ(e.attempts(), 1);
  }
}

TEST_F(FaultyDynamoDb, RetryQuotaStopsARetryStorm) {
  const int always = rule("PutItem", "internal", -1);
  RetryOptions retry;
  retry.max_attempts = 10;
  retry.retry_quota = 50;  // three transient retries' worth (cost 14)
  auto client = faulty(retry);
  int attempts = 0;
  for (int call = 0; call < 5; ++call) {
    try {
      (void)client->put_item({.table_name = table_, .item = item("g")});
      FAIL() << "the put succeeded";
    } catch (const DynamoDbError& e) {
      attempts += e.attempts();
    }
  }
  // 4 attempts for the first call (3 paid retries), then one attempt per call.
  EXPECT_EQ(attempts, 4 + 4);
  EXPECT_EQ(proxy_->fired(always), attempts);
}

}  // namespace
}  // namespace ddbcrypt::aws
