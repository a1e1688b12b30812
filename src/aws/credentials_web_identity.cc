// Web identity credentials through STS AssumeRoleWithWebIdentity (spec/aws-wire.md §7.5).

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "aws/credentials_providers.h"
#include "aws/region_endpoint.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::aws::internal {
namespace {

// STS messages are short; a longer one is cut so a misbehaving endpoint cannot flood logs.
constexpr std::size_t kMaxMessage = 300;

std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

// The content of the first <tag>...</tag> (or <tag attr="...">...</tag>) element, not
// unescaped; "" for <tag/>. Enough for STS's fixed, unnested response members.
std::optional<std::string_view> xml_element(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  std::size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    const std::size_t after = pos + open.size();
    if (after >= xml.size()) return std::nullopt;
    const char next = xml[after];
    if (next != '>' && next != '/' && next != ' ' && next != '\t' && next != '\r' &&
        next != '\n') {
      pos = after;
      continue;
    }
    const std::size_t open_end = xml.find('>', after);
    if (open_end == std::string_view::npos) return std::nullopt;
    if (xml[open_end - 1] == '/') return std::string_view{};
    const std::size_t end = xml.find(close, open_end + 1);
    if (end == std::string_view::npos) return std::nullopt;
    return xml.substr(open_end + 1, end - open_end - 1);
  }
  return std::nullopt;
}

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const auto semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out += text[i];
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string digits(entity.substr(hex ? 2 : 1));
      char* end = nullptr;
      const unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (digits.empty() || end != digits.c_str() + digits.size() || cp > 0x10FFFF) {
        out += text[i];
        continue;
      }
      append_utf8(out, cp);
    } else {
      out += text[i];
      continue;
    }
    i = semi;
  }
  return out;
}

std::optional<std::string> xml_text(std::string_view xml, std::string_view tag) {
  const auto element = xml_element(xml, tag);
  if (!element) return std::nullopt;
  return xml_unescape(*element);
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read the web identity token file " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string token = buffer.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.empty()) throw ConfigError("the web identity token file " + path + " is empty");
  return token;
}

