// AWS credentials and where they come from.
//
// `Credentials` is a value: access key id, secret key (zeroized), optional session token and
// optional expiry. A `CredentialsProvider` returns current credentials, refreshing them before
// they expire. `make_default_credentials_provider()` is the standard chain of the AWS SDKs
// (spec/aws-wire.md §7):
//
//   1. environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
//   2. shared files: AWS_SHARED_CREDENTIALS_FILE / ~/.aws/credentials and AWS_CONFIG_FILE /
//      ~/.aws/config, profile AWS_PROFILE or "default" (the credentials file wins key by
//      key), static keys or else credential_process
//   3. web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or the profile's
//      web_identity_token_file + role_arn) through STS AssumeRoleWithWebIdentity
//   4. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI)
//   5. EC2 instance metadata (IMDSv2, falling back to v1), unless AWS_EC2_METADATA_DISABLED
//
// The chain resolves on its first credentials() call and then keeps the winning source.
// Temporary credentials are refreshed from 15 minutes before their expiry by one caller
// while the others keep using them; from 10 minutes before, callers wait for the refresh.
// A source that is configured but fails (half a key pair, a failing credential_process, an
// STS refusal) is an error rather than a reason to try the next source. When no source has
// credentials the chain throws ConfigError listing every source it tried and why each was
// skipped. Explicit credentials in code: `make_static_credentials_provider`.
//
// Role assumption with source_profile / credential_source and SSO profiles are not supported:
// such a profile is a ConfigError.
//
// Thread-safety: providers are shared between threads; `credentials()` may be called
// concurrently and refreshes at most once at a time.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "ddbcrypt/crypto/secret_bytes.h"

namespace ddbcrypt::aws {

class Credentials {
 public:
  Credentials(std::string access_key_id, SecretBytes secret_access_key,
              std::optional<std::string> session_token = std::nullopt,
              std::optional<std::chrono::system_clock::time_point> expiration = std::nullopt)
      : access_key_id_(std::move(access_key_id)),
        secret_access_key_(std::make_shared<const SecretBytes>(std::move(secret_access_key))),
        session_token_(std::move(session_token)),
        expiration_(expiration) {}

  const std::string& access_key_id() const noexcept { return access_key_id_; }
  // The only way to read the secret; grep for it in review.
  const SecretBytes& secret_access_key() const noexcept { return *secret_access_key_; }
  const std::optional<std::string>& session_token() const noexcept { return session_token_; }
  const std::optional<std::chrono::system_clock::time_point>& expiration() const noexcept {
    return expiration_;
  }
  // Where the credentials came from ("environment", "profile default", ...), for messages.
  const std::string& source() const noexcept { return source_; }
  Credentials with_source(std::string source) const {
    Credentials c = *this;
    c.source_ = std::move(source);
    return c;
  }

 private:
  std::string access_key_id_;
  std::shared_ptr<const SecretBytes> secret_access_key_;  // shared, immutable, wiped when freed
  std::optional<std::string> session_token_;
  std::optional<std::chrono::system_clock::time_point> expiration_;
  std::string source_;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials; throws ConfigError when none can be found or refreshed.
  [[nodiscard]] virtual Credentials credentials() const = 0;
  // Marks cached temporary credentials as stale, so the next credentials() fetches new ones.
  // A client calls it once when a service rejects a request with ExpiredTokenException
  // (spec/aws-wire.md §7.9), then retries. Providers without a cache ignore it.
  virtual void invalidate() const {}
};

// Always returns `credentials`. ConfigError when the access key id or the secret is empty.
[[nodiscard]] std::shared_ptr<CredentialsProvider> make_static_credentials_provider(
    Credentials credentials);
// The default chain with default settings: profile from AWS_PROFILE, the process-wide HTTP
// transport. See also make_default_credentials_provider(const ClientConfig&) in
// client_config.h. Looks for credentials on the first credentials() call, not here.
[[nodiscard]] std::shared_ptr<CredentialsProvider> make_default_credentials_provider();

}  // namespace ddbcrypt::aws
