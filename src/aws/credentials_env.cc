// The environment source of the default chain (spec/aws-wire.md §7.2).

#include <utility>

#include "aws/credentials_providers.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::aws::internal {
namespace {

constexpr const char* kSourceName = "environment";

Credentials read_environment() {
  auto key_id = env_var("AWS_ACCESS_KEY_ID");
  auto secret = env_var("AWS_SECRET_ACCESS_KEY");
  if (!key_id && !secret) {
    throw ConfigError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are no longer set");
  }
  if (!key_id) throw ConfigError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
  if (!secret) throw ConfigError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  auto token = env_var("AWS_SESSION_TOKEN");
  if (!token) token = env_var("AWS_SECURITY_TOKEN");
  std::optional<std::chrono::system_clock::time_point> expiration;
  if (auto text = env_var("AWS_CREDENTIAL_EXPIRATION")) {
    expiration = parse_iso8601(*text);
    if (!expiration) throw ConfigError("AWS_CREDENTIAL_EXPIRATION is not an ISO-8601 date-time");
  }
  Credentials credentials(std::move(*key_id), SecretBytes::copy_of(as_bytes(*secret)),
                          std::move(token), expiration);
  wipe(*secret);
  return credentials.with_source(kSourceName);
}

}  // namespace

SourceResult environment_source(const Clock& clock) {
  if (!env_var("AWS_ACCESS_KEY_ID") && !env_var("AWS_SECRET_ACCESS_KEY")) {
    return {nullptr, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"};
  }
  Credentials first = read_environment();
  if (!first.expiration()) return {make_static_credentials_provider(std::move(first)), {}};
  // Temporary credentials in the environment: whoever set them may replace them before they
  // expire, so read the environment again then.
  RefreshOptions refresh;
  refresh.clock = clock;
  auto provider =
      std::make_shared<RefreshingCredentialsProvider>(kSourceName, read_environment, refresh);
  (void)provider->credentials();
  return {std::move(provider), {}};
}

}  // namespace ddbcrypt::aws::internal
