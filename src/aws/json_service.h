// JsonService: one signed, retried call of an AWS JSON-protocol service (spec/aws-wire.md §1,
// §2, §6): the engine under the DynamoDB and KMS clients.
//
// For every attempt it takes current credentials from the provider, signs a fresh copy of the
// request with SigV4 at the skew-corrected time, sends it over the shared HTTP transport and
// classifies the outcome:
//   * 2xx: checks x-amz-crc32 when the service sends it (DynamoDB), returns the body;
//   * an error answer: reads AWS's error code (X-Amzn-ErrorType, else __type, else code;
//     sanitized), message (message or Message) and request id;
//   * no answer: a TransportError (refused, reset, timeout, TLS).
// Throttling and transient failures are retried by the client's RetryStrategy with backoff;
// a clock-skew refusal is retried once the Date of a response has corrected the offset; an
// ExpiredTokenException invalidates the cached credentials and is retried once. What cannot be
// retried (or no longer can) is handed to the service's `raise` function, which throws the
// service's own error type (KmsError, DynamoDbError with its details).
//
// Error messages never contain request or response bodies, headers or credentials.
//
// Thread-safety: `call` may be used concurrently from any number of threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/retry_strategy.h"
#include "aws/sigv4.h"
#include "ddbcrypt/aws/client_config.h"
#include "ddbcrypt/aws/http.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {

struct JsonServiceTraits {
  std::string_view service_id;     // for endpoint resolution: "DynamoDB", "KMS"
  std::string_view signing_name;   // "dynamodb", "kms"
  std::string_view target_prefix;  // "DynamoDB_20120810", "TrentService"
  std::string_view content_type;   // "application/x-amz-json-1.0" / "-1.1"
  bool check_crc32 = false;        // DynamoDB sends x-amz-crc32
  int default_max_attempts = 3;
  std::chrono::milliseconds default_base_delay{50};
};

// A call that failed for good, before it becomes the service's error type.
struct JsonCallFailure {
  AwsErrorInfo info;
  std::string body;  // the error answer's body, "" when there was no answer
};
// Throws the service's error for `failure`; must not return.
using RaiseJsonFailure = std::function<void(JsonCallFailure&& failure)>;

// Seams for tests; unset members use the real clock, real sleeping and random jitter.
struct JsonServiceHooks {
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<double()> jitter;
};

// Counters of one client, readable at any time.
struct JsonServiceMetrics {
  std::uint64_t calls = 0;      // call() invocations
  std::uint64_t attempts = 0;   // HTTP requests sent
  std::uint64_t retries = 0;    // attempts after the first
  std::uint64_t failures = 0;   // calls that ended in an error
  std::chrono::microseconds total_latency{0};  // wall time of all calls, retries included
};

class JsonService {
 public:
  // Resolves region, endpoint and credentials from `config` (ConfigError when that fails).
  JsonService(const aws::ClientConfig& config, const JsonServiceTraits& traits,
              RaiseJsonFailure raise, JsonServiceHooks hooks = {});
  ~JsonService();
  JsonService(const JsonService&) = delete;
  JsonService& operator=(const JsonService&) = delete;

  // Sends `operation` (e.g. "PutItem") with the JSON `body` and returns the body of the
  // successful answer. Throws through `raise`, or ConfigError when no credentials can be had.
  [[nodiscard]] std::string call(std::string_view operation, std::string body) const;

  const std::string& region() const noexcept { return region_; }
  const std::string& endpoint() const noexcept { return endpoint_; }
  // Server time minus local time, as learned from Date headers (zero until a skew is seen).
  [[nodiscard]] std::chrono::milliseconds clock_offset() const noexcept;
  [[nodiscard]] int available_retry_quota() const { return retry_->available_quota(); }
  [[nodiscard]] JsonServiceMetrics metrics() const noexcept;

 private:
  struct Attempt;
  std::chrono::system_clock::time_point now() const;
  // Updates the clock offset from a response's Date header; true when it changed.
  bool observe_server_date(const aws::HttpResponse& response) const;

  std::string service_name_;  // for messages: "DynamoDB", "KMS"
  std::string signing_name_;
  std::string target_prefix_;
  std::string content_type_;
  bool check_crc32_;
  std::string region_;
  std::string endpoint_;
  std::string url_;
  std::string host_;
  std::shared_ptr<aws::CredentialsProvider> credentials_;
  std::shared_ptr<aws::HttpTransport> transport_;
  aws::HttpOptions http_options_;
  bool correct_clock_skew_;
  RaiseJsonFailure raise_;
  JsonServiceHooks hooks_;
  std::unique_ptr<RetryStrategy> retry_;
  SigV4Signer signer_;
  mutable std::atomic<std::int64_t> clock_offset_ms_{0};
  mutable std::atomic<std::uint64_t> calls_{0}, attempts_{0}, retries_{0}, failures_{0};
  mutable std::atomic<std::int64_t> latency_us_{0};
};

// AWS's error code as sent, sanitized (spec §2): everything from the first ':' cut, then only
// what follows the last '#'.
[[nodiscard]] std::string sanitize_error_code(std::string_view code);

// The error code, message and request id of an error answer. Lenient: a body that is not JSON
// gives an empty code (the caller then names the HTTP status).
struct ParsedAwsError {
  std::string code;
  std::string message;
};
[[nodiscard]] ParsedAwsError parse_aws_error(const aws::HttpResponse& response);

// IEEE CRC-32 (zlib's crc32) of `data`.
[[nodiscard]] std::uint32_t crc32_of(std::string_view data) noexcept;

// Parses an HTTP date (RFC 7231 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"); nullopt for
// anything else.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view text);

}  // namespace ddbcrypt::internal
