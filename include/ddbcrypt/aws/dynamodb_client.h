// DynamoDbClient: the Amazon DynamoDB API (version 2012-08-10, JSON protocol 1.0,
// spec/aws-wire.md §2–§3) as plain C++ values.
//
// Requests and results are aggregates named after the action (`PutItemRequest`,
// `QueryResult`) whose fields carry the wire members' names in snake_case
// (`condition_expression`, `expression_attribute_values`, `last_evaluated_key`). Unset
// `std::optional` members and empty collections are left out of the request, so the service
// applies its defaults. Every call is one signed HTTPS request (plus the transport's retries of
// throttling and transient errors); nothing is split, merged or re-driven behind the caller's
// back: a BatchWriteItem of 26 requests is sent as it is and DynamoDB rejects it, and
// UnprocessedItems / UnprocessedKeys come back to the caller. The encrypted clients build
// those loops on top of this interface.
//
// Example:
//   auto ddb = aws::make_dynamodb_client({.region = "eu-west-1"});
//   ddb->put_item({.table_name = "users",
//                  .item = {{"pk", AttributeValue::S("user#1")}, {"n", AttributeValue::N("1")}},
//                  .condition_expression = "attribute_not_exists(pk)"});
//   aws::QueryPager pages(*ddb, {.table_name = "users",
//                                .key_condition_expression = "pk = :pk",
//                                .expression_attribute_values = {{":pk", AttributeValue::S("a")}}});
//   while (auto page = pages.next_page()) {
//     for (const Item& item : page->items) use(item);
//   }
//
// Errors: every method throws DynamoDbError (error.h) carrying AWS's code
// ("ConditionalCheckFailedException", "ResourceNotFoundException", ...), message, HTTP status,
// request id, whether a retry could help and how many attempts were made. Service members of
// the error body that callers act on are parsed into `DynamoDbErrorDetails`: the
// CancellationReasons of a TransactionCanceledException and the Item of a
// ConditionalCheckFailedException sent with ReturnValuesOnConditionCheckFailure=ALL_OLD. A
// response that is not valid DynamoDB JSON is a DynamoDbError with code "InvalidResponse".
// Request values are never copied into error messages.
//
// Thread-safety: DynamoDbClient implementations are shared between threads and every method
// may be called concurrently. Requests, results and pagers are values / single-threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ddbcrypt/aws/client_config.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt::aws {

// ----- Shared vocabulary ----------------------------------------------------------------------

// Placeholders of expressions: "#n" → attribute name, ":v" → value.
using ExpressionAttributeNames = std::map<std::string, std::string>;
using ExpressionAttributeValues = std::map<std::string, AttributeValue>;

// Request enums. Each enumerator stands for the wire string in its comment; the numeric values
// are stable and never renumbered.
enum class ReturnValue : std::uint8_t {
  kNone = 0,        // NONE
  kAllOld = 1,      // ALL_OLD
  kUpdatedOld = 2,  // UPDATED_OLD (UpdateItem only)
  kAllNew = 3,      // ALL_NEW (UpdateItem only)
  kUpdatedNew = 4,  // UPDATED_NEW (UpdateItem only)
};
enum class ReturnValuesOnConditionCheckFailure : std::uint8_t {
  kNone = 0,    // NONE
  kAllOld = 1,  // ALL_OLD: the failed item comes back in the error's details
};
enum class ReturnConsumedCapacity : std::uint8_t {
  kNone = 0,     // NONE
  kTotal = 1,    // TOTAL
  kIndexes = 2,  // INDEXES
};
enum class ReturnItemCollectionMetrics : std::uint8_t {
  kNone = 0,  // NONE
  kSize = 1,  // SIZE
};
enum class Select : std::uint8_t {
  kAllAttributes = 0,           // ALL_ATTRIBUTES
  kAllProjectedAttributes = 1,  // ALL_PROJECTED_ATTRIBUTES
  kSpecificAttributes = 2,      // SPECIFIC_ATTRIBUTES
  kCount = 3,                   // COUNT: results have no items, only counts
};

