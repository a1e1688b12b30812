// The credential sources of the default chain (spec/aws-wire.md §7) and the cache that
// refreshes temporary credentials before they expire (§7.9).
//
// Every source comes in two forms:
//   * a `make_*_provider(Config)` factory for a source whose settings are already known
//     (used directly by tests and by code that wants exactly that source), and
//   * a `*_source(...)` function the chain calls: it reads the environment and profile,
//     answers "not configured here, because ..." (SourceResult::skipped_because) or returns a
//     provider that has already produced credentials once, and throws ConfigError when the
//     source is configured but broken (a key without its secret, a failing
//     credential_process, an STS error, ...), so the chain never silently falls through to a
//     different identity.
//
// Messages never contain secret keys, session tokens or web-identity tokens.
//
// Thread-safety: every provider may be shared between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/shared_config.h"
#include "ddbcrypt/aws/credentials.h"
#include "ddbcrypt/aws/http.h"

namespace ddbcrypt::aws::internal {

using Clock = std::function<std::chrono::system_clock::time_point()>;
[[nodiscard]] Clock system_clock();

// ISO-8601 / RFC 3339 date-times as AWS writes them: "2026-11-22T12:00:00Z", with optional
// fractional seconds and a "Z" or "+hh:mm"/"-hh:mm" offset. nullopt for anything else.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_iso8601(
    std::string_view text);

// The fields of the credential JSON documents that credential_process, container endpoints
// and instance metadata return.
struct CredentialsDocument {
  std::optional<std::int64_t> version;  // "Version" (credential_process)
  std::optional<std::string> code;      // "Code" (instance metadata)
  std::optional<Credentials> credentials;  // null when AccessKeyId or the secret is missing
  std::string missing;  // the first missing required member, when credentials is null
};
// Parses `json`; `token_member` is "SessionToken" or "Token". ConfigError naming `origin`
// when the text is not a JSON object or a member has the wrong type, never quoting the text.
[[nodiscard]] CredentialsDocument parse_credentials_document(std::string_view json,
                                                             std::string_view token_member,
                                                             std::string_view origin);

// Overwrites a buffer that held secrets before it is freed.
void wipe(std::string& text) noexcept;

// ---- refreshing cache ------------------------------------------------------------------

struct RefreshOptions {
  // botocore's two stages: within `advisory_window` of expiry one caller refreshes while
  // the others keep the still-valid credentials, and a failed refresh keeps them too;
  // within `mandatory_window` callers wait for the refresh and its failure is an error.
  std::chrono::seconds advisory_window{15 * 60};
  std::chrono::seconds mandatory_window{10 * 60};
  // After a failed advisory refresh, the next attempt waits this long.
  std::chrono::seconds advisory_retry_delay{30};
  // IMDS static stability (§7.9): when a refresh fails, or returns credentials that have
  // already expired, keep serving the last good credentials, even past their expiry, and
  // try again after static_stability_delay plus up to the same again of random jitter.
  bool static_stability = false;
  std::chrono::seconds static_stability_delay{5 * 60};
  Clock clock = system_clock();
};

// Caches what `fetch` returns and calls it again, one caller at a time, as the credentials
// near their expiry. Credentials without an expiry are fetched once and kept.
class RefreshingCredentialsProvider final : public CredentialsProvider {
 public:
  // `fetch` returns fresh credentials or throws (ConfigError, with the source named).
  using Fetch = std::function<Credentials()>;
  RefreshingCredentialsProvider(std::string name, Fetch fetch, RefreshOptions options = {});
  ~RefreshingCredentialsProvider() override;
  RefreshingCredentialsProvider(const RefreshingCredentialsProvider&) = delete;
  RefreshingCredentialsProvider& operator=(const RefreshingCredentialsProvider&) = delete;

  [[nodiscard]] Credentials credentials() const override;
  void invalidate() const override;

 private:
  struct State;
  std::string name_;
  Fetch fetch_;
  RefreshOptions options_;
  std::unique_ptr<State> state_;
};

