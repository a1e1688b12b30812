// EC2 instance metadata credentials, IMDSv2 with v1 fallback (spec/aws-wire.md §7.8).

#include <charconv>
#include <mutex>
#include <utility>

#include "aws/credentials_providers.h"
#include "aws/region_endpoint.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::aws::internal {
namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kRolePath = "/latest/meta-data/iam/security-credentials/";
// A token is replaced this long before IMDS would stop accepting it.
constexpr std::chrono::seconds kTokenMargin{60};

class ImdsFetcher {
 public:
  explicit ImdsFetcher(ImdsConfig config) : config_(std::move(config)) {
    options_.connect_timeout = config_.timeout;
    options_.request_timeout = config_.timeout;
    options_.verify_tls = config_.http.verify_tls;
  }

  Credentials fetch() const {
    std::optional<std::string> token = current_token(false);
    HttpResponse roles = get(std::string(kRolePath), token);
    if (roles.status == 404) {
      throw ConfigError("instance metadata at " + config_.endpoint + " has no IAM role attached");
    }
    if (roles.status != 200) {
      throw ConfigError("instance metadata at " + config_.endpoint + " answered HTTP " +
                        std::to_string(roles.status) + " for the role list");
    }
    std::string_view list = roles.body;
    std::string role(list.substr(0, list.find_first_of("\r\n")));
    while (!role.empty() && (role.back() == ' ' || role.back() == '\t')) role.pop_back();
    if (role.empty()) {
      throw ConfigError("instance metadata at " + config_.endpoint + " has no IAM role attached");
    }
    HttpResponse response = get(std::string(kRolePath) + role, token);
    if (response.status != 200) {
      wipe(response.body);
      throw ConfigError("instance metadata at " + config_.endpoint + " answered HTTP " +
                        std::to_string(response.status) + " for the credentials of role " + role);
    }
    const std::string what = "instance metadata credentials of role " + role;
    CredentialsDocument doc;
    try {
      doc = parse_credentials_document(response.body, "Token", what);
    } catch (...) {
      wipe(response.body);
      throw;
    }
    wipe(response.body);
    // moto leaves Code out; real IMDS sends "Success".
    if (doc.code && *doc.code != "Success") {
      throw ConfigError(what + ": status " + *doc.code);
    }
    if (!doc.credentials) throw ConfigError(what + ": the response has no " + doc.missing);
    return doc.credentials->with_source("EC2 instance metadata");
  }

 private:
  // Sends with the configured attempts; TransportError after the last failed attempt.
  HttpResponse send(const HttpRequest& request) const {
    for (int attempt = 1;; ++attempt) {
      try {
        HttpResponse response = config_.http.transport->send(request, options_);
        if (response.status >= 500 && attempt < config_.max_attempts) continue;
        return response;
      } catch (const TransportError&) {
        if (attempt >= config_.max_attempts) throw;
      }
    }
  }

  // The session token, or nullopt to send token-less (IMDSv1) requests.
  std::optional<std::string> current_token(bool renew) const {
    std::lock_guard lock(mutex_);
    const auto now = config_.http.clock();
    if (!renew && token_ && now < token_expiry_) return token_;
    if (!renew && v1_fallback_ && now < token_expiry_) return std::nullopt;
    token_.reset();
    v1_fallback_ = false;

    HttpRequest request;
    request.method = "PUT";
    request.url = config_.endpoint + std::string(kTokenPath);
    request.headers = {{"X-aws-ec2-metadata-token-ttl-seconds",
                        std::to_string(config_.token_ttl.count())}};
    HttpResponse response;
    try {
      response = send(request);
    } catch (const TransportError& e) {
      // Inside a container the PUT's reply can be dropped (hop limit 1) while GETs work.
      if (e.kind() == TransportErrorKind::kTimeout) return fall_back_to_v1(now, "timed out");
      throw ConfigError("instance metadata is not reachable at " + config_.endpoint + ": " +
                        e.what());
    }
    if (response.status == 200 && !response.body.empty()) {
      token_ = response.body;
      token_expiry_ = now + config_.token_ttl - kTokenMargin;
      return token_;
    }
    if (response.status == 400) {
      throw ConfigError("instance metadata at " + config_.endpoint +
                        " refused the token request (HTTP 400)");
    }
    return fall_back_to_v1(now, "answered HTTP " + std::to_string(response.status));
  }

  // REQUIRES: mutex_ held.
  std::optional<std::string> fall_back_to_v1(std::chrono::system_clock::time_point now,
                                             const std::string& why) const {
    if (config_.v1_disabled) {
      throw ConfigError("instance metadata at " + config_.endpoint + ": the token request " + why +
                        " and IMDSv1 is disabled");
    }
    v1_fallback_ = true;
    // Ask for a token again later: the failure may have been momentary.
    token_expiry_ = now + std::chrono::minutes(5);
    return std::nullopt;
  }

