// The JSON bodies of DynamoDB requests and responses (spec/aws-wire.md §2–§3).
//
// Encoders write compact JSON with members in the order of the request struct, leaving out
// unset optionals and empty collections (DynamoDB rejects an empty ExpressionAttributeNames,
// so an empty map must mean "absent"). Decoders ignore members they do not know and treat a
// JSON null as absent (DynamoDB Local sends "BillingModeSummary": null). Items are decoded by
// the item layer's strict DynamoDB-JSON parser.
//
// Decoders throw FormatError naming the operation and the JSON path of the bad member, never a
// value from the body.
#pragma once

#include <string>
#include <string_view>

#include "ddbcrypt/aws/dynamodb_client.h"

namespace ddbcrypt::internal {

[[nodiscard]] std::string encode_request(const aws::GetItemRequest& request);
[[nodiscard]] std::string encode_request(const aws::PutItemRequest& request);
[[nodiscard]] std::string encode_request(const aws::DeleteItemRequest& request);
[[nodiscard]] std::string encode_request(const aws::UpdateItemRequest& request);
[[nodiscard]] std::string encode_request(const aws::QueryRequest& request);
[[nodiscard]] std::string encode_request(const aws::ScanRequest& request);
[[nodiscard]] std::string encode_request(const aws::BatchGetItemRequest& request);
[[nodiscard]] std::string encode_request(const aws::BatchWriteItemRequest& request);
[[nodiscard]] std::string encode_request(const aws::TransactGetItemsRequest& request);
[[nodiscard]] std::string encode_request(const aws::TransactWriteItemsRequest& request);
// The same, with `default_token` as ClientRequestToken when the request has none (so the
// client can add its idempotency token without copying the request).
[[nodiscard]] std::string encode_request(const aws::TransactWriteItemsRequest& request,
                                         std::string_view default_token);
[[nodiscard]] std::string encode_request(const aws::CreateTableRequest& request);
[[nodiscard]] std::string encode_request(const aws::DescribeTableRequest& request);
[[nodiscard]] std::string encode_request(const aws::DeleteTableRequest& request);
[[nodiscard]] std::string encode_request(const aws::ListTablesRequest& request);

// decode_result<XResult>(body) parses the body of a successful X call.
template <class Result>
[[nodiscard]] Result decode_result(std::string_view body);

template <> aws::GetItemResult decode_result<aws::GetItemResult>(std::string_view body);
template <> aws::PutItemResult decode_result<aws::PutItemResult>(std::string_view body);
template <> aws::DeleteItemResult decode_result<aws::DeleteItemResult>(std::string_view body);
template <> aws::UpdateItemResult decode_result<aws::UpdateItemResult>(std::string_view body);
template <> aws::QueryResult decode_result<aws::QueryResult>(std::string_view body);
template <> aws::ScanResult decode_result<aws::ScanResult>(std::string_view body);
template <> aws::BatchGetItemResult decode_result<aws::BatchGetItemResult>(std::string_view body);
template <>
aws::BatchWriteItemResult decode_result<aws::BatchWriteItemResult>(std::string_view body);
template <>
aws::TransactGetItemsResult decode_result<aws::TransactGetItemsResult>(std::string_view body);
template <>
aws::TransactWriteItemsResult decode_result<aws::TransactWriteItemsResult>(std::string_view body);
template <> aws::CreateTableResult decode_result<aws::CreateTableResult>(std::string_view body);
template <>
aws::DescribeTableResult decode_result<aws::DescribeTableResult>(std::string_view body);
template <> aws::DeleteTableResult decode_result<aws::DeleteTableResult>(std::string_view body);
template <> aws::ListTablesResult decode_result<aws::ListTablesResult>(std::string_view body);

// The DynamoDB-specific members of an error body: CancellationReasons, Item and
// ThrottlingReasons (or throttlingReasons). Lenient, because it runs while an error is already
// being reported: members it cannot parse are left out, and a body that is not JSON gives
// empty details.
[[nodiscard]] aws::DynamoDbErrorDetails decode_error_details(std::string_view body);

}  // namespace ddbcrypt::internal
