// Configuration shared by the AWS clients (DynamoDB, KMS, STS), in the spirit of
// aws-sdk-cpp's ClientConfiguration.
//
//   auto kms = aws::make_kms_client(aws::ClientConfig{
//       .region = "eu-west-1",
//       .endpoint_override = "http://127.0.0.1:5000",  // local stand-in
//       .request_timeout = std::chrono::seconds(3),
//   });
//
// Unset fields are resolved the way the AWS SDKs do (spec/aws-wire.md §8) when a client is
// built: region from AWS_REGION, AWS_DEFAULT_REGION, then the profile's `region`; endpoint
// from AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_DYNAMODB, _KMS, _DYNAMODB_STREAMS),
// AWS_ENDPOINT_URL, the profile's `services` section, the profile's endpoint_url, then
// https://<service>.<region>.amazonaws.com (or the partition's suffix, e.g. .amazonaws.com.cn;
// AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT select those variants);
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores the environment and profile URLs. The
// profile is `profile`, else AWS_PROFILE, else "default"; a named profile must exist.
// Credentials: `credentials_provider`, else the default chain.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "ddbcrypt/aws/credentials.h"

namespace ddbcrypt::aws {

// The "standard" retry mode of the AWS SDKs with the 2026 defaults (spec/aws-wire.md §6):
// throttling and transient errors are retried with jittered, truncated exponential backoff,
// delay = U[0,1) x min(base x 2^(retry-1), max_backoff), where base is throttling_base_delay
// for throttling errors and base_delay for the others; a response's `x-amz-retry-after`
// (milliseconds) is honoured up to 5 s beyond that delay. A client-side token bucket (the
// retry quota) stops retry storms: each retry takes retry_cost (throttling_retry_cost for a
// throttling error) tokens, a successful retry returns them, a first-attempt success adds one,
// and when the bucket cannot pay, the last error is returned at once.
struct RetryOptions {
  // Total attempts including the first; unset: AWS_MAX_ATTEMPTS, else the profile's
  // max_attempts, else 4 for DynamoDB and 3 for other services.
  std::optional<int> max_attempts;
  // Backoff base for transient errors; unset: 25 ms for DynamoDB, 50 ms for other services.
  std::optional<std::chrono::milliseconds> base_delay;
  std::chrono::milliseconds throttling_base_delay{1000};  // throttling errors
  std::chrono::milliseconds max_backoff{20000};           // cap of the exponential part
  int retry_quota = 500;           // token bucket capacity (and initial content)
  int retry_cost = 14;             // tokens per retry of a transient error or timeout
  int throttling_retry_cost = 5;   // tokens per retry of a throttling error
  bool use_quota = true;
  // Sign with the server's clock when a response's Date header is 5 minutes or more away from
  // ours, and retry a request the service refused as skewed once the offset changed.
  bool correct_clock_skew = true;
};

class HttpTransport;  // see aws/http.h

struct ClientConfig {
  std::optional<std::string> region;
  std::optional<std::string> endpoint_override;  // e.g. "http://127.0.0.1:8000"
  std::optional<std::string> profile;            // instead of AWS_PROFILE
  std::shared_ptr<CredentialsProvider> credentials_provider;  // null: the default chain
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  bool verify_tls = true;  // turning this off is for test rigs only
  RetryOptions retry;
  // Shared HTTP connection pool; null: the process-wide default transport.
  std::shared_ptr<HttpTransport> transport;
};

// The default credential chain (see credentials.h) configured from `config`: `profile`
// selects the shared-file profile, `region` is the STS region for web identity, and
// `transport` and `verify_tls` carry the STS, container and instance-metadata requests.
// `credentials_provider` and `endpoint_override` are not used: the override addresses the
// client's own service, never STS. Looks for credentials on the first credentials() call.
[[nodiscard]] std::shared_ptr<CredentialsProvider> make_default_credentials_provider(
    const ClientConfig& config);

}  // namespace ddbcrypt::aws