bool is_valid_session_name(std::string_view name) {
  if (name.size() < 2 || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string shorten(std::string text) {
  if (text.size() > kMaxMessage) {
    text.resize(kMaxMessage);
    text += "...";
  }
  return text;
}

class WebIdentityFetcher {
 public:
  explicit WebIdentityFetcher(WebIdentityConfig config) : config_(std::move(config)) {}

  Credentials fetch() const {
    const std::string what = "STS AssumeRoleWithWebIdentity for role " + config_.role_arn;
    std::string token = read_token_file(config_.token_file);
    const std::string session_name =
        config_.session_name.empty()
            ? "ddbcrypt-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               config_.http.clock().time_since_epoch())
                                               .count())
            : config_.session_name;

    HttpRequest request;
    request.method = "POST";
    request.url = config_.sts_endpoint + "/";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                       {"Accept", "text/xml"}};
    request.body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" +
                   form_encode(config_.role_arn) + "&RoleSessionName=" +
                   form_encode(session_name) + "&WebIdentityToken=" + form_encode(token);
    wipe(token);
    if (config_.duration_seconds) {
      request.body += "&DurationSeconds=" + std::to_string(*config_.duration_seconds);
    }
    HttpOptions options;
    options.connect_timeout = config_.timeout;
    options.request_timeout = config_.timeout;
    options.verify_tls = config_.http.verify_tls;

    std::string last_problem;
    for (int attempt = 1; attempt <= config_.max_attempts; ++attempt) {
      if (attempt > 1) std::this_thread::sleep_for(config_.retry_base_delay * (1 << (attempt - 2)));
      HttpResponse response;
      try {
        response = config_.http.transport->send(request, options);
      } catch (const TransportError& e) {
        last_problem = std::string("no response: ") + e.what();
        continue;
      }
      if (response.status == 200) {
        wipe(request.body);
        Credentials credentials = parse_success(response.body, what);
        wipe(response.body);
        return credentials;
      }
      const auto error = xml_element(response.body, "Error").value_or(response.body);
      const std::string code = xml_text(error, "Code").value_or("");
      const std::string message = xml_text(error, "Message").value_or("");
      last_problem = (code.empty() ? std::string("error") : code) +
                     (message.empty() ? "" : ": " + shorten(message)) + " (HTTP " +
                     std::to_string(response.status) + ")";
      const bool retryable = response.status >= 500 || response.status == 429 ||
                             code == "IDPCommunicationError" || code == "Throttling" ||
                             code == "ThrottlingException";
      if (!retryable) break;
    }
    wipe(request.body);
    throw ConfigError(what + " failed: " + last_problem);
  }

 private:
  Credentials parse_success(std::string_view body, const std::string& what) const {
    const auto block = xml_element(body, "Credentials");
    if (!block) throw ConfigError(what + ": the response has no Credentials element");
    auto key_id = xml_text(*block, "AccessKeyId");
    auto secret = xml_text(*block, "SecretAccessKey");
    auto token = xml_text(*block, "SessionToken");
    const auto expiration_text = xml_text(*block, "Expiration");
    if (!key_id || key_id->empty()) throw ConfigError(what + ": the response has no AccessKeyId");
    if (!secret || secret->empty()) {
      throw ConfigError(what + ": the response has no SecretAccessKey");
    }
    if (!token || token->empty()) throw ConfigError(what + ": the response has no SessionToken");
    if (!expiration_text) throw ConfigError(what + ": the response has no Expiration");
    const auto expiration = parse_iso8601(*expiration_text);
    if (!expiration) throw ConfigError(what + ": Expiration is not an ISO-8601 date-time");
    Credentials credentials(std::move(*key_id), SecretBytes::copy_of(as_bytes(*secret)),
                            std::move(*token), expiration);
    wipe(*secret);
    return credentials.with_source("web identity (role " + config_.role_arn + ")");
  }

  const WebIdentityConfig config_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> make_web_identity_provider(WebIdentityConfig config) {
  if (!config.http.transport) throw ConfigError("web identity credentials need an HTTP transport");
  if (config.role_arn.empty()) throw ConfigError("web identity credentials need a role ARN");
  if (config.token_file.empty()) throw ConfigError("web identity credentials need a token file");
  if (!config.session_name.empty() && !is_valid_session_name(config.session_name)) {
    throw ConfigError("role session name '" + config.session_name +
                      "' must be 2-64 characters of letters, digits and +=,.@_-");
  }
  if (config.duration_seconds && (*config.duration_seconds < 900 || *config.duration_seconds > 43200)) {
    throw ConfigError("web identity duration_seconds must be between 900 and 43200");
  }
  if (config.max_attempts < 1) config.max_attempts = 1;
  if (!config.http.clock) config.http.clock = system_clock();
  config.sts_endpoint = normalize_endpoint_url(config.sts_endpoint, "the STS endpoint");
  RefreshOptions refresh = config.refresh;
  auto fetcher = std::make_shared<const WebIdentityFetcher>(std::move(config));
  return std::make_shared<RefreshingCredentialsProvider>(
      "web identity", [fetcher] { return fetcher->fetch(); }, refresh);
}

SourceResult web_identity_source(const SharedConfig& files, const ProfileChoice& choice,
                                 const ProfileSection& profile,
                                 const std::optional<std::string>& region,
                                 const HttpSourceOptions& http, const RefreshOptions& refresh) {
  auto setting = [&](const char* env_name, std::string_view key) -> std::optional<std::string> {
    if (auto v = env_var(env_name)) return v;
    return profile.non_empty(key);
  };
  const auto token_file = setting("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file");
  if (!token_file) {
    return {nullptr, "AWS_WEB_IDENTITY_TOKEN_FILE is not set and profile '" + choice.name +
                         "' has no web_identity_token_file"};
  }
  const auto role_arn = setting("AWS_ROLE_ARN", "role_arn");
  if (!role_arn) {
    throw ConfigError("a web identity token file is configured but no role ARN: set AWS_ROLE_ARN "
                      "or role_arn in profile '" + choice.name + "'");
  }
  WebIdentityConfig config;
  config.token_file = expand_home(*token_file);
  config.role_arn = *role_arn;
  config.session_name = setting("AWS_ROLE_SESSION_NAME", "role_session_name").value_or("");
  if (auto duration = profile.non_empty("duration_seconds")) {
    try {
      std::size_t used = 0;
      config.duration_seconds = std::stoi(*duration, &used);
      if (used != duration->size()) throw std::invalid_argument("trailing characters");
    } catch (const std::exception&) {
      throw ConfigError("profile '" + choice.name + "' has a duration_seconds that is not a number");
    }
  }
  // STS's endpoint follows the usual rules, except that the client's own endpoint override
  // addresses its service, not STS.
  ClientConfig sts_config;
  if (choice.explicitly_requested) sts_config.profile = choice.name;
  config.sts_endpoint = resolve_endpoint(sts_config, files, kStsService, region.value_or(""));
  config.http = http;
  config.refresh = refresh;
  auto provider = make_web_identity_provider(std::move(config));
  (void)provider->credentials();
  return {std::move(provider), {}};
}

}  // namespace ddbcrypt::aws::internal