// ---- chain plumbing --------------------------------------------------------------------

struct SourceResult {
  std::shared_ptr<CredentialsProvider> provider;  // null when not configured
  std::string skipped_because;                    // why, when provider is null
};

// Settings the HTTP-based sources share.
struct HttpSourceOptions {
  std::shared_ptr<HttpTransport> transport;  // required
  bool verify_tls = true;
  Clock clock = system_clock();
};

// ---- environment (§7.2) ----------------------------------------------------------------

// AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN or AWS_SECURITY_TOKEN]
// [+ AWS_CREDENTIAL_EXPIRATION]. With an expiration, the environment is read again when it
// nears. ConfigError when only one of the pair is set or the expiration is not ISO-8601.
[[nodiscard]] SourceResult environment_source(const Clock& clock = system_clock());

// ---- shared files: static keys and credential_process (§7.3, §7.4) ---------------------

struct ProcessConfig {
  std::string command;  // the credential_process line, split shell-style (no shell)
  std::string profile;  // for messages
  RefreshOptions refresh;
};
// Runs `command` (argv split like POSIX sh words: blanks separate, '...' and "..." quote,
// backslash escapes; no pipes, redirections or variables: wrap those in `sh -c '...'`).
// Stdout must be the JSON of §7.4 with "Version": 1; stderr passes through. Runs it again as
// the expiration nears. ConfigError on a spawn failure, non-zero exit, bad JSON or missing
// field; the message names the program and profile, never the output.
[[nodiscard]] std::shared_ptr<CredentialsProvider> make_process_provider(ProcessConfig config);

// Splits a credential_process line into argv. ConfigError on an unterminated quote or an
// empty line.
[[nodiscard]] std::vector<std::string> split_command_line(std::string_view line);

// The selected profile's aws_access_key_id/aws_secret_access_key[/aws_session_token], else
// its credential_process. Skips when the profile has neither. ConfigError for half a key
// pair, and for profiles that use role assumption (role_arn with source_profile or
// credential_source) or SSO, which ddbcrypt does not support, rather than letting a later
// source supply a different identity.
[[nodiscard]] SourceResult profile_source(const SharedConfig& files, const ProfileChoice& choice,
                                          const RefreshOptions& refresh = {});

// ---- web identity (§7.5) ---------------------------------------------------------------

struct WebIdentityConfig {
  std::string token_file;  // read again on every refresh
  std::string role_arn;
  std::string session_name;       // empty: "ddbcrypt-<epoch ms>"
  std::optional<int> duration_seconds;  // 900..43200
  std::string sts_endpoint;       // "scheme://host[:port]", the request goes to "<it>/"
  HttpSourceOptions http;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  int max_attempts = 3;  // IDPCommunicationError, throttling, 5xx and transport errors
  std::chrono::milliseconds retry_base_delay{100};
  RefreshOptions refresh;
};
// STS AssumeRoleWithWebIdentity, unsigned Query protocol. ConfigError (naming the role ARN,
// STS's error code and message) when STS refuses or cannot be reached.
[[nodiscard]] std::shared_ptr<CredentialsProvider> make_web_identity_provider(
    WebIdentityConfig config);

// AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN / AWS_ROLE_SESSION_NAME, each falling back to the
// profile's web_identity_token_file / role_arn / role_session_name. The STS endpoint comes
// from resolve_endpoint rules for "STS" without ClientConfig::endpoint_override (so
// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, profile services/endpoint_url), in `region`, or the
// global endpoint when no region is known. Skips without a token file; ConfigError for a
// token file without a role ARN.
[[nodiscard]] SourceResult web_identity_source(const SharedConfig& files,
                                               const ProfileChoice& choice,
                                               const ProfileSection& profile,
                                               const std::optional<std::string>& region,
                                               const HttpSourceOptions& http,
                                               const RefreshOptions& refresh = {});

// ---- container (§7.7) ------------------------------------------------------------------