// Legacy (pre-expression) conditional parameters, kept so that old request shapes can be sent
// unchanged. New code uses the *_expression members instead; DynamoDB rejects a request that
// mixes both styles.
enum class ComparisonOperator : std::uint8_t {
  kEq = 0,            // EQ
  kNe = 1,            // NE
  kIn = 2,            // IN
  kLe = 3,            // LE
  kLt = 4,            // LT
  kGe = 5,            // GE
  kGt = 6,            // GT
  kBetween = 7,       // BETWEEN
  kNotNull = 8,       // NOT_NULL
  kNull = 9,          // NULL
  kContains = 10,     // CONTAINS
  kNotContains = 11,  // NOT_CONTAINS
  kBeginsWith = 12,   // BEGINS_WITH
};
enum class ConditionalOperator : std::uint8_t {
  kAnd = 0,  // AND
  kOr = 1,   // OR
};
enum class AttributeAction : std::uint8_t {
  kAdd = 0,     // ADD
  kPut = 1,     // PUT
  kDelete = 2,  // DELETE
};
// KeyConditions, QueryFilter, ScanFilter entries.
struct Condition {
  ComparisonOperator comparison_operator = ComparisonOperator::kEq;
  std::vector<AttributeValue> attribute_value_list;
  bool operator==(const Condition&) const = default;
};
// Expected entries.
struct ExpectedAttributeValue {
  std::optional<AttributeValue> value;
  std::optional<bool> exists;
  std::optional<ComparisonOperator> comparison_operator;
  std::vector<AttributeValue> attribute_value_list;
  bool operator==(const ExpectedAttributeValue&) const = default;
};
// AttributeUpdates entries.
struct AttributeValueUpdate {
  std::optional<AttributeValue> value;
  std::optional<AttributeAction> action;
  bool operator==(const AttributeValueUpdate&) const = default;
};

// Read/write units; each member is present only when the service reported it.
struct Capacity {
  std::optional<double> read_capacity_units;
  std::optional<double> write_capacity_units;
  std::optional<double> capacity_units;
  bool operator==(const Capacity&) const = default;
};
// Returned when the request asked for ReturnConsumedCapacity TOTAL or INDEXES.
struct ConsumedCapacity {
  std::string table_name;  // or the table ARN, as the request named it
  std::optional<double> capacity_units;
  std::optional<double> read_capacity_units;
  std::optional<double> write_capacity_units;
  std::optional<Capacity> table;
  std::map<std::string, Capacity> local_secondary_indexes;
  std::map<std::string, Capacity> global_secondary_indexes;
  bool operator==(const ConsumedCapacity&) const = default;
};
// Returned with ReturnItemCollectionMetrics SIZE on tables with local secondary indexes.
struct ItemCollectionMetrics {
  Item item_collection_key;
  std::vector<double> size_estimate_range_gb;  // [lower, upper]
  bool operator==(const ItemCollectionMetrics&) const = default;
};

// ----- Single-item operations -----------------------------------------------------------------

struct GetItemRequest {
  std::string table_name;  // name or ARN
  Item key;
  std::optional<bool> consistent_read;
  std::optional<std::string> projection_expression;
  ExpressionAttributeNames expression_attribute_names;
  std::optional<ReturnConsumedCapacity> return_consumed_capacity;
  std::vector<std::string> attributes_to_get;  // legacy projection
  bool operator==(const GetItemRequest&) const = default;
};
struct GetItemResult {
  std::optional<Item> item;  // absent when no item has the key
  std::optional<ConsumedCapacity> consumed_capacity;
  bool operator==(const GetItemResult&) const = default;
};

struct PutItemRequest {
  std::string table_name;
  Item item;
  std::optional<std::string> condition_expression;
  ExpressionAttributeNames expression_attribute_names;
  ExpressionAttributeValues expression_attribute_values;
  std::optional<ReturnValue> return_values;  // NONE or ALL_OLD
  std::optional<ReturnConsumedCapacity> return_consumed_capacity;
  std::optional<ReturnItemCollectionMetrics> return_item_collection_metrics;
  std::optional<ReturnValuesOnConditionCheckFailure> return_values_on_condition_check_failure;
  std::map<std::string, ExpectedAttributeValue> expected;  // legacy condition
  std::optional<ConditionalOperator> conditional_operator;  // legacy
  bool operator==(const PutItemRequest&) const = default;
};
struct PutItemResult {
  std::optional<Item> attributes;  // the old item, with ReturnValues ALL_OLD
  std::optional<ConsumedCapacity> consumed_capacity;
  std::optional<ItemCollectionMetrics> item_collection_metrics;
  bool operator==(const PutItemResult&) const = default;
};

