// EncryptedClient batches against DynamoDB Local, directly and through the fault-injecting
// proxy: batches larger than one request, UnprocessedItems / UnprocessedKeys, throttling and
// lost answers; every write lands exactly once, and a batch that cannot complete says which
// entries did not land.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "integration/encrypted_client_fixture.h"

namespace ddbcrypt::testing {
namespace {

class Batches : public EncryptedTableTest {
 protected:
  void SetUp() override {
    EncryptedTableTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    proxy_.emplace(FaultProxy::from_env());
    faulty_raw_ = aws::make_dynamodb_client(local_config(*faulty_dynamodb_endpoint()));
    EncryptedClientConfig config{.provider = provider_, .actions = fixture_actions()};
    config.batch_retry.base_delay = std::chrono::milliseconds(5);
    config.batch_retry.max_delay = std::chrono::milliseconds(50);
    faulty_ = EncryptedClient::create(faulty_raw_, std::move(config));
  }
  void TearDown() override {
    for (int id : rules_) {
      try {
        proxy_->remove_rule(id);
      } catch (const std::exception&) {
      }
    }
    EncryptedTableTest::TearDown();
  }

  int rule(const std::string& operation, const std::string& fault, int times,
           const std::string& extra = "") {
    const int id = proxy_->add_rule(R"({"operation":")" + operation + R"(","table":")" + table_ +
                                    R"(","fault":")" + fault + R"(","times":)" +
                                    std::to_string(times) + extra + "}");
    rules_.push_back(id);
    return id;
  }

  static aws::BatchWriteItemRequest puts(const std::string& table, const std::string& pk, int n) {
    aws::BatchWriteItemRequest request;
    for (int i = 0; i < n; ++i) request.request_items[table].push_back(aws::PutRequest{fixture_row(pk, i)});
    return request;
  }

  // Every stored item is encrypted, decrypts to its row, and each key is there exactly once.
  void expect_exactly(const std::string& pk, int n) {
    std::map<std::int64_t, int> seen;
    for (const Item& raw : stored_items()) {
      EXPECT_FALSE(contains_secret_text(raw));
      const Item plain = decrypt_item(raw, client_->crypto_config(table_));
      const int sk = static_cast<int>(plain.at("sk").as_int64());
      EXPECT_TRUE(equivalent(plain, fixture_row(pk, sk)));
      ++seen[sk];
    }
    ASSERT_EQ(seen.size(), static_cast<std::size_t>(n));
    for (const auto& [sk, count] : seen) {
      EXPECT_EQ(count, 1) << sk;
      EXPECT_LT(sk, n);
    }
  }

  std::optional<FaultProxy> proxy_;
  std::shared_ptr<aws::DynamoDbClient> faulty_raw_;
  std::unique_ptr<EncryptedClient> faulty_;
  std::vector<int> rules_;
};

TEST_P(Batches, SixtyItemsWrittenReadAndDeleted) {
  const aws::BatchWriteItemResult written = client_->batch_write_item(puts(table_, "b", 60));
  EXPECT_TRUE(written.unprocessed_items.empty());
  expect_exactly("b", 60);

  aws::BatchGetItemRequest get;
  for (int i = 0; i < 60; ++i) get.request_items[table_].keys.push_back(fixture_key("b", i));
  get.request_items[table_].consistent_read = true;
  const aws::BatchGetItemResult read = client_->batch_get_item(get);
  EXPECT_TRUE(read.unprocessed_keys.empty());
  ASSERT_EQ(read.responses.at(table_).size(), 60u);
  for (const Item& item : read.responses.at(table_)) {
    EXPECT_TRUE(equivalent(item, fixture_row("b", static_cast<int>(item.at("sk").as_int64()))));
  }

  // 150 keys (more than one BatchGetItem), with a projection, some of them missing.
  aws::BatchGetItemRequest wide;
  for (int i = 0; i < 150; ++i) wide.request_items[table_].keys.push_back(fixture_key("b", i));
  wide.request_items[table_].projection_expression = "#s";
  wide.request_items[table_].expression_attribute_names = {{"#s", "ssn"}};
  const aws::BatchGetItemResult projected = client_->batch_get_item(wide);
  ASSERT_EQ(projected.responses.at(table_).size(), 60u);
  for (const Item& item : projected.responses.at(table_)) {
    ASSERT_EQ(item.size(), 1u);
    EXPECT_EQ(item.at("ssn").as_s().rfind("SSN-SECRET-b-", 0), 0u);
  }

  aws::BatchWriteItemRequest deletes;
  for (int i = 0; i < 60; i += 2) deletes.request_items[table_].push_back(aws::DeleteRequest{fixture_key("b", i)});
  (void)client_->batch_write_item(deletes);
  EXPECT_EQ(stored_items().size(), 30u);
}

