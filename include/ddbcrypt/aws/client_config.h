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

// The "standard" retry mode of the AWS SDKs (spec/aws-wire.md §6).
struct RetryOptions {
  // Total attempts including the first; unset: 3, or 10 for DynamoDB (and AWS_MAX_ATTEMPTS /
  // the profile's max_attempts when set).
  std::optional<int> max_attempts;
  std::chrono::milliseconds base_delay{50};              // transient errors
  std::chrono::milliseconds throttling_base_delay{1000}; // throttling errors
  std::chrono::milliseconds max_backoff{20000};
  int retry_quota = 500;            // token bucket capacity
  int retry_cost = 5;               // tokens per retry of a transient error
  int timeout_retry_cost = 10;      // tokens per retry of a timeout
  bool use_quota = true;
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