struct DeleteItemRequest {
  std::string table_name;
  Item key;
  std::optional<std::string> condition_expression;
  ExpressionAttributeNames expression_attribute_names;
  ExpressionAttributeValues expression_attribute_values;
  std::optional<ReturnValue> return_values;  // NONE or ALL_OLD
  std::optional<ReturnConsumedCapacity> return_consumed_capacity;
  std::optional<ReturnItemCollectionMetrics> return_item_collection_metrics;
  std::optional<ReturnValuesOnConditionCheckFailure> return_values_on_condition_check_failure;
  std::map<std::string, ExpectedAttributeValue> expected;  // legacy condition
  std::optional<ConditionalOperator> conditional_operator;  // legacy
  bool operator==(const DeleteItemRequest&) const = default;
};
struct DeleteItemResult {
  std::optional<Item> attributes;
  std::optional<ConsumedCapacity> consumed_capacity;
  std::optional<ItemCollectionMetrics> item_collection_metrics;
  bool operator==(const DeleteItemResult&) const = default;
};

struct UpdateItemRequest {
  std::string table_name;
  Item key;
  std::optional<std::string> update_expression;
  std::optional<std::string> condition_expression;
  ExpressionAttributeNames expression_attribute_names;
  ExpressionAttributeValues expression_attribute_values;
  std::optional<ReturnValue> return_values;
  std::optional<ReturnConsumedCapacity> return_consumed_capacity;
  std::optional<ReturnItemCollectionMetrics> return_item_collection_metrics;
  std::optional<ReturnValuesOnConditionCheckFailure> return_values_on_condition_check_failure;
  std::map<std::string, AttributeValueUpdate> attribute_updates;  // legacy update
  std::map<std::string, ExpectedAttributeValue> expected;         // legacy condition
  std::optional<ConditionalOperator> conditional_operator;        // legacy
  bool operator==(const UpdateItemRequest&) const = default;
};
struct UpdateItemResult {
  std::optional<Item> attributes;  // as selected by ReturnValues
  std::optional<ConsumedCapacity> consumed_capacity;
  std::optional<ItemCollectionMetrics> item_collection_metrics;
  bool operator==(const UpdateItemResult&) const = default;
};

// ----- Query and Scan -------------------------------------------------------------------------

struct QueryRequest {
  std::string table_name;
  std::optional<std::string> index_name;
  std::optional<std::string> key_condition_expression;
  std::optional<std::string> filter_expression;
  std::optional<std::string> projection_expression;
  ExpressionAttributeNames expression_attribute_names;
  ExpressionAttributeValues expression_attribute_values;
  std::optional<Select> select;
  std::optional<std::int32_t> limit;  // items evaluated per page (before the filter)
  std::optional<bool> consistent_read;
  std::optional<bool> scan_index_forward;  // unset: ascending by sort key
  std::optional<Item> exclusive_start_key;
  std::optional<ReturnConsumedCapacity> return_consumed_capacity;
  std::vector<std::string> attributes_to_get;       // legacy projection
  std::map<std::string, Condition> key_conditions;  // legacy key condition
  std::map<std::string, Condition> query_filter;    // legacy filter
  std::optional<ConditionalOperator> conditional_operator;  // legacy
  bool operator==(const QueryRequest&) const = default;
};
struct QueryResult {
  std::vector<Item> items;  // empty with Select COUNT
  std::int64_t count = 0;          // items returned (after the filter)
  std::int64_t scanned_count = 0;  // items evaluated (before the filter)
  // Present when there may be more: pass it back as exclusive_start_key. A page can be empty
  // and still carry one; only its absence means the end.
  std::optional<Item> last_evaluated_key;
  std::optional<ConsumedCapacity> consumed_capacity;
  bool operator==(const QueryResult&) const = default;
};