  HttpResponse get(const std::string& path, std::optional<std::string>& token) const {
    for (int round = 0;; ++round) {
      HttpRequest request;
      request.method = "GET";
      request.url = config_.endpoint + path;
      if (token) request.headers.emplace_back("X-aws-ec2-metadata-token", *token);
      HttpResponse response;
      try {
        response = send(request);
      } catch (const TransportError& e) {
        throw ConfigError("instance metadata is not reachable at " + config_.endpoint + ": " +
                          e.what());
      }
      // 401: the token expired early (or the instance rebooted); one new token, one retry.
      if (response.status == 401 && round == 0) {
        token = current_token(true);
        continue;
      }
      return response;
    }
  }

  const ImdsConfig config_;
  HttpOptions options_;
  mutable std::mutex mutex_;
  mutable std::optional<std::string> token_;                  // guarded by mutex_
  mutable bool v1_fallback_ = false;                          // guarded by mutex_
  mutable std::chrono::system_clock::time_point token_expiry_{};  // guarded by mutex_
};

std::optional<std::string> imds_setting(const char* env_name, const ProfileSection& profile,
                                        std::string_view key) {
  if (auto v = env_var(env_name)) return v;
  return profile.non_empty(key);
}

int positive_int(const std::string& text, std::string_view origin) {
  int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 1) {
    throw ConfigError(std::string(origin) + " must be a positive integer");
  }
  return value;
}

}  // namespace

std::shared_ptr<CredentialsProvider> make_imds_provider(ImdsConfig config) {
  if (!config.http.transport) throw ConfigError("instance metadata needs an HTTP transport");
  if (config.token_ttl < std::chrono::seconds(1) || config.token_ttl > std::chrono::seconds(21600)) {
    throw ConfigError("the instance metadata token TTL must be 1 to 21600 seconds");
  }
  if (config.max_attempts < 1) config.max_attempts = 1;
  if (!config.http.clock) config.http.clock = system_clock();
  config.endpoint = normalize_endpoint_url(config.endpoint, "the instance metadata endpoint");
  RefreshOptions refresh = config.refresh;
  refresh.static_stability = true;
  auto fetcher = std::make_shared<const ImdsFetcher>(std::move(config));
  return std::make_shared<RefreshingCredentialsProvider>(
      "EC2 instance metadata", [fetcher] { return fetcher->fetch(); }, refresh);
}

SourceResult imds_source(const ProfileSection& profile, const HttpSourceOptions& http,
                         const RefreshOptions& refresh) {
  if (env_flag("AWS_EC2_METADATA_DISABLED").value_or(false)) {
    return {nullptr, "disabled by AWS_EC2_METADATA_DISABLED"};
  }
  ImdsConfig config;
  if (auto endpoint = imds_setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", profile,
                                   "ec2_metadata_service_endpoint")) {
    config.endpoint = *endpoint;
  } else if (auto mode = imds_setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", profile,
                                      "ec2_metadata_service_endpoint_mode")) {
    std::string lower = *mode;
    for (char& c : lower) c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    if (lower == "ipv6") {
      config.endpoint = "http://[fd00:ec2::254]";
    } else if (lower != "ipv4") {
      throw ConfigError("the instance metadata endpoint mode must be IPv4 or IPv6");
    }
  }
  if (auto v1 = imds_setting("AWS_EC2_METADATA_V1_DISABLED", profile, "ec2_metadata_v1_disabled")) {
    config.v1_disabled = parse_bool_setting(*v1, "ec2_metadata_v1_disabled");
  }
  if (auto timeout =
          imds_setting("AWS_METADATA_SERVICE_TIMEOUT", profile, "metadata_service_timeout")) {
    config.timeout = std::chrono::seconds(positive_int(*timeout, "metadata service timeout"));
  }
  if (auto attempts = imds_setting("AWS_METADATA_SERVICE_NUM_ATTEMPTS", profile,
                                   "metadata_service_num_attempts")) {
    config.max_attempts = positive_int(*attempts, "metadata service attempts");
  }
  config.http = http;
  config.refresh = refresh;
  const std::string endpoint = config.endpoint;
  auto provider = make_imds_provider(std::move(config));
  try {
    (void)provider->credentials();
  } catch (const ConfigError& e) {
    // Off EC2 this is the normal outcome; the reason goes into the chain's summary.
    return {nullptr, e.what()};
  }
  return {std::move(provider), {}};
}

}  // namespace ddbcrypt::aws::internal
