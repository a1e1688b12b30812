// FakeDynamoDb: an in-process aws::DynamoDbClient for unit tests of components that keep a
// few items in DynamoDB (the MetaStore).
//
// It implements, as DynamoDB does, the parts such components rely on:
//  * CreateTable / DescribeTable / DeleteTable with a HASH and optional RANGE key of type S, N
//    or B (ResourceInUseException, ResourceNotFoundException); tables are ACTIVE at once;
//  * PutItem, GetItem and DeleteItem by primary key; items must carry the key attributes with
//    the declared types (ValidationException otherwise); keys compare as DynamoDB compares
//    them (N numerically, S and B by bytes);
//  * condition expressions made of attribute_exists(path) / attribute_not_exists(path)
//    joined by AND, with #name placeholders: a failed condition throws
//    ConditionalCheckFailedException (with the old item in the details when
//    ReturnValuesOnConditionCheckFailure is ALL_OLD);
//  * Query with `#pk = :v` (or the attribute name) and an optional sort key condition (=, <,
//    <=, >, >=, BETWEEN), results ordered by sort key (numerically for N), ScanIndexForward,
//    Limit with LastEvaluatedKey / ExclusiveStartKey, and a ProjectionExpression of plain
//    names or placeholders.
// Anything else (filter expressions, update expressions, other operations, other condition
// functions) throws DynamoDbError "UnsupportedOperation" or "ValidationException", so a test
// never passes by relying on behaviour the fake does not have. Numbers are returned as they
// were written (DynamoDB would normalize them).
//
// Every call is counted per operation and its request recorded; faults can be injected per
// operation, and an artificial latency set.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddbcrypt/aws/dynamodb_client.h"

namespace ddbcrypt::testing {

class FakeDynamoDb final : public aws::DynamoDbClient {
 public:
  explicit FakeDynamoDb(std::string region = "us-east-1") : region_(std::move(region)) {}

  // The next `times` calls of `operation` ("GetItem", "Query", "PutItem", ...) fail with
  // `error_code` (retryable unless it is a client error such as AccessDeniedException).
  void fail_next(const std::string& operation, const std::string& error_code, int times = 1);
  // Every call of `operation` fails with `error_code` until cleared with an empty code.
  void fail_always(const std::string& operation, const std::string& error_code);
  // Every call sleeps this long before answering.
  void set_latency(std::chrono::milliseconds latency);

  [[nodiscard]] std::size_t calls(std::string_view operation) const;
  void reset_counts();
  [[nodiscard]] std::vector<aws::GetItemRequest> get_item_requests() const;
  [[nodiscard]] std::vector<aws::QueryRequest> query_requests() const;
  [[nodiscard]] std::vector<aws::PutItemRequest> put_item_requests() const;

  // Direct access for tests: the stored items of `table` (any order), and replacing one
  // item's attributes in place (as an attacker with write access to the table could).
  [[nodiscard]] std::vector<Item> items(const std::string& table) const;
  void overwrite(const std::string& table, Item item);

  // aws::DynamoDbClient
  aws::GetItemResult get_item(const aws::GetItemRequest& request) const override;
  aws::PutItemResult put_item(const aws::PutItemRequest& request) const override;
  aws::DeleteItemResult delete_item(const aws::DeleteItemRequest& request) const override;
  aws::UpdateItemResult update_item(const aws::UpdateItemRequest& request) const override;
  aws::QueryResult query(const aws::QueryRequest& request) const override;
  aws::ScanResult scan(const aws::ScanRequest& request) const override;
  aws::BatchGetItemResult batch_get_item(const aws::BatchGetItemRequest& request) const override;
  aws::BatchWriteItemResult batch_write_item(
      const aws::BatchWriteItemRequest& request) const override;
  aws::TransactGetItemsResult transact_get_items(
      const aws::TransactGetItemsRequest& request) const override;
  aws::TransactWriteItemsResult transact_write_items(
      const aws::TransactWriteItemsRequest& request) const override;
  aws::CreateTableResult create_table(const aws::CreateTableRequest& request) const override;
  aws::DescribeTableResult describe_table(
      const aws::DescribeTableRequest& request) const override;
  aws::DeleteTableResult delete_table(const aws::DeleteTableRequest& request) const override;
  aws::ListTablesResult list_tables(const aws::ListTablesRequest& request) const override;
  const std::string& region() const noexcept override { return region_; }

 private:
  struct KeyAttribute {
    std::string name;
    aws::ScalarAttributeType type = aws::ScalarAttributeType::kS;
  };
  struct Table {
    aws::TableDescription description;
    KeyAttribute hash;
    std::optional<KeyAttribute> range;
    std::vector<Item> items;
  };
  struct Failure {
    std::string code;
    int remaining = 0;  // < 0: always
  };

  // Counts the call, applies latency and injected faults. REQUIRES: mu_ not held.
  void begin(const std::string& operation) const;
  Table& table(const std::string& name) const;  // REQUIRES: mu_ held
  // The key attributes of `item`, checked against the schema.
  Item key_of(const Table& t, const Item& item, std::string_view what) const;
  std::vector<Item>::iterator find(Table& t, const Item& key) const;  // REQUIRES: mu_ held

  const std::string region_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Table> tables_;                 // guarded by mu_
  mutable std::map<std::string, std::size_t, std::less<>> counts_;  // guarded by mu_
  mutable std::map<std::string, Failure> failures_;             // guarded by mu_
  mutable std::vector<aws::GetItemRequest> get_requests_;       // guarded by mu_
  mutable std::vector<aws::QueryRequest> query_requests_;       // guarded by mu_
  mutable std::vector<aws::PutItemRequest> put_requests_;       // guarded by mu_
  std::chrono::milliseconds latency_{0};                        // guarded by mu_
};

}  // namespace ddbcrypt::testing