struct ScanRequest {
  std::string table_name;
  std::optional<std::string> index_name;
  std::optional<std::string> filter_expression;
  std::optional<std::string> projection_expression;
  ExpressionAttributeNames expression_attribute_names;
  ExpressionAttributeValues expression_attribute_values;
  std::optional<Select> select;
  std::optional<std::int32_t> limit;
  std::optional<bool> consistent_read;
  std::optional<Item> exclusive_start_key;
  std::optional<std::int32_t> segment;         // parallel scan: 0 .. total_segments-1
  std::optional<std::int32_t> total_segments;  // parallel scan: 1 .. 1,000,000
  std::optional<ReturnConsumedCapacity> return_consumed_capacity;
  std::vector<std::string> attributes_to_get;    // legacy projection
  std::map<std::string, Condition> scan_filter;  // legacy filter
  std::optional<ConditionalOperator> conditional_operator;  // legacy
  bool operator==(const ScanRequest&) const = default;
};
struct ScanResult {
  std::vector<Item> items;
  std::int64_t count = 0;
  std::int64_t scanned_count = 0;
  std::optional<Item> last_evaluated_key;
  std::optional<ConsumedCapacity> consumed_capacity;
  bool operator==(const ScanResult&) const = default;
};

// ----- Batches --------------------------------------------------------------------------------

// Per-table part of BatchGetItem; also the shape of UnprocessedKeys.
struct KeysAndAttributes {
  std::vector<Item> keys;
  std::optional<bool> consistent_read;
  std::optional<std::string> projection_expression;
  ExpressionAttributeNames expression_attribute_names;
  std::vector<std::string> attributes_to_get;  // legacy projection
  bool operator==(const KeysAndAttributes&) const = default;
};
struct BatchGetItemRequest {
  std::map<std::string, KeysAndAttributes> request_items;  // table → keys (≤ 100 in total)
  std::optional<ReturnConsumedCapacity> return_consumed_capacity;
  bool operator==(const BatchGetItemRequest&) const = default;
};
struct BatchGetItemResult {
  std::map<std::string, std::vector<Item>> responses;  // in no particular order
  // Keys DynamoDB did not read this time; resubmit them (with backoff) until this is empty.
  std::map<std::string, KeysAndAttributes> unprocessed_keys;
  std::vector<ConsumedCapacity> consumed_capacity;
  bool operator==(const BatchGetItemResult&) const = default;
};

struct PutRequest {
  Item item;
  bool operator==(const PutRequest&) const = default;
};
struct DeleteRequest {
  Item key;
  bool operator==(const DeleteRequest&) const = default;
};
// One write of a BatchWriteItem: exactly one of the two, as on the wire.
using WriteRequest = std::variant<PutRequest, DeleteRequest>;

struct BatchWriteItemRequest {
  std::map<std::string, std::vector<WriteRequest>> request_items;  // ≤ 25 writes in total
  std::optional<ReturnConsumedCapacity> return_consumed_capacity;
  std::optional<ReturnItemCollectionMetrics> return_item_collection_metrics;
  bool operator==(const BatchWriteItemRequest&) const = default;
};
struct BatchWriteItemResult {
  // Writes DynamoDB did not apply this time; resubmit them (with backoff) until this is empty.
  std::map<std::string, std::vector<WriteRequest>> unprocessed_items;
  std::map<std::string, std::vector<ItemCollectionMetrics>> item_collection_metrics;
  std::vector<ConsumedCapacity> consumed_capacity;
  bool operator==(const BatchWriteItemResult&) const = default;
};

// ----- Transactions ---------------------------------------------------------------------------

struct TransactGet {
  std::string table_name;
  Item key;
  std::optional<std::string> projection_expression;
  ExpressionAttributeNames expression_attribute_names;
  bool operator==(const TransactGet&) const = default;
};
struct TransactGetItemsRequest {
  std::vector<TransactGet> transact_items;  // 1..100
  std::optional<ReturnConsumedCapacity> return_consumed_capacity;
  bool operator==(const TransactGetItemsRequest&) const = default;
};
struct TransactGetItemsResult {
  // Aligned with the request: responses[i] answers transact_items[i]; empty when that item
  // does not exist.
  std::vector<std::optional<Item>> responses;
  std::vector<ConsumedCapacity> consumed_capacity;
  bool operator==(const TransactGetItemsResult&) const = default;
};

