// FakeDynamoDb: an in-process aws::DynamoDbClient for unit tests of components that keep
// items in DynamoDB (the model layer's repositories, the MetaStore).
//
// It keeps tables in memory and behaves as DynamoDB does for what ddbcrypt sends:
//  * key schemas with S/N/B keys (type and non-emptiness checked), global and local secondary
//    indexes (sparse: items without the index keys are not in the index);
//  * condition, filter and key-condition expressions with placeholders: comparisons
//    (= <> < <= > >=), BETWEEN, IN, AND/OR/NOT, parentheses, attribute_exists,
//    attribute_not_exists, begins_with, contains, attribute_type, size(); nested paths
//    (a.b[0]); numbers compare by value;
//  * update expressions: SET (with + / -, if_not_exists, list_append), REMOVE, ADD, DELETE;
//  * ConditionalCheckFailedException with the old item when ReturnValuesOnConditionCheckFailure
//    is ALL_OLD; TransactionCanceledException with CancellationReasons;
//  * Query/Scan paging with Limit, ExclusiveStartKey and LastEvaluatedKey, descending order,
//    filters applied after Limit, parallel-scan segments, ConsistentRead refused on a GSI;
//  * BatchGetItem (≤100 keys) and BatchWriteItem (≤25 writes), duplicates refused;
//  * TransactWriteItems / TransactGetItems (≤100 items, one action per item);
//  * ProjectionExpression of top-level names on GetItem, Query and Scan.
// Anything else (nested projections, DELETE of number or binary sets, Select, the legacy
// parameters) throws ValidationException, so a test never passes by relying on behaviour the
// fake does not have. Numbers are returned as they were written (DynamoDB would normalize
// them).
// Faults: the next calls of an operation can fail with an error code; BatchWriteItem /
// BatchGetItem can leave a number of requests unprocessed for a number of calls, as DynamoDB
// does under load; an artificial latency can be set.
// Every call is counted per operation; raw stored items can be read and written behind the
// client's back, and GetItem/Query/Put/Update requests are recorded, so tests can check
// exactly what was sent and stored.
//
// Thread-safety: every method may be called concurrently (one mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddbcrypt/aws/dynamodb_client.h"

namespace ddbcrypt::testing {

class FakeDynamoDb final : public aws::DynamoDbClient {
 public:
  explicit FakeDynamoDb(std::string region = "us-east-1");
  ~FakeDynamoDb() override;

  // The next `times` calls of `operation` ("GetItem", "Query", "PutItem", ...) fail with
  // `error_code` (retryable unless it is a client error such as AccessDeniedException).
  void fail_next(const std::string& operation, const std::string& error_code, int times = 1);
  // Every call of `operation` fails with `error_code` until cleared with an empty code.
  void fail_always(const std::string& operation, const std::string& error_code);
  // Every call sleeps this long before answering.
  void set_latency(std::chrono::milliseconds latency);
  // The next `calls` calls of `operation` ("BatchWriteItem" or "BatchGetItem") leave their
  // last `count` requests unprocessed.
  void leave_unprocessed(const std::string& operation, int calls, std::size_t count);
  // Whether a failed condition returns the old item when asked to (DynamoDB does; some
  // emulators do not).
  void set_return_item_on_condition_failure(bool enabled);

  // Direct access for tests: the stored items of `table` (in insertion order), one item by
  // key, and storing an item as it is, replacing the one with its key (a write that bypasses
  // the library, as an attacker with write access to the table could make).
  [[nodiscard]] std::vector<Item> items(const std::string& table) const;
  [[nodiscard]] std::optional<Item> raw_item(const std::string& table, const Item& key) const;
  void overwrite(const std::string& table, Item item);

  [[nodiscard]] std::size_t calls(std::string_view operation) const;
  void reset_counts();  // counts and recorded requests
  [[nodiscard]] std::vector<aws::GetItemRequest> get_item_requests() const;
  [[nodiscard]] std::vector<aws::QueryRequest> query_requests() const;
  [[nodiscard]] std::vector<aws::PutItemRequest> put_item_requests() const;
  [[nodiscard]] std::vector<aws::UpdateItemRequest> update_item_requests() const;

  // aws::DynamoDbClient
  [[nodiscard]] aws::GetItemResult get_item(const aws::GetItemRequest& request) const override;
  aws::PutItemResult put_item(const aws::PutItemRequest& request) const override;
  aws::DeleteItemResult delete_item(const aws::DeleteItemRequest& request) const override;
  aws::UpdateItemResult update_item(const aws::UpdateItemRequest& request) const override;
  [[nodiscard]] aws::QueryResult query(const aws::QueryRequest& request) const override;
  [[nodiscard]] aws::ScanResult scan(const aws::ScanRequest& request) const override;
  [[nodiscard]] aws::BatchGetItemResult batch_get_item(
      const aws::BatchGetItemRequest& request) const override;
  [[nodiscard]] aws::BatchWriteItemResult batch_write_item(
      const aws::BatchWriteItemRequest& request) const override;
  [[nodiscard]] aws::TransactGetItemsResult transact_get_items(
      const aws::TransactGetItemsRequest& request) const override;
  aws::TransactWriteItemsResult transact_write_items(
      const aws::TransactWriteItemsRequest& request) const override;
  aws::CreateTableResult create_table(const aws::CreateTableRequest& request) const override;
  [[nodiscard]] aws::DescribeTableResult describe_table(
      const aws::DescribeTableRequest& request) const override;
  aws::DeleteTableResult delete_table(const aws::DeleteTableRequest& request) const override;
  [[nodiscard]] aws::ListTablesResult list_tables(
      const aws::ListTablesRequest& request) const override;
  [[nodiscard]] const std::string& region() const noexcept override { return region_; }

  struct Index {
    std::string name;
    std::string partition_key;
    std::optional<std::string> sort_key;
    bool global = true;
  };
  struct Table {
    aws::TableDescription description;
    std::string partition_key;
    std::optional<std::string> sort_key;
    std::map<std::string, aws::ScalarAttributeType> types;
    std::vector<Index> indexes;
    std::vector<Item> items;  // in insertion order
  };

 private:
  struct Fault {
    int calls = 0;
    std::size_t count = 0;
  };
  struct Failure {
    std::string code;
    int remaining = 0;  // < 0: always
  };

  Table& table(const std::string& name) const;  // REQUIRES: mu_ held; throws ResourceNotFound
  // Counts the call, applies latency and injected failures. REQUIRES: mu_ not held.
  void begin(const std::string& operation) const;

  const std::string region_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Table> tables_;                  // guarded by mu_
  mutable std::map<std::string, Fault> faults_;                  // guarded by mu_
  mutable std::map<std::string, Failure> failures_;              // guarded by mu_
  mutable std::map<std::string, std::size_t, std::less<>> counts_;  // guarded by mu_
  mutable std::vector<aws::GetItemRequest> gets_;                // guarded by mu_
  mutable std::vector<aws::QueryRequest> queries_;               // guarded by mu_
  mutable std::vector<aws::UpdateItemRequest> updates_;          // guarded by mu_
  mutable std::vector<aws::PutItemRequest> puts_;                // guarded by mu_
  bool return_item_on_condition_failure_ = true;                 // guarded by mu_
  std::chrono::milliseconds latency_{0};                         // guarded by mu_
};

}  // namespace ddbcrypt::testing
