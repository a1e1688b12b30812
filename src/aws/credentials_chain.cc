// The default credential provider chain (spec/aws-wire.md §7.1).

#include <mutex>
#include <utility>

#include "aws/credentials_providers.h"
#include "aws/region_endpoint.h"
#include "ddbcrypt/aws/client_config.h"
#include "ddbcrypt/aws/http.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::aws::internal {
namespace {

class ChainProvider final : public CredentialsProvider {
 public:
  explicit ChainProvider(ChainOptions options) : options_(std::move(options)) {}

  Credentials credentials() const override {
    if (auto winner = current()) return winner->credentials();
    // One resolution at a time: concurrent first callers wait for it instead of each
    // probing the sources (and IMDS timeouts) in parallel.
    std::lock_guard resolving(resolve_mutex_);
    auto winner = current();
    if (!winner) {
      winner = resolve();
      std::lock_guard lock(mutex_);
      winner_ = winner;
    }
    return winner->credentials();
  }

  void invalidate() const override {
    if (auto winner = current()) winner->invalidate();
  }

 private:
  std::shared_ptr<CredentialsProvider> current() const {
    std::lock_guard lock(mutex_);
    return winner_;
  }

  std::shared_ptr<CredentialsProvider> resolve() const {
    std::vector<std::string> tried;
    auto consider = [&](const std::string& name, SourceResult result) {
      if (!result.provider) tried.push_back(name + " (" + result.skipped_because + ")");
      return std::move(result.provider);
    };

    if (auto p = consider("environment", environment_source(options_.refresh.clock))) return p;

    // The files are read only when the environment had nothing, so a stray AWS_PROFILE does
    // not break environment credentials.
    const SharedConfig files = SharedConfig::load();
    const ProfileChoice choice = choose_profile(options_.profile);
    const ProfileSection profile = selected_profile(files, choice);
    const std::string profile_name = "profile '" + choice.name + "'";
    if (auto p = consider(profile_name, profile_source(files, choice, options_.refresh))) return p;

    if (!options_.http.transport) {
      tried.push_back("web identity, container and instance metadata (no HTTP transport)");
    } else {
      const auto region = find_region(options_.region, profile);
      if (auto p = consider("web identity", web_identity_source(files, choice, profile, region,
                                                                options_.http, options_.refresh))) {
        return p;
      }
      if (auto p = consider("container", container_source(options_.http, options_.refresh,
                                                          options_.container_relative_base))) {
        return p;
      }
      if (auto p = consider("EC2 instance metadata",
                            imds_source(profile, options_.http, options_.refresh))) {
        return p;
      }
    }
    std::string message = "no AWS credentials found; tried: ";
    for (std::size_t i = 0; i < tried.size(); ++i) {
      if (i > 0) message += "; ";
      message += tried[i];
    }
    throw ConfigError(message);
  }

  const ChainOptions options_;
  mutable std::mutex resolve_mutex_;  // held while resolving
  mutable std::mutex mutex_;
  mutable std::shared_ptr<CredentialsProvider> winner_;  // guarded by mutex_
};

}  // namespace

std::shared_ptr<CredentialsProvider> make_chain_provider(ChainOptions options) {
  if (!options.refresh.clock) options.refresh.clock = system_clock();
  if (!options.http.clock) options.http.clock = options.refresh.clock;
  return std::make_shared<ChainProvider>(std::move(options));
}

std::shared_ptr<CredentialsProvider> resolve_credentials_provider(const ClientConfig& config) {
  if (config.credentials_provider) return config.credentials_provider;
  return make_default_credentials_provider(config);
}

}  // namespace ddbcrypt::aws::internal

namespace ddbcrypt::aws {

std::shared_ptr<CredentialsProvider> make_default_credentials_provider(const ClientConfig& config) {
  internal::ChainOptions options;
  options.profile = config.profile;
  options.region = config.region;
  options.http.transport = config.transport ? config.transport : default_transport();
  options.http.verify_tls = config.verify_tls;
  return internal::make_chain_provider(std::move(options));
}

std::shared_ptr<CredentialsProvider> make_default_credentials_provider() {
  return make_default_credentials_provider(ClientConfig{});
}

}  // namespace ddbcrypt::aws