struct TransactConditionCheck {
  std::string table_name;
  Item key;
  std::string condition_expression;
  ExpressionAttributeNames expression_attribute_names;
  ExpressionAttributeValues expression_attribute_values;
  std::optional<ReturnValuesOnConditionCheckFailure> return_values_on_condition_check_failure;
  bool operator==(const TransactConditionCheck&) const = default;
};
struct TransactPut {
  std::string table_name;
  Item item;
  std::optional<std::string> condition_expression;
  ExpressionAttributeNames expression_attribute_names;
  ExpressionAttributeValues expression_attribute_values;
  std::optional<ReturnValuesOnConditionCheckFailure> return_values_on_condition_check_failure;
  bool operator==(const TransactPut&) const = default;
};
struct TransactDelete {
  std::string table_name;
  Item key;
  std::optional<std::string> condition_expression;
  ExpressionAttributeNames expression_attribute_names;
  ExpressionAttributeValues expression_attribute_values;
  std::optional<ReturnValuesOnConditionCheckFailure> return_values_on_condition_check_failure;
  bool operator==(const TransactDelete&) const = default;
};
struct TransactUpdate {
  std::string table_name;
  Item key;
  std::string update_expression;
  std::optional<std::string> condition_expression;
  ExpressionAttributeNames expression_attribute_names;
  ExpressionAttributeValues expression_attribute_values;
  std::optional<ReturnValuesOnConditionCheckFailure> return_values_on_condition_check_failure;
  bool operator==(const TransactUpdate&) const = default;
};
// One action of a TransactWriteItems (ConditionCheck, Put, Delete or Update on the wire).
using TransactWriteItem =
    std::variant<TransactConditionCheck, TransactPut, TransactDelete, TransactUpdate>;

struct TransactWriteItemsRequest {
  std::vector<TransactWriteItem> transact_items;  // 1..100, no two on the same item
  // Idempotency token (1..36 characters). When unset the client draws a random UUID, which
  // its own retries of this call reuse.
  std::optional<std::string> client_request_token;
  std::optional<ReturnConsumedCapacity> return_consumed_capacity;
  std::optional<ReturnItemCollectionMetrics> return_item_collection_metrics;
  bool operator==(const TransactWriteItemsRequest&) const = default;
};
struct TransactWriteItemsResult {
  std::vector<ConsumedCapacity> consumed_capacity;
  std::map<std::string, std::vector<ItemCollectionMetrics>> item_collection_metrics;
  bool operator==(const TransactWriteItemsResult&) const = default;
};

// One entry of a TransactionCanceledException's CancellationReasons, in request order.
struct CancellationReason {
  // "None" for an action that did not fail, else ConditionalCheckFailed,
  // TransactionConflict, ItemCollectionSizeLimitExceeded, ProvisionedThroughputExceeded,
  // ThrottlingError, ValidationError, ...
  std::string code;
  std::optional<std::string> message;
  std::optional<Item> item;  // with ReturnValuesOnConditionCheckFailure ALL_OLD
  bool operator==(const CancellationReason&) const = default;
};
// ThrottlingReasons of throttling errors ({reason, resource}).
struct ThrottlingReason {
  std::string reason;    // e.g. "TableReadProvisionedThroughputExceeded"
  std::string resource;  // ARN of the table or index
  bool operator==(const ThrottlingReason&) const = default;
};

// The DynamoDB-specific members of an error body, reachable through DynamoDbError::details().
struct DynamoDbErrorDetails {
  std::vector<CancellationReason> cancellation_reasons;  // TransactionCanceledException
  std::optional<Item> item;  // ConditionalCheckFailedException with ALL_OLD
  std::vector<ThrottlingReason> throttling_reasons;
  bool operator==(const DynamoDbErrorDetails&) const = default;
};

// Conveniences over DynamoDbError::details(): empty when the error carried none.
[[nodiscard]] const std::vector<CancellationReason>& cancellation_reasons(
    const DynamoDbError& error) noexcept;
[[nodiscard]] const std::optional<Item>& condition_check_item(const DynamoDbError& error) noexcept;

// ----- Tables ---------------------------------------------------------------------------------

enum class ScalarAttributeType : std::uint8_t {
  kS = 0,  // S
  kN = 1,  // N
  kB = 2,  // B
};
enum class KeyType : std::uint8_t {
  kHash = 0,   // HASH (partition key)
  kRange = 1,  // RANGE (sort key)
};
enum class ProjectionType : std::uint8_t {
  kAll = 0,       // ALL
  kKeysOnly = 1,  // KEYS_ONLY
  kInclude = 2,   // INCLUDE
};
enum class BillingMode : std::uint8_t {
  kProvisioned = 0,    // PROVISIONED
  kPayPerRequest = 1,  // PAY_PER_REQUEST
};
enum class StreamViewType : std::uint8_t {
  kKeysOnly = 0,         // KEYS_ONLY
  kNewImage = 1,         // NEW_IMAGE
  kOldImage = 2,         // OLD_IMAGE
  kNewAndOldImages = 3,  // NEW_AND_OLD_IMAGES
};
enum class TableClass : std::uint8_t {
  kStandard = 0,                  // STANDARD
  kStandardInfrequentAccess = 1,  // STANDARD_INFREQUENT_ACCESS
};

