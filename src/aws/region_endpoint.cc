#include "aws/region_endpoint.h"

#include <charconv>
#include <limits>
#include <utility>

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

// "DynamoDB Streams", "dynamodb_streams", " dynamodb streams " -> "dynamodb streams".
std::string canonical_service(std::string_view service_id) {
  std::string out;
  for (char c : ascii_lower(service_id)) out += (c == '_') ? ' ' : c;
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  const auto last = out.find_last_not_of(' ');
  return out.substr(first, last - first + 1);
}

std::string env_suffix(const std::string& canonical) {
  std::string out;
  for (char c : canonical) {
    if (c == ' ') out += '_';
    else if (c >= 'a' && c <= 'z') out += static_cast<char>(c - 'a' + 'A');
    else out += c;
  }
  return out;
}

std::string services_key(const std::string& canonical) {
  std::string out = canonical;
  for (char& c : out) {
    if (c == ' ') c = '_';
  }
  return out;
}

struct ServiceHost {
  std::string_view id;  // canonical
  std::string_view host;
  std::string_view fips_host;
};
constexpr ServiceHost kServiceHosts[] = {
    {"dynamodb", "dynamodb", "dynamodb-fips"},
    {"dynamodb streams", "streams.dynamodb", "streams.dynamodb-fips"},
    {"kms", "kms", "kms-fips"},
    {"sts", "sts", "sts-fips"},
};

struct Partition {
  std::string_view region_prefix;  // empty: the fallback "aws" partition
  std::string_view dns_suffix;
  std::string_view dual_stack_dns_suffix;
};
// Region patterns and suffixes of the AWS partitions (botocore data/partitions.json).
constexpr Partition kPartitions[] = {
    {"cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"},
    {"us-gov-", "amazonaws.com", "api.aws"},
    {"us-iso-", "c2s.ic.gov", "api.aws.ic.gov"},
    {"us-isob-", "sc2s.sgov.gov", "api.aws.scloud"},
    {"us-isof-", "csp.hci.ic.gov", "api.aws.hci.ic.gov"},
    {"eu-isoe-", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"},
    {"eusc-", "amazonaws.eu", "api.amazonwebservices.eu"},
    {"", "amazonaws.com", "api.aws"},
};

const Partition& partition_of(std::string_view region) {
  for (const Partition& p : kPartitions) {
    if (region.substr(0, p.region_prefix.size()) == p.region_prefix) return p;
  }
  return kPartitions[std::size(kPartitions) - 1];
}

bool is_host_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::optional<bool> profile_flag(const ProfileSection& profile, std::string_view key) {
  const auto value = profile.non_empty(key);
  if (!value) return std::nullopt;
  return parse_bool_setting(*value, "profile setting " + std::string(key));
}

bool setting_flag(const char* env_name, const ProfileSection& profile, std::string_view key) {
  if (auto v = env_flag(env_name)) return *v;
  return profile_flag(profile, key).value_or(false);
}

ProfileSection load_selected_profile(const SharedConfig& files, const ClientConfig& config) {
  return selected_profile(files, choose_profile(config.profile));
}

int parse_positive_int(std::string_view text, std::string_view origin) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 1) {
    throw ConfigError(std::string(origin) + " must be a positive integer");
  }
  return value;
}

}  // namespace

// ---- region ----------------------------------------------------------------------------

std::optional<std::string> find_region(const std::optional<std::string>& explicit_region,
                                       const ProfileSection& profile) {
  if (explicit_region && !explicit_region->empty()) return explicit_region;
  if (auto r = env_var("AWS_REGION")) return r;
  if (auto r = env_var("AWS_DEFAULT_REGION")) return r;
  if (auto r = profile.non_empty("region")) return r;
  return std::nullopt;
}

std::optional<std::string> find_region(const ClientConfig& config) {
  if (config.region && !config.region->empty()) return config.region;
  if (auto r = env_var("AWS_REGION")) return r;
  if (auto r = env_var("AWS_DEFAULT_REGION")) return r;
  const SharedConfig files = SharedConfig::load();
  return find_region(std::nullopt, load_selected_profile(files, config));
}

namespace {
std::string require_region(std::optional<std::string> region, const ClientConfig& config) {
  if (region) return std::move(*region);
  const ProfileChoice choice = choose_profile(config.profile);
  throw ConfigError(
      "no AWS region configured: set ClientConfig::region, AWS_REGION or AWS_DEFAULT_REGION, "
      "or 'region' in profile '" +
      choice.name + "' of " + shared_config_paths().config_file);
}
}  // namespace

std::string resolve_region(const ClientConfig& config) {
  return require_region(find_region(config), config);
}

// ---- endpoint --------------------------------------------------------------------------

std::string default_endpoint(std::string_view service_id, std::string_view region,
                             EndpointVariant variant) {
  const std::string service = canonical_service(service_id);
  const ServiceHost* host = nullptr;
  for (const ServiceHost& s : kServiceHosts) {
    if (s.id == service) host = &s;
  }
  if (host == nullptr) {
    throw ConfigError("no default endpoint is known for AWS service '" + std::string(service_id) +
                      "'; set an endpoint override");
  }
  if (region.empty()) {
    if (service == "sts" && !variant.fips && !variant.dual_stack) {
      return "https://sts.amazonaws.com";  // the global endpoint, for callers with no region
    }
    throw ConfigError("an AWS region is needed to find the " + std::string(service_id) +
                      " endpoint");
  }
  if (!is_host_label(region)) {
    throw ConfigError("AWS region '" + std::string(region) +
                      "' is not a valid host label (lower-case letters, digits and '-')");
  }
  if (region == "local" && (service == "dynamodb" || service == "dynamodb streams") &&
      !variant.fips && !variant.dual_stack) {
    return "http://localhost:8000";  // DynamoDB Local, as the service model maps it
  }
  const Partition& partition = partition_of(region);
  std::string url = "https://";
  url += variant.fips ? host->fips_host : host->host;
  url += '.';
  url += region;
  url += '.';
  url += variant.dual_stack ? partition.dual_stack_dns_suffix : partition.dns_suffix;
  return url;
}

