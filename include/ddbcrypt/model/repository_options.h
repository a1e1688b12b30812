// Options of model repositories (repository.h) and of their operations. Aggregates: set them
// with designated initializers; every field has a working default.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/model/condition.h"
#include "ddbcrypt/model/field_encryption.h"

namespace ddbcrypt::model {

// How batch operations re-send what DynamoDB left unprocessed (UnprocessedItems /
// UnprocessedKeys): exponential backoff with full jitter, from `initial_backoff` doubling up
// to `max_backoff`, for at most `max_attempts` requests per chunk.
struct BatchRetryPolicy {
  int max_attempts = 10;
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{5'000};
};

struct RepositoryOptions {
  // Required. Shared: several repositories may use one client.
  std::shared_ptr<const aws::DynamoDbClient> dynamodb;
  // Required when the model has encrypted fields.
  std::shared_ptr<const FieldEncryptor> fields;
  // The table to use instead of the schema's (e.g. per environment or per test). Encrypted
  // values in the bound format are bound to the table they are written to.
  std::optional<std::string> table_name;
  BatchRetryPolicy batch_retry;
};

enum class ReadConsistency : std::uint8_t {
  kEventual = 0,
  kStrong = 1,  // ConsistentRead; not available on global secondary indexes
};

enum class SortOrder : std::uint8_t {
  kAscending = 0,
  kDescending = 1,  // ScanIndexForward = false
};

struct SaveOptions {
  // Must hold for the write to happen, besides the version check of versioned models.
  std::optional<Condition> condition;
};

struct GetOptions {
  ReadConsistency consistency = ReadConsistency::kEventual;
};

struct QueryOptions {
  // A global or local secondary index declared in the schema.
  std::optional<std::string> index_name;
  std::optional<Condition> filter;
  // Most items to return in total; unset: all.
  std::optional<std::size_t> limit;
  // Items DynamoDB evaluates per request (its Limit); unset: DynamoDB's 1 MB pages.
  std::optional<std::int32_t> page_size;
  SortOrder order = SortOrder::kAscending;
  ReadConsistency consistency = ReadConsistency::kEventual;
  // Where to resume: a Pager's resume_key() from an earlier walk.
  std::optional<Item> exclusive_start_key;
};

struct ScanOptions {
  std::optional<std::string> index_name;
  std::optional<Condition> filter;
  std::optional<std::size_t> limit;
  std::optional<std::int32_t> page_size;
  ReadConsistency consistency = ReadConsistency::kEventual;
  std::optional<Item> exclusive_start_key;
  // One segment of a parallel scan walked by this pager (both or neither).
  std::optional<std::int32_t> segment;
  std::optional<std::int32_t> total_segments;
};

struct CreateTableOptions {
  // How long to wait for the table (and its indexes) to become ACTIVE.
  std::chrono::milliseconds wait_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(200)};
};

}  // namespace ddbcrypt::model
