#include "aws/dynamodb_client.h"

#include <chrono>
#include <thread>
#include <utility>

#include "aws/dynamodb_json_codec.h"
#include "aws/json_service.h"
#include "aws/region_endpoint.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace internal {
namespace {

using namespace ddbcrypt::aws;  // NOLINT(google-build-using-namespace): .cc only

class DynamoDbClientImpl final : public DynamoDbClient {
 public:
  DynamoDbClientImpl(DynamoDbCall call, std::string region)
      : call_(std::move(call)), region_(std::move(region)) {}
  DynamoDbClientImpl(const DynamoDbClientImpl&) = delete;
  DynamoDbClientImpl& operator=(const DynamoDbClientImpl&) = delete;

  GetItemResult get_item(const GetItemRequest& r) const override {
    return send<GetItemResult>("GetItem", encode_request(r));
  }
  PutItemResult put_item(const PutItemRequest& r) const override {
    return send<PutItemResult>("PutItem", encode_request(r));
  }
  DeleteItemResult delete_item(const DeleteItemRequest& r) const override {
    return send<DeleteItemResult>("DeleteItem", encode_request(r));
  }
  UpdateItemResult update_item(const UpdateItemRequest& r) const override {
    return send<UpdateItemResult>("UpdateItem", encode_request(r));
  }
  QueryResult query(const QueryRequest& r) const override {
    return send<QueryResult>("Query", encode_request(r));
  }
  ScanResult scan(const ScanRequest& r) const override {
    return send<ScanResult>("Scan", encode_request(r));
  }
  BatchGetItemResult batch_get_item(const BatchGetItemRequest& r) const override {
    return send<BatchGetItemResult>("BatchGetItem", encode_request(r));
  }
  BatchWriteItemResult batch_write_item(const BatchWriteItemRequest& r) const override {
    return send<BatchWriteItemResult>("BatchWriteItem", encode_request(r));
  }
  TransactGetItemsResult transact_get_items(const TransactGetItemsRequest& r) const override {
    return send<TransactGetItemsResult>("TransactGetItems", encode_request(r));
  }
  TransactWriteItemsResult transact_write_items(
      const TransactWriteItemsRequest& r) const override {
    // Drawn once per call and sent on every attempt, so a retry after a lost response cannot
    // apply the transaction twice.
    const std::string token = r.client_request_token ? std::string() : random_uuid();
    return send<TransactWriteItemsResult>("TransactWriteItems", encode_request(r, token));
  }
  CreateTableResult create_table(const CreateTableRequest& r) const override {
    return send<CreateTableResult>("CreateTable", encode_request(r));
  }
  DescribeTableResult describe_table(const DescribeTableRequest& r) const override {
    return send<DescribeTableResult>("DescribeTable", encode_request(r));
  }
  DeleteTableResult delete_table(const DeleteTableRequest& r) const override {
    return send<DeleteTableResult>("DeleteTable", encode_request(r));
  }
  ListTablesResult list_tables(const ListTablesRequest& r) const override {
    return send<ListTablesResult>("ListTables", encode_request(r));
  }

  const std::string& region() const noexcept override { return region_; }

 private:
  template <class Result>
  Result send(std::string_view operation, std::string body) const {
    const std::string response = call_(operation, std::move(body));
    try {
      return decode_result<Result>(response);
    } catch (const FormatError& e) {
      // A 200 whose body cannot be read: the write may have happened, so the caller must see a
      // DynamoDB failure of this operation, not a data-format error of its own input.
      throw DynamoDbError(AwsErrorInfo{
          .error_code = "InvalidResponse",
          .message = e.what(),
          .http_status = 200,
      });
    }
  }

  DynamoDbCall call_;
  std::string region_;
};

}  // namespace

std::shared_ptr<DynamoDbClient> make_dynamodb_client_over(DynamoDbCall call, std::string region) {
  return std::make_shared<DynamoDbClientImpl>(std::move(call), std::move(region));
}

std::string random_uuid() {
  Bytes b = random_bytes(16);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  const std::string hex = hex_encode(b);
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' +
         hex.substr(16, 4) + '-' + hex.substr(20, 12);
}

}  // namespace internal