std::string normalize_endpoint_url(std::string_view url, std::string_view origin) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      throw ConfigError(std::string(origin) + " contains blanks or control characters");
    }
  }
  const std::string lower = ascii_lower(url.substr(0, 8));
  std::size_t authority_start = 0;
  if (lower.rfind("https://", 0) == 0) authority_start = 8;
  else if (lower.rfind("http://", 0) == 0) authority_start = 7;
  else throw ConfigError(std::string(origin) + " must start with http:// or https://");
  const auto authority_end = url.find_first_of("/?#", authority_start);
  const std::string_view authority =
      url.substr(authority_start, authority_end == std::string_view::npos
                                      ? std::string_view::npos
                                      : authority_end - authority_start);
  if (authority.empty() || authority.front() == ':' || authority.find('@') != std::string_view::npos) {
    throw ConfigError(std::string(origin) + " must name a host (scheme://host[:port][/path])");
  }
  if (url.find_first_of("?#", authority_start) != std::string_view::npos) {
    throw ConfigError(std::string(origin) + " must not contain a query or fragment");
  }
  std::string out(url);
  while (out.size() > authority_start + authority.size() && out.back() == '/') out.pop_back();
  return out;
}

std::string resolve_endpoint(const ClientConfig& config, const SharedConfig& files,
                             std::string_view service_id, std::string_view region) {
  if (config.endpoint_override && !config.endpoint_override->empty()) {
    return normalize_endpoint_url(*config.endpoint_override, "ClientConfig::endpoint_override");
  }
  const std::string service = canonical_service(service_id);
  const ProfileSection profile = load_selected_profile(files, config);

  bool ignore_configured = false;
  if (auto v = env_flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
    ignore_configured = *v;
  } else {
    ignore_configured = profile_flag(profile, "ignore_configured_endpoint_urls").value_or(false);
  }

  if (!ignore_configured) {
    const std::string service_env = "AWS_ENDPOINT_URL_" + env_suffix(service);
    if (auto url = env_var(service_env.c_str())) return normalize_endpoint_url(*url, service_env);
    if (auto url = env_var("AWS_ENDPOINT_URL")) {
      return normalize_endpoint_url(*url, "AWS_ENDPOINT_URL");
    }
    if (auto services_name = profile.non_empty("services")) {
      const ProfileSection* section = files.services(*services_name);
      if (section == nullptr) {
        throw ConfigError("the AWS profile names services section '" + *services_name +
                          "', which is not in " + files.paths().config_file);
      }
      const std::string key = services_key(service);
      if (auto url = section->get_sub(key, "endpoint_url"); url && !url->empty()) {
        return normalize_endpoint_url(
            *url, "[services " + *services_name + "] " + key + ".endpoint_url");
      }
    }
    if (auto url = profile.non_empty("endpoint_url")) {
      return normalize_endpoint_url(*url, "profile setting endpoint_url");
    }
  }

  EndpointVariant variant;
  variant.fips = setting_flag("AWS_USE_FIPS_ENDPOINT", profile, "use_fips_endpoint");
  variant.dual_stack = setting_flag("AWS_USE_DUALSTACK_ENDPOINT", profile, "use_dualstack_endpoint");
  return default_endpoint(service_id, region, variant);
}

std::string resolve_endpoint(const ClientConfig& config, std::string_view service_id,
                             std::string_view region) {
  if (config.endpoint_override && !config.endpoint_override->empty()) {
    return normalize_endpoint_url(*config.endpoint_override, "ClientConfig::endpoint_override");
  }
  return resolve_endpoint(config, SharedConfig::load(), service_id, region);
}

// ---- retries ---------------------------------------------------------------------------

std::optional<int> resolve_max_attempts(const ClientConfig& config) {
  if (config.retry.max_attempts) {
    if (*config.retry.max_attempts < 1) {
      throw ConfigError("RetryOptions::max_attempts must be at least 1");
    }
    return config.retry.max_attempts;
  }
  if (auto v = env_var("AWS_MAX_ATTEMPTS")) return parse_positive_int(*v, "AWS_MAX_ATTEMPTS");
  const SharedConfig files = SharedConfig::load();
  const ProfileSection profile = load_selected_profile(files, config);
  if (auto v = profile.non_empty("max_attempts")) {
    return parse_positive_int(*v, "profile setting max_attempts");
  }
  return std::nullopt;
}

// ---- all at once -----------------------------------------------------------------------

ResolvedService resolve_service(const ClientConfig& config, std::string_view service_id) {
  const SharedConfig files = SharedConfig::load();
  ResolvedService out;
  std::optional<std::string> region = config.region;
  if (!region || region->empty()) {
    region = find_region(std::nullopt, [&] {
      // Only an unset region from code and environment needs the profile.
      if (env_var("AWS_REGION") || env_var("AWS_DEFAULT_REGION")) return ProfileSection{};
      return load_selected_profile(files, config);
    }());
  }
  out.region = require_region(std::move(region), config);
  out.endpoint = resolve_endpoint(config, files, service_id, out.region);
  out.credentials = resolve_credentials_provider(config);
  return out;
}

}  // namespace ddbcrypt::aws::internal
