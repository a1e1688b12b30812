// Region, endpoint and credentials resolution for the AWS clients (spec/aws-wire.md §7, §8).
//
// This is what a service client (DynamoDB, DynamoDB Streams, KMS) calls once, when it is
// built, to turn a ClientConfig into the three facts it needs to send signed requests:
//
//   const ResolvedService target = resolve_service(config, kKmsService);
//   // POST target.endpoint + "/" ; sign with target.region and signing name "kms" using
//   // target.credentials->credentials() for every attempt (they refresh themselves).
//
// or the same in three calls: resolve_region(config), resolve_endpoint(config, service,
// region), resolve_credentials_provider(config).
//
// Each call reads the environment and the shared config files (§7.3) at the time of the call,
// so tests can change them between clients. Nothing here touches the network except the
// credential providers when they are first asked for credentials.
//
// Thread-safety: free functions without shared state; the returned provider is thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/shared_config.h"
#include "ddbcrypt/aws/client_config.h"
#include "ddbcrypt/aws/credentials.h"

namespace ddbcrypt::aws::internal {

// Service ids as the AWS SDKs spell them. They choose AWS_ENDPOINT_URL_<ID> (upper case,
// blanks as `_`), the key in a `[services NAME]` section (lower case, blanks as `_`) and the
// default host. Lookups ignore case and accept `_` for the blank.
inline constexpr std::string_view kDynamoDbService = "DynamoDB";
inline constexpr std::string_view kDynamoDbStreamsService = "DynamoDB Streams";
inline constexpr std::string_view kKmsService = "KMS";
inline constexpr std::string_view kStsService = "STS";

// ---- region ----------------------------------------------------------------------------

// config.region > AWS_REGION > AWS_DEFAULT_REGION > the selected profile's `region`; nullopt
// when none is set. Throws ConfigError only for an unreadable shared file or an explicitly
// requested profile that does not exist (consulted only when the earlier sources are unset).
[[nodiscard]] std::optional<std::string> find_region(const ClientConfig& config);
[[nodiscard]] std::optional<std::string> find_region(const std::optional<std::string>& explicit_region,
                                                     const ProfileSection& profile);

// As find_region, but a missing region is a ConfigError that says how to set one. Any
// non-empty string is accepted: local stand-ins ignore it.
[[nodiscard]] std::string resolve_region(const ClientConfig& config);

// ---- endpoint --------------------------------------------------------------------------

struct EndpointVariant {
  bool fips = false;        // AWS_USE_FIPS_ENDPOINT / profile use_fips_endpoint
  bool dual_stack = false;  // AWS_USE_DUALSTACK_ENDPOINT / profile use_dualstack_endpoint
};

// The AWS endpoint for `service_id` in `region`, e.g. https://kms.eu-west-1.amazonaws.com,
// https://streams.dynamodb.cn-north-1.amazonaws.com.cn, https://dynamodb-fips.us-east-1.api.aws.
// The DNS suffix follows the region's partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b,
// aws-iso-e, aws-iso-f, aws-eusc). DynamoDB's special region "local" maps to
// http://localhost:8000. STS without a region is the global https://sts.amazonaws.com.
// Throws ConfigError for an unknown service, a missing region or a region that is not a
// valid host label.
[[nodiscard]] std::string default_endpoint(std::string_view service_id, std::string_view region,
                                           EndpointVariant variant = {});

// The endpoint URL to send requests to, the first of (§8):
//   1. config.endpoint_override;
//   2. AWS_ENDPOINT_URL_<SERVICE>  (AWS_ENDPOINT_URL_DYNAMODB, _KMS, _STS, _DYNAMODB_STREAMS);
//   3. AWS_ENDPOINT_URL;
//   4. the profile's `services = NAME` -> `[services NAME]` -> `<service> =` / `endpoint_url =`;
//   5. the profile's `endpoint_url`;
//   6. default_endpoint(service_id, region, FIPS / dual-stack settings from env or profile).
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true or the profile's ignore_configured_endpoint_urls
// skips 2-5. The result is "scheme://host[:port][/path]" without a trailing '/'; requests
// append their path ("/" for the JSON and Query protocols). Sign with `region` and the
// service's signing name whatever the endpoint's host is.
// Throws ConfigError for a URL that is not http(s)://host..., for a profile naming a
// [services] section that does not exist, and as default_endpoint.
[[nodiscard]] std::string resolve_endpoint(const ClientConfig& config, std::string_view service_id,
                                           std::string_view region);
[[nodiscard]] std::string resolve_endpoint(const ClientConfig& config, const SharedConfig& files,
                                           std::string_view service_id, std::string_view region);

// Checks that `url` is an absolute http or https URL with a host and returns it without
// trailing '/'. `origin` (e.g. "AWS_ENDPOINT_URL_KMS") names the setting in the ConfigError.
[[nodiscard]] std::string normalize_endpoint_url(std::string_view url, std::string_view origin);

// ---- retries ---------------------------------------------------------------------------

// config.retry.max_attempts > AWS_MAX_ATTEMPTS > the profile's max_attempts; nullopt when
// none is set (the caller then uses its service default: 3, or 4 for DynamoDB). Throws
// ConfigError for a value that is not a positive integer.
[[nodiscard]] std::optional<int> resolve_max_attempts(const ClientConfig& config);

// ---- credentials -----------------------------------------------------------------------

// config.credentials_provider when set, otherwise make_default_credentials_provider(config):
// the standard chain, which looks for credentials on its first use, not here.
[[nodiscard]] std::shared_ptr<CredentialsProvider> resolve_credentials_provider(
    const ClientConfig& config);

// ---- all at once -----------------------------------------------------------------------

struct ResolvedService {
  std::string region;    // signing region
  std::string endpoint;  // as resolve_endpoint
  std::shared_ptr<CredentialsProvider> credentials;  // never null
};

// resolve_region, resolve_endpoint and resolve_credentials_provider, reading the shared files
// once. Throws ConfigError as they do.
[[nodiscard]] ResolvedService resolve_service(const ClientConfig& config,
                                              std::string_view service_id);

}  // namespace ddbcrypt::aws::internal