TEST_P(Batches, UnprocessedItemsAndThrottlingStillLandEveryItemOnce) {
  // Rules apply in turn (each until its `times` is used up): three requests land only 4 writes
  // each; then 8 requests are throttled (two rounds past the transport's own 4 attempts); then
  // one answer is lost after the write took effect; from then on every request lands 4 writes.
  const int first_trims = rule("BatchWriteItem", "trim", 3, R"(,"keep":4)");
  const int throttle = rule("BatchWriteItem", "throttling", 8);
  const int lost = rule("BatchWriteItem", "drop_after", 1);
  const int trims = rule("BatchWriteItem", "trim", -1, R"(,"keep":4)");
  const aws::BatchWriteItemResult result = faulty_->batch_write_item(puts(table_, "f", 60));
  EXPECT_TRUE(result.unprocessed_items.empty());
  EXPECT_EQ(proxy_->fired(first_trims), 3);
  EXPECT_EQ(proxy_->fired(throttle), 8);
  EXPECT_EQ(proxy_->fired(lost), 1);
  EXPECT_GE(proxy_->fired(trims), 3);
  expect_exactly("f", 60);
}

TEST_P(Batches, UnprocessedKeysAndThrottlingStillReadEveryItem) {
  (void)client_->batch_write_item(puts(table_, "k", 60));
  // Two requests read 7 keys each, five are refused for throughput, then 7 keys a request.
  const int first_trims = rule("BatchGetItem", "trim", 2, R"(,"keep":7)");
  const int throughput = rule("BatchGetItem", "throughput", 5);
  const int trim = rule("BatchGetItem", "trim", -1, R"(,"keep":7)");
  aws::BatchGetItemRequest get;
  for (int i = 0; i < 60; ++i) get.request_items[table_].keys.push_back(fixture_key("k", i));
  const aws::BatchGetItemResult read = faulty_->batch_get_item(get);
  EXPECT_TRUE(read.unprocessed_keys.empty());
  EXPECT_EQ(proxy_->fired(first_trims), 2);
  EXPECT_EQ(proxy_->fired(throughput), 5);
  EXPECT_GE(proxy_->fired(trim), 60 / 7 - 2);
  std::set<std::int64_t> seen;
  for (const Item& item : read.responses.at(table_)) {
    EXPECT_TRUE(equivalent(item, fixture_row("k", static_cast<int>(item.at("sk").as_int64()))));
    seen.insert(item.at("sk").as_int64());
  }
  EXPECT_EQ(seen.size(), 60u);
}

TEST_P(Batches, ABatchThatCannotCompleteListsWhatDidNotLand) {
  // The first request lands 25 writes; from then on DynamoDB takes nothing.
  (void)rule("BatchWriteItem", "trim", -1, R"(,"keep":0,"skip":1)");
  try {
    (void)faulty_->batch_write_item(puts(table_, "x", 30));
    FAIL() << "an incomplete batch reported success";
  } catch (const DynamoDbError& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.error_code(), "IncompleteBatch");
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(message.find("5 of 30 writes did not land"), std::string::npos) << message;
    EXPECT_NE(message.find("table \"" + table_ +
                           "\" positions 25 (PutRequest), 26 (PutRequest), 27 (PutRequest), "
                           "28 (PutRequest), 29 (PutRequest)"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
  }
  expect_exactly("x", 25);
}

INSTANTIATE_TEST_SUITE_P(Providers, Batches, ::testing::ValuesIn(all_provider_kinds()),
                         provider_kind_name);

}  // namespace
}  // namespace ddbcrypt::testing
