// Container credentials: ECS task roles and EKS Pod Identity (spec/aws-wire.md §7.7).

#include <arpa/inet.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "aws/credentials_providers.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::aws::internal {
namespace {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

struct UrlParts {
  std::string scheme;  // lower case
  std::string host;    // lower case, IPv6 without brackets
};

std::optional<UrlParts> split_url(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  UrlParts parts;
  parts.scheme = ascii_lower(url.substr(0, sep));
  std::string_view authority = url.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  // Userinfo ("user@host") could disguise the real host; such URLs are refused outright.
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    parts.host = ascii_lower(authority.substr(1, close - 1));
  } else {
    parts.host = ascii_lower(authority.substr(0, authority.find(':')));
  }
  if (parts.host.empty()) return std::nullopt;
  return parts;
}

bool is_allowed_http_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    const std::uint32_t a = ntohl(v4.s_addr);
    if ((a >> 24) == 127) return true;  // 127.0.0.0/8
    return host == "169.254.170.2" || host == "169.254.170.23";
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0) return true;
    in6_addr pod_identity{};
    inet_pton(AF_INET6, "fd00:ec2::23", &pod_identity);
    return std::memcmp(&v6, &pod_identity, sizeof v6) == 0;
  }
  return false;
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read the container authorization token file " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string token = buffer.str();
  // A trailing newline from an editor or `echo` is not part of the token.
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

void check_header_value(const std::string& token) {
  if (token.find_first_of("\r\n") != std::string::npos) {
    throw ConfigError("the container authorization token contains a line break");
  }
}

class ContainerFetcher {
 public:
  explicit ContainerFetcher(ContainerConfig config) : config_(std::move(config)) {}

  Credentials fetch() const {
    HttpRequest request;
    request.method = "GET";
    request.url = config_.url;
    request.headers = {{"Accept", "application/json"}};
    std::string token;
    if (config_.authorization_token_file) {
      token = read_token_file(*config_.authorization_token_file);
    } else if (config_.authorization_token) {
      token = *config_.authorization_token;
    }
    if (!token.empty()) {
      check_header_value(token);
      request.headers.emplace_back("Authorization", token);
      wipe(token);
    }
    HttpOptions options;
    options.connect_timeout = config_.timeout;
    options.request_timeout = config_.timeout;
    options.verify_tls = config_.http.verify_tls;

    const std::string what = "container credentials endpoint";
    std::string problem;
    for (int attempt = 1; attempt <= config_.max_attempts; ++attempt) {
      HttpResponse response;
      try {
        response = config_.http.transport->send(request, options);
      } catch (const TransportError& e) {
        problem = std::string("no response: ") + e.what();
        continue;
      }
      if (response.status == 200) {
        for (auto& [name, value] : request.headers) wipe(value);
        CredentialsDocument doc;
        try {
          doc = parse_credentials_document(response.body, "Token", what);
        } catch (...) {
          wipe(response.body);
          throw;
        }
        wipe(response.body);
        if (!doc.credentials) throw ConfigError(what + ": the response has no " + doc.missing);
        return doc.credentials->with_source("container");
      }
      problem = "HTTP " + std::to_string(response.status);
      wipe(response.body);
      // 4xx (a wrong token, a wrong path) will not change on retry.
      if (response.status < 500 && response.status != 429) break;
    }
    for (auto& [name, value] : request.headers) wipe(value);
    throw ConfigError(what + " " + config_.url + " failed: " + problem);
  }

 private:
  const ContainerConfig config_;
};

}  // namespace

bool is_allowed_container_url(std::string_view url) {
  const auto parts = split_url(url);
  if (!parts) return false;
  if (parts->scheme == "https") return true;
  if (parts->scheme != "http") return false;
  return is_allowed_http_host(parts->host);
}

std::shared_ptr<CredentialsProvider> make_container_provider(ContainerConfig config) {
  if (!config.http.transport) throw ConfigError("container credentials need an HTTP transport");
  if (config.max_attempts < 1) config.max_attempts = 1;
  if (config.authorization_token) check_header_value(*config.authorization_token);
  RefreshOptions refresh = config.refresh;
  auto fetcher = std::make_shared<const ContainerFetcher>(std::move(config));
  return std::make_shared<RefreshingCredentialsProvider>(
      "container credentials", [fetcher] { return fetcher->fetch(); }, refresh);
}

SourceResult container_source(const HttpSourceOptions& http, const RefreshOptions& refresh,
                              std::string_view relative_base) {
  ContainerConfig config;
  if (auto relative = env_var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    if (relative->front() != '/') relative->insert(0, "/");
    config.url = std::string(relative_base) + *relative;
  } else if (auto full = env_var("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    if (!is_allowed_container_url(*full)) {
      throw ConfigError(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address, "
          "169.254.170.2, 169.254.170.23 or fd00:ec2::23");
    }
    config.url = std::move(*full);
  } else {
    return {nullptr,
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not "
            "set"};
  }
  config.authorization_token_file = env_var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  if (!config.authorization_token_file) {
    config.authorization_token = env_var("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  config.http = http;
  config.refresh = refresh;
  auto provider = make_container_provider(std::move(config));
  (void)provider->credentials();
  return {std::move(provider), {}};
}

}  // namespace ddbcrypt::aws::internal