namespace aws {

std::shared_ptr<DynamoDbClient> make_dynamodb_client(ClientConfig config) {
  static const ::ddbcrypt::internal::JsonServiceTraits kDynamoDbTraits{
      .service_id = internal::kDynamoDbService,
      .signing_name = "dynamodb",
      .target_prefix = "DynamoDB_20120810",
      .content_type = "application/x-amz-json-1.0",
      .check_crc32 = true,
      // The 2026 standard mode's DynamoDB defaults (spec/aws-wire.md §6.3).
      .default_max_attempts = 4,
      .default_base_delay = std::chrono::milliseconds(25),
  };
  auto service = std::make_shared<::ddbcrypt::internal::JsonService>(
      config, kDynamoDbTraits, [](::ddbcrypt::internal::JsonCallFailure&& failure) {
        std::shared_ptr<const DynamoDbErrorDetails> details;
        if (!failure.body.empty()) {
          DynamoDbErrorDetails parsed = ::ddbcrypt::internal::decode_error_details(failure.body);
          if (!(parsed == DynamoDbErrorDetails{})) {
            details = std::make_shared<const DynamoDbErrorDetails>(std::move(parsed));
          }
        }
        throw DynamoDbError(std::move(failure.info), std::move(details));
      });
  std::string region = service->region();
  return ::ddbcrypt::internal::make_dynamodb_client_over(
      [service](std::string_view operation, std::string body) {
        return service->call(operation, std::move(body));
      },
      std::move(region));
}

const std::vector<CancellationReason>& cancellation_reasons(const DynamoDbError& error) noexcept {
  static const std::vector<CancellationReason> kNone;
  const DynamoDbErrorDetails* details = error.details();
  return details ? details->cancellation_reasons : kNone;
}

const std::optional<Item>& condition_check_item(const DynamoDbError& error) noexcept {
  static const std::optional<Item> kNone;
  const DynamoDbErrorDetails* details = error.details();
  return details ? details->item : kNone;
}

// ----- Pagers ---------------------------------------------------------------------------------

QueryPager::QueryPager(const DynamoDbClient& client, QueryRequest request)
    : client_(&client), request_(std::move(request)) {}

std::optional<QueryResult> QueryPager::next_page() {
  if (done_) return std::nullopt;
  QueryResult page = client_->query(request_);
  // Only the start key changes between pages, so the request is reused rather than rebuilt.
  request_.exclusive_start_key = page.last_evaluated_key;
  done_ = !page.last_evaluated_key.has_value();
  return page;
}

ScanPager::ScanPager(const DynamoDbClient& client, ScanRequest request)
    : client_(&client), request_(std::move(request)) {}

std::optional<ScanResult> ScanPager::next_page() {
  if (done_) return std::nullopt;
  ScanResult page = client_->scan(request_);
  request_.exclusive_start_key = page.last_evaluated_key;
  done_ = !page.last_evaluated_key.has_value();
  return page;
}

// ----- Waiters --------------------------------------------------------------------------------

namespace {

[[noreturn]] void throw_waiter_timeout(const std::string& table_name, std::string_view goal,
                                       std::string_view last_state, int polls) {
  std::string message = "table " + table_name + " did not become " + std::string(goal) +
                        " within the wait timeout";
  if (!last_state.empty()) message += " (last status " + std::string(last_state) + ")";
  throw DynamoDbError(AwsErrorInfo{
      .error_code = "WaiterTimeout",
      .message = std::move(message),
      .retryable = true,
      .attempts = polls,
  });
}

bool is_active(const TableDescription& table) {
  if (table.table_status != "ACTIVE") return false;
  for (const auto& index : table.global_secondary_indexes) {
    if (index.index_status && *index.index_status != "ACTIVE") return false;
  }
  return true;
}

}  // namespace

TableDescription wait_until_table_active(const DynamoDbClient& client,
                                         const std::string& table_name,
                                         TableWaitOptions options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::string last_state;
  int polls = 0;
  for (;;) {
    ++polls;
    try {
      TableDescription table = client.describe_table({.table_name = table_name}).table;
      if (is_active(table)) return table;
      last_state = table.table_status;
    } catch (const DynamoDbError& e) {
      // Right after CreateTable, DescribeTable may not see the table yet (the SDK waiters
      // retry this too).
      if (e.error_code() != "ResourceNotFoundException") throw;
      last_state = "not found";
    }
    if (std::chrono::steady_clock::now() + options.poll_interval > deadline) {
      throw_waiter_timeout(table_name, "ACTIVE", last_state, polls);
    }
    std::this_thread::sleep_for(options.poll_interval);
  }
}

void wait_until_table_deleted(const DynamoDbClient& client, const std::string& table_name,
                              TableWaitOptions options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::string last_state;
  int polls = 0;
  for (;;) {
    ++polls;
    try {
      last_state = client.describe_table({.table_name = table_name}).table.table_status;
    } catch (const DynamoDbError& e) {
      if (e.error_code() == "ResourceNotFoundException") return;
      throw;
    }
    if (std::chrono::steady_clock::now() + options.poll_interval > deadline) {
      throw_waiter_timeout(table_name, "deleted", last_state, polls);
    }
    std::this_thread::sleep_for(options.poll_interval);
  }
}

}  // namespace aws
}  // namespace ddbcrypt