struct AttributeDefinition {
  std::string attribute_name;
  ScalarAttributeType attribute_type = ScalarAttributeType::kS;
  bool operator==(const AttributeDefinition&) const = default;
};
struct KeySchemaElement {
  std::string attribute_name;
  KeyType key_type = KeyType::kHash;
  bool operator==(const KeySchemaElement&) const = default;
};
struct Projection {
  std::optional<ProjectionType> projection_type;
  std::vector<std::string> non_key_attributes;  // with INCLUDE
  bool operator==(const Projection&) const = default;
};
struct ProvisionedThroughput {
  std::int64_t read_capacity_units = 0;
  std::int64_t write_capacity_units = 0;
  bool operator==(const ProvisionedThroughput&) const = default;
};
struct OnDemandThroughput {
  std::optional<std::int64_t> max_read_request_units;
  std::optional<std::int64_t> max_write_request_units;
  bool operator==(const OnDemandThroughput&) const = default;
};
struct WarmThroughput {
  std::optional<std::int64_t> read_units_per_second;
  std::optional<std::int64_t> write_units_per_second;
  bool operator==(const WarmThroughput&) const = default;
};
struct GlobalSecondaryIndex {
  std::string index_name;
  std::vector<KeySchemaElement> key_schema;
  Projection projection;
  std::optional<ProvisionedThroughput> provisioned_throughput;  // PROVISIONED tables
  std::optional<OnDemandThroughput> on_demand_throughput;
  std::optional<WarmThroughput> warm_throughput;
  bool operator==(const GlobalSecondaryIndex&) const = default;
};
struct LocalSecondaryIndex {
  std::string index_name;
  std::vector<KeySchemaElement> key_schema;
  Projection projection;
  bool operator==(const LocalSecondaryIndex&) const = default;
};
struct StreamSpecification {
  bool stream_enabled = false;
  std::optional<StreamViewType> stream_view_type;  // required when enabled
  bool operator==(const StreamSpecification&) const = default;
};
struct SseSpecification {
  std::optional<bool> enabled;
  std::optional<std::string> sse_type;           // "AES256" or "KMS"
  std::optional<std::string> kms_master_key_id;  // with KMS
  bool operator==(const SseSpecification&) const = default;
};
struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};

struct CreateTableRequest {
  std::string table_name;
  std::vector<AttributeDefinition> attribute_definitions;  // key attributes only
  std::vector<KeySchemaElement> key_schema;
  std::optional<BillingMode> billing_mode;
  std::optional<ProvisionedThroughput> provisioned_throughput;  // required for PROVISIONED
  std::vector<GlobalSecondaryIndex> global_secondary_indexes;
  std::vector<LocalSecondaryIndex> local_secondary_indexes;
  std::optional<StreamSpecification> stream_specification;
  std::optional<SseSpecification> sse_specification;
  std::vector<Tag> tags;
  std::optional<TableClass> table_class;
  std::optional<bool> deletion_protection_enabled;
  std::optional<OnDemandThroughput> on_demand_throughput;
  std::optional<WarmThroughput> warm_throughput;
  std::optional<std::string> resource_policy;  // JSON policy document
  bool operator==(const CreateTableRequest&) const = default;
};

using TimePoint = std::chrono::system_clock::time_point;

