// ddbcrypt error hierarchy.
//
// Every failure of the public API is reported by throwing a class derived from
// ddbcrypt::Error. The set of classes is deliberately small (DESIGN.md, "Errors"):
//
//   Error
//   ├── ConfigError       the caller asked for something that cannot work (bad key size,
//   │                     unknown algorithm, reserved attribute name, unsupported request)
//   ├── FormatError       malformed input data: bad DynamoDB-JSON, wrong type tags, bad
//   │                     base64, invalid numbers, empty or duplicate sets
//   ├── EncryptionError   an item or value could not be protected
//   ├── DecryptionError   an item or value could not be recovered
//   │   └── SignatureError    its signature or MAC did not verify (tampering, wrong key)
//   └── AwsError          an AWS service answered with an error or could not be reached
//       ├── KmsError
//       └── DynamoDbError
//
// Messages name the attribute, table, operation or key id concerned and never contain
// plaintext, key bytes, credentials or signatures.
//
// Thread-safety: error objects are immutable values.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace ddbcrypt {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

class ConfigError : public Error {
 public:
  using Error::Error;
};

class FormatError : public Error {
 public:
  using Error::Error;
};

class EncryptionError : public Error {
 public:
  using Error::Error;
};

class DecryptionError : public Error {
 public:
  using Error::Error;
};

class SignatureError : public DecryptionError {
 public:
  using DecryptionError::DecryptionError;
};

// True for the AWS error codes the SDKs treat as throttling ("ThrottlingException",
// "ProvisionedThroughputExceededException", "RequestLimitExceeded", ...; spec/aws-wire.md §6.2).
[[nodiscard]] bool is_throttling_error_code(std::string_view error_code) noexcept;

// Facts about a failed AWS call, as aws-sdk-cpp's AWSError carries them.
struct AwsErrorInfo {
  std::string error_code;      // AWS's exception name verbatim, e.g. "ThrottlingException";
                               // for transport failures a ddbcrypt code such as
                               // "NetworkError" or "RequestTimeout".
  std::string message;         // the service's message (never request or response bodies)
  int http_status = 0;         // 0 when no HTTP response was received
  std::string request_id;      // x-amzn-RequestId, when the service sent one
  bool retryable = false;      // whether retrying the same request could succeed
  int attempts = 1;            // how many attempts were made before giving up
};

class AwsError : public Error {
 public:
  AwsError(const std::string& service, AwsErrorInfo info)
      : Error(format(service, info)), info_(std::move(info)) {}

  const std::string& error_code() const noexcept { return info_.error_code; }
  const std::string& aws_message() const noexcept { return info_.message; }
  int http_status() const noexcept { return info_.http_status; }
  const std::string& request_id() const noexcept { return info_.request_id; }
  bool retryable() const noexcept { return info_.retryable; }
  int attempts() const noexcept { return info_.attempts; }
  const AwsErrorInfo& info() const noexcept { return info_; }

  bool is_throttling() const noexcept;
  bool is_conditional_check_failed() const noexcept {
    return info_.error_code == "ConditionalCheckFailedException";
  }
  bool is_transaction_canceled() const noexcept {
    return info_.error_code == "TransactionCanceledException";
  }

 private:
  static std::string format(const std::string& service, const AwsErrorInfo& info);
  AwsErrorInfo info_;
};

class KmsError : public AwsError {
 public:
  explicit KmsError(AwsErrorInfo info) : AwsError("KMS", std::move(info)) {}
};

namespace aws {
struct DynamoDbErrorDetails;  // defined in ddbcrypt/aws/dynamodb_client.h
}  // namespace aws

class DynamoDbError : public AwsError {
 public:
  explicit DynamoDbError(AwsErrorInfo info,
                         std::shared_ptr<const aws::DynamoDbErrorDetails> details = nullptr)
      : AwsError("DynamoDB", std::move(info)), details_(std::move(details)) {}

  // The DynamoDB-specific members of the error body (CancellationReasons of a
  // TransactionCanceledException, the Item of a ConditionalCheckFailedException), or null
  // when the body had none. Include ddbcrypt/aws/dynamodb_client.h to read them.
  const aws::DynamoDbErrorDetails* details() const noexcept { return details_.get(); }

 private:
  // Shared and immutable, so copying the exception stays cheap and cannot throw.
  std::shared_ptr<const aws::DynamoDbErrorDetails> details_;
};

}  // namespace ddbcrypt