inline constexpr std::string_view kContainerRelativeHost = "http://169.254.170.2";

struct ContainerConfig {
  std::string url;  // full URL to GET
  // Sent as the Authorization header: the file's content (read on every call) when set,
  // otherwise `authorization_token` when set.
  std::optional<std::string> authorization_token_file;
  std::optional<std::string> authorization_token;
  HttpSourceOptions http;
  std::chrono::milliseconds timeout{std::chrono::seconds(2)};
  int max_attempts = 3;
  RefreshOptions refresh;
};
[[nodiscard]] std::shared_ptr<CredentialsProvider> make_container_provider(ContainerConfig config);

// Whether `url` may serve container credentials: any https URL; http only to loopback
// (127.0.0.0/8, ::1, localhost) or 169.254.170.2, 169.254.170.23, fd00:ec2::23.
[[nodiscard]] bool is_allowed_container_url(std::string_view url);

// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (against `relative_base`, which only tests change)
// or else AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or
// AWS_CONTAINER_AUTHORIZATION_TOKEN. Skips when neither URI is set; ConfigError for a
// refused FULL_URI host or a token with CR/LF.
[[nodiscard]] SourceResult container_source(const HttpSourceOptions& http,
                                            const RefreshOptions& refresh = {},
                                            std::string_view relative_base =
                                                kContainerRelativeHost);

// ---- EC2 instance metadata (§7.8) ------------------------------------------------------

struct ImdsConfig {
  std::string endpoint = "http://169.254.169.254";
  bool v1_disabled = false;  // no fallback to token-less GETs
  std::chrono::seconds token_ttl{21600};
  std::chrono::milliseconds timeout{std::chrono::seconds(1)};
  int max_attempts = 1;
  HttpSourceOptions http;
  RefreshOptions refresh;  // static_stability is forced on
};
// Token from PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds), reused until shortly
// before its TTL; on 403/404/405 or a timeout of the PUT it falls back to token-less GETs
// unless v1_disabled; 400 gives up. Then GET .../iam/security-credentials/ for the role and
// GET .../<role> for the credentials, fetching a new token once on 401. Keeps the last good
// credentials when a refresh fails (static stability).

[[nodiscard]] std::shared_ptr<CredentialsProvider> make_imds_provider(ImdsConfig config);

// Skips when AWS_EC2_METADATA_DISABLED=true, or when the first fetch fails in any way (no
// instance metadata service, no role attached, an unexpected answer): off EC2 that is the
// normal case, and the reason appears in the chain's message. Settings: AWS_EC2_METADATA_SERVICE_ENDPOINT or profile
// ec2_metadata_service_endpoint; AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE or profile
// ec2_metadata_service_endpoint_mode (IPv4|IPv6); AWS_EC2_METADATA_V1_DISABLED or profile
// ec2_metadata_v1_disabled; AWS_METADATA_SERVICE_TIMEOUT / _NUM_ATTEMPTS or profile
// metadata_service_timeout / metadata_service_num_attempts.
[[nodiscard]] SourceResult imds_source(const ProfileSection& profile,
                                       const HttpSourceOptions& http,
                                       const RefreshOptions& refresh = {});

// ---- the chain (§7.1) ------------------------------------------------------------------

struct ChainOptions {
  std::optional<std::string> profile;  // ClientConfig::profile
  std::optional<std::string> region;   // ClientConfig::region, for STS
  HttpSourceOptions http;              // transport required for the HTTP sources
  RefreshOptions refresh;
  std::string container_relative_base = std::string(kContainerRelativeHost);
};

// environment > shared files (static keys, credential_process) > web identity > container >
// EC2 instance metadata. Resolves on first use (and again after a failed resolution), then
// keeps the winning provider, which refreshes itself. When no source has credentials:
// ConfigError "no AWS credentials found; tried: environment (...); profile 'x' (...); ...".
[[nodiscard]] std::shared_ptr<CredentialsProvider> make_chain_provider(ChainOptions options);

}  // namespace ddbcrypt::aws::internal