struct ProvisionedThroughputDescription {
  std::optional<TimePoint> last_increase_date_time;
  std::optional<TimePoint> last_decrease_date_time;
  std::optional<std::int64_t> number_of_decreases_today;
  std::optional<std::int64_t> read_capacity_units;
  std::optional<std::int64_t> write_capacity_units;
  bool operator==(const ProvisionedThroughputDescription&) const = default;
};
struct BillingModeSummary {
  std::optional<BillingMode> billing_mode;
  std::optional<TimePoint> last_update_to_pay_per_request_date_time;
  bool operator==(const BillingModeSummary&) const = default;
};
struct GlobalSecondaryIndexDescription {
  std::string index_name;
  std::vector<KeySchemaElement> key_schema;
  Projection projection;
  std::optional<std::string> index_status;  // CREATING, UPDATING, DELETING, ACTIVE
  std::optional<bool> backfilling;
  std::optional<ProvisionedThroughputDescription> provisioned_throughput;
  std::optional<std::int64_t> index_size_bytes;
  std::optional<std::int64_t> item_count;
  std::optional<std::string> index_arn;
  std::optional<OnDemandThroughput> on_demand_throughput;
  bool operator==(const GlobalSecondaryIndexDescription&) const = default;
};
struct LocalSecondaryIndexDescription {
  std::string index_name;
  std::vector<KeySchemaElement> key_schema;
  Projection projection;
  std::optional<std::int64_t> index_size_bytes;
  std::optional<std::int64_t> item_count;
  std::optional<std::string> index_arn;
  bool operator==(const LocalSecondaryIndexDescription&) const = default;
};
struct SseDescription {
  std::optional<std::string> status;  // ENABLING, ENABLED, DISABLING, DISABLED, UPDATING
  std::optional<std::string> sse_type;
  std::optional<std::string> kms_master_key_arn;
  bool operator==(const SseDescription&) const = default;
};

// DescribeTable's view of a table. Status strings are kept as AWS sends them, since AWS adds
// states over time (CREATING, UPDATING, DELETING, ACTIVE, INACCESSIBLE_ENCRYPTION_CREDENTIALS,
// ARCHIVING, ARCHIVED, ...).
struct TableDescription {
  std::string table_name;
  std::string table_arn;
  std::string table_id;
  std::string table_status;
  std::vector<AttributeDefinition> attribute_definitions;
  std::vector<KeySchemaElement> key_schema;
  std::optional<TimePoint> creation_date_time;
  std::optional<std::int64_t> item_count;  // refreshed by DynamoDB about every six hours
  std::optional<std::int64_t> table_size_bytes;
  std::optional<ProvisionedThroughputDescription> provisioned_throughput;
  std::optional<BillingModeSummary> billing_mode_summary;
  std::vector<GlobalSecondaryIndexDescription> global_secondary_indexes;
  std::vector<LocalSecondaryIndexDescription> local_secondary_indexes;
  std::optional<StreamSpecification> stream_specification;
  std::optional<std::string> latest_stream_arn;
  std::optional<std::string> latest_stream_label;
  std::optional<SseDescription> sse_description;
  std::optional<std::string> table_class;  // from TableClassSummary
  std::optional<bool> deletion_protection_enabled;
  std::optional<OnDemandThroughput> on_demand_throughput;
  bool operator==(const TableDescription&) const = default;
};

struct CreateTableResult {
  TableDescription table_description;  // usually CREATING: wait for ACTIVE before use
  bool operator==(const CreateTableResult&) const = default;
};
struct DescribeTableRequest {
  std::string table_name;
  bool operator==(const DescribeTableRequest&) const = default;
};
struct DescribeTableResult {
  TableDescription table;
  bool operator==(const DescribeTableResult&) const = default;
};
struct DeleteTableRequest {
  std::string table_name;
  bool operator==(const DeleteTableRequest&) const = default;
};
struct DeleteTableResult {
  TableDescription table_description;  // usually DELETING
  bool operator==(const DeleteTableResult&) const = default;
};
struct ListTablesRequest {
  std::optional<std::string> exclusive_start_table_name;
  std::optional<std::int32_t> limit;  // 1..100
  bool operator==(const ListTablesRequest&) const = default;
};
struct ListTablesResult {
  std::vector<std::string> table_names;
  std::optional<std::string> last_evaluated_table_name;  // pass back to continue
  bool operator==(const ListTablesResult&) const = default;
};

// ----- The client -----------------------------------------------------------------------------

// Each method makes exactly one DynamoDB call of the same name (retried by the transport on
// throttling and transient errors, up to ClientConfig::retry.max_attempts, 4 by default) and
// throws DynamoDbError when DynamoDB refuses it or cannot be reached.
class DynamoDbClient {
 public:
  virtual ~DynamoDbClient() = default;

