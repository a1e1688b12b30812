// AWS credentials and where they come from.
//
// `Credentials` is a value: access key id, secret key (zeroized), optional session token and
// optional expiry. A `CredentialsProvider` returns current credentials, refreshing them before
// they expire. `make_default_credentials_provider()` is the standard chain of the AWS SDKs
// (spec/aws-wire.md §7):
//
//   1. environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
//   2. shared files: AWS_SHARED_CREDENTIALS_FILE / ~/.aws/credentials and AWS_CONFIG_FILE /
//      ~/.aws/config, profile AWS_PROFILE or "default", including credential_process
//   3. web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN) through STS
//   4. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI)
//   5. EC2 instance metadata (IMDSv2)
//
// When no source has credentials the chain throws ConfigError listing every source it tried
// and why each was skipped. Explicit credentials in code: `make_static_credentials_provider`.
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
};

[[nodiscard]] std::shared_ptr<CredentialsProvider> make_static_credentials_provider(
    Credentials credentials);
[[nodiscard]] std::shared_ptr<CredentialsProvider> make_default_credentials_provider();

}  // namespace ddbcrypt::aws