  [[nodiscard]] virtual GetItemResult get_item(const GetItemRequest& request) const = 0;
  virtual PutItemResult put_item(const PutItemRequest& request) const = 0;
  virtual DeleteItemResult delete_item(const DeleteItemRequest& request) const = 0;
  virtual UpdateItemResult update_item(const UpdateItemRequest& request) const = 0;
  [[nodiscard]] virtual QueryResult query(const QueryRequest& request) const = 0;
  [[nodiscard]] virtual ScanResult scan(const ScanRequest& request) const = 0;
  [[nodiscard]] virtual BatchGetItemResult batch_get_item(
      const BatchGetItemRequest& request) const = 0;
  // [[nodiscard]]: ignoring unprocessed_items silently loses writes.
  [[nodiscard]] virtual BatchWriteItemResult batch_write_item(
      const BatchWriteItemRequest& request) const = 0;
  [[nodiscard]] virtual TransactGetItemsResult transact_get_items(
      const TransactGetItemsRequest& request) const = 0;
  virtual TransactWriteItemsResult transact_write_items(
      const TransactWriteItemsRequest& request) const = 0;
  virtual CreateTableResult create_table(const CreateTableRequest& request) const = 0;
  [[nodiscard]] virtual DescribeTableResult describe_table(
      const DescribeTableRequest& request) const = 0;
  virtual DeleteTableResult delete_table(const DeleteTableRequest& request) const = 0;
  [[nodiscard]] virtual ListTablesResult list_tables(const ListTablesRequest& request) const = 0;

  // The region requests are signed for.
  [[nodiscard]] virtual const std::string& region() const noexcept = 0;
};

// The real client: signed JSON requests over ddbcrypt's HTTP transport, with the standard
// retry mode (4 attempts by default), clock-skew correction and a CRC-32 check of every
// response. Region, endpoint and credentials come from `config` and the usual sources (see
// client_config.h); throws ConfigError when no region can be resolved.
[[nodiscard]] std::shared_ptr<DynamoDbClient> make_dynamodb_client(ClientConfig config = {});

// ----- Pagination -----------------------------------------------------------------------------

// Walks a Query page by page, following LastEvaluatedKey; holds one page at a time, so memory
// stays constant whatever the result size. `limit` in the request applies to each page.
// The client must outlive the pager. Not thread-safe (one pager per thread).
//
//   QueryPager pages(*client, request);
//   while (auto page = pages.next_page()) { ... page->items ... }
class QueryPager {
 public:
  QueryPager(const DynamoDbClient& client, QueryRequest request);

  // The next page (one Query call), or nullopt once the page without a LastEvaluatedKey has
  // been returned. A page may have no items and still not be the last. Throws DynamoDbError;
  // after an error the same page may be asked for again.
  [[nodiscard]] std::optional<QueryResult> next_page();
  // True once the last page has been returned.
  bool done() const noexcept { return done_; }
  // Where the next page would start (unset before the first page): persist it to resume later
  // by passing it as the request's exclusive_start_key.
  const std::optional<Item>& exclusive_start_key() const noexcept {
    return request_.exclusive_start_key;
  }

 private:
  const DynamoDbClient* client_;
  QueryRequest request_;
  bool done_ = false;
};

// ScanPager is QueryPager for Scan; for a parallel scan give each segment its own pager.
class ScanPager {
 public:
  ScanPager(const DynamoDbClient& client, ScanRequest request);
  [[nodiscard]] std::optional<ScanResult> next_page();
  bool done() const noexcept { return done_; }
  const std::optional<Item>& exclusive_start_key() const noexcept {
    return request_.exclusive_start_key;
  }

 private:
  const DynamoDbClient* client_;
  ScanRequest request_;
  bool done_ = false;
};

// ----- Waiters --------------------------------------------------------------------------------

struct TableWaitOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
};

// Polls DescribeTable until the table (and each of its global secondary indexes) is ACTIVE,
// and returns that description. ResourceNotFoundException counts as "not yet" (a new table
// may not be visible at once), as in the SDK waiters. Throws DynamoDbError with code
// "WaiterTimeout" (retryable) when the timeout passes first, and any other error of
// DescribeTable as it comes.
TableDescription wait_until_table_active(const DynamoDbClient& client,
                                         const std::string& table_name,
                                         TableWaitOptions options = {});
// Polls DescribeTable until it answers ResourceNotFoundException. Throws DynamoDbError with
// code "WaiterTimeout" when the timeout passes first.
void wait_until_table_deleted(const DynamoDbClient& client, const std::string& table_name,
                              TableWaitOptions options = {});

}  // namespace ddbcrypt::aws
